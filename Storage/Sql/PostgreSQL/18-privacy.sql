-- Erasures (issue 17): one row per erasure of a person, kept as the audit and as the refusal of that id's later events.
-- It holds nothing personal: subject_hash is HMAC-SHA256 of the customer id under the store's privacy key (below, or
-- Engagement:Privacy:HashKey), so an id can be checked against it but not read out of it. requested_by is the name
-- of the admin key that asked; times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS engagement_erasures
(
    erasure_id   text    NOT NULL PRIMARY KEY,
    subject_hash text    NOT NULL,
    requested_by text    NOT NULL,
    requested_at bigint  NOT NULL,
    completed_at bigint  NULL,
    state        text    NOT NULL,
    found        integer NOT NULL DEFAULT 0,
    rows_deleted bigint  NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS ix_engagement_erasures_subject ON engagement_erasures (subject_hash);

-- The key of the subject hashes, made once per store (gen_random_uuid draws from a strong random source).
CREATE TABLE IF NOT EXISTS engagement_privacy_key
(
    id  integer NOT NULL PRIMARY KEY,
    key text    NOT NULL
);

INSERT INTO engagement_privacy_key (id, key) VALUES (1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')) ON CONFLICT (id) DO NOTHING;
