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

-- What an agent's worklist and search read (issue 14), filled with every digest: the customer's team, name and email,
-- CLV and churn risk, and the money at risk (their product); the search keys are lower case, with the digits that end
-- the id (the number alone: 1234 of cdnow-1234).
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS team text NOT NULL DEFAULT '';
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS name text NULL;
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS name_key text NULL;
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS email_key text NULL;
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS id_number text NULL;
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS clv double precision NOT NULL DEFAULT 0;
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS churn_risk double precision NOT NULL DEFAULT 0;
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS expected_loss double precision NOT NULL DEFAULT 0;

-- The worklist: a team's at-risk customers by money at risk.
CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_at_risk ON engagement_customer_digest (team, expected_loss)
    WHERE stage IN ('AtRisk', 'Lapsed');
-- The search: prefixes of the id, its number, the name and the email address (LIKE 'text%' with case ignored).
CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_id_search ON engagement_customer_digest (lower(customer_id) text_pattern_ops);
CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_number ON engagement_customer_digest (lower(id_number) text_pattern_ops) WHERE id_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_name ON engagement_customer_digest (lower(name_key) text_pattern_ops) WHERE name_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_email ON engagement_customer_digest (lower(email_key) text_pattern_ops) WHERE email_key IS NOT NULL;
