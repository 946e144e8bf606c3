-- The event journal: every accepted event of every customer, in the customer's order (seq).
-- The unique (customer_id, event_id) index is the idempotency guarantee: an event id a customer
-- already has is never stored or applied twice, while its entry is kept (retention keeps at least the
-- customer's last 10,000 and everything within the journal horizon: 18-retention.sql, docs/operations.md).
CREATE TABLE IF NOT EXISTS engagement_journal
(
    customer_id text        NOT NULL,
    seq         bigint      NOT NULL,
    event_id    text        NOT NULL,
    event_type  text        NOT NULL,
    channel     text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    payload     text        NOT NULL,
    CONSTRAINT pk_engagement_journal PRIMARY KEY (customer_id, seq)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_engagement_journal_event ON engagement_journal (customer_id, event_id);
