-- The identity index (issue 17): every identifier of a customer (email, phone, an external id such as a loyalty number
-- or an anonymous web id; and, once merged, another customer's id) names exactly one customer. A customer's own id is
-- implicit: a row of kind 'customer' exists only for an id merged into another, so the rows of that kind are the
-- redirect map the ingest path caches. since is Unix milliseconds.
CREATE TABLE IF NOT EXISTS engagement_identities
(
    kind        text   NOT NULL,
    value       text   NOT NULL,
    customer_id text   NOT NULL,
    since       bigint NOT NULL,
    CONSTRAINT pk_engagement_identities PRIMARY KEY (kind, value)
);

CREATE INDEX IF NOT EXISTS ix_engagement_identities_customer ON engagement_identities (customer_id);

-- An identifier a second customer claimed while another held it: kept for the admins' list, once per pair.
CREATE TABLE IF NOT EXISTS engagement_identity_conflicts
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text   NOT NULL,
    value       text   NOT NULL,
    owner_id    text   NOT NULL,
    claimant_id text   NOT NULL,
    at          bigint NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_engagement_identity_conflicts ON engagement_identity_conflicts (kind, value, owner_id, claimant_id);

-- Every merge and unmerge: who, why, when, and what moved (identifier keys and alert ids as JSON), for the unmerge.
CREATE TABLE IF NOT EXISTS engagement_identity_merges
(
    sequence    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action      text   NOT NULL,
    target_id   text   NOT NULL,
    source_id   text   NOT NULL,
    at          bigint NOT NULL,
    actor       text   NOT NULL,
    reason      text   NOT NULL,
    identifiers text   NOT NULL,
    alerts      text   NOT NULL DEFAULT '[]'
);

CREATE INDEX IF NOT EXISTS ix_engagement_identity_merges_pair ON engagement_identity_merges (target_id, source_id, sequence);

-- Which customer a journal row was first recorded for, when a merge moved it to another: what an unmerge gives back.
ALTER TABLE engagement_journal ADD COLUMN IF NOT EXISTS origin text NULL;
