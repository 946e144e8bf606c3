-- The event journal: every accepted event of every customer, in the customer's order (seq).
-- The unique (customer_id, event_id) index is the idempotency guarantee: an event id a customer
-- already has is never stored or applied twice, while its entry is kept (retention keeps at least the
-- customer's last 10,000 and everything within the journal horizon: 18-retention.sql, docs/operations.md).
CREATE TABLE IF NOT EXISTS engagement_journal
(
    customer_id TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    PRIMARY KEY (customer_id, seq)
) WITHOUT ROWID;

CREATE UNIQUE INDEX IF NOT EXISTS ux_engagement_journal_event ON engagement_journal (customer_id, event_id);
