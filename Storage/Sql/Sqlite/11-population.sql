-- One narrow row per customer with what the population statistics need; upserted with the journal's
-- group commits. Purchase days are calendar day numbers (days since 0001-01-01).
CREATE TABLE IF NOT EXISTS engagement_customer_digest
(
    customer_id        TEXT    NOT NULL PRIMARY KEY,
    bucket             INTEGER NOT NULL,
    first_purchase_day INTEGER NULL,
    last_purchase_day  INTEGER NULL,
    purchase_days      INTEGER NOT NULL,
    total_spend        REAL    NOT NULL,
    mean_repeat_spend  REAL    NOT NULL,
    stage              TEXT    NOT NULL,
    tier               TEXT    NOT NULL,
    segments           TEXT    NOT NULL,
    -- When the customer must be looked at again with no new event (Unix ms): silence, an overdue complaint.
    due_at             INTEGER NULL
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_bucket ON engagement_customer_digest (bucket);

CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_due ON engagement_customer_digest (due_at) WHERE due_at IS NOT NULL;
