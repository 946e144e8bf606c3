-- Erasures (issue 17): one row per erasure of a person, kept as the audit and as the refusal of that id's later events.
-- It holds nothing personal: subject_hash is HMAC-SHA256 of the customer id under the store's privacy key (below, or
-- Engagement:Privacy:HashKey), so an id can be checked against it but not read out of it. requested_by is the name
-- of the admin key that asked; times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS engagement_erasures
(
    erasure_id   TEXT    NOT NULL PRIMARY KEY,
    subject_hash TEXT    NOT NULL,
    requested_by TEXT    NOT NULL,
    requested_at INTEGER NOT NULL,
    completed_at INTEGER NULL,
    state        TEXT    NOT NULL,
    found        INTEGER NOT NULL DEFAULT 0,
    rows_deleted INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS ix_engagement_erasures_subject ON engagement_erasures (subject_hash);

-- The key of the subject hashes, made once per store from SQLite's random source.
CREATE TABLE IF NOT EXISTS engagement_privacy_key
(
    id  INTEGER NOT NULL PRIMARY KEY,
    key TEXT    NOT NULL
);

INSERT INTO engagement_privacy_key (id, key) VALUES (1, lower(hex(randomblob(32)))) ON CONFLICT (id) DO NOTHING;
