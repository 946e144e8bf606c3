-- One narrow row per customer with what the population statistics need; upserted with the journal's
-- group commits. Purchase days are calendar day numbers (days since 0001-01-01).
CREATE TABLE IF NOT EXISTS engagement_customer_digest
(
    customer_id        text             NOT NULL PRIMARY KEY,
    bucket             integer          NOT NULL,
    first_purchase_day integer          NULL,
    last_purchase_day  integer          NULL,
    purchase_days      integer          NOT NULL,
    total_spend        double precision NOT NULL,
    mean_repeat_spend  double precision NOT NULL,
    stage              text             NOT NULL,
    tier               text             NOT NULL,
    segments           text             NOT NULL,
    -- When the customer must be looked at again with no new event (Unix ms): silence, an overdue complaint.
    due_at             bigint           NULL
);

CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_bucket ON engagement_customer_digest (bucket);

CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_due ON engagement_customer_digest (due_at) WHERE due_at IS NOT NULL;
