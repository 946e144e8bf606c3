-- The change feed (issue 16): every decision of the engine as a change with a global sequence, for other systems
-- (gRPC Changes.Watch, webhooks, NATS). SQLite has one writer, so AUTOINCREMENT order is commit order. at is the
-- commit's time in Unix milliseconds (retention reads it); data is the change as JSON.
CREATE TABLE IF NOT EXISTS engagement_changes
(
    sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    data        TEXT    NOT NULL
);

-- What the feed last said of each customer: a digest written with the same values emits nothing, so a digest
-- written again after a crash or a replay is no second change. Seeded from the digests a store already holds.
CREATE TABLE IF NOT EXISTS engagement_change_state
(
    customer_id TEXT NOT NULL PRIMARY KEY,
    stage       TEXT NULL,
    tier        TEXT NULL,
    rfm_group   TEXT NULL,
    risk_band   TEXT NULL,
    segments    TEXT NULL
) WITHOUT ROWID;

INSERT INTO engagement_change_state (customer_id, stage, tier, segments)
SELECT customer_id, stage, tier, segments FROM engagement_customer_digest WHERE true
ON CONFLICT (customer_id) DO NOTHING;

-- How far a source log (the alert changes) has been copied into the feed, written with the copied rows.
CREATE TABLE IF NOT EXISTS engagement_change_relay
(
    source   TEXT    NOT NULL PRIMARY KEY,
    sequence INTEGER NOT NULL
) WITHOUT ROWID;

-- Each webhook subscriber's cursor: the last sequence it has been given (or dead-lettered); and which gateway delivers
-- to it (owner) until when (lease_until, Unix milliseconds), so that the gateways of a cluster do not deliver twice.
CREATE TABLE IF NOT EXISTS engagement_webhook_cursors
(
    subscriber TEXT    NOT NULL PRIMARY KEY,
    sequence    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    owner       TEXT    NULL,
    lease_until INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS engagement_webhook_dead_letters
(
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber  TEXT    NOT NULL,
    sequence    INTEGER NOT NULL,
    customer_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    failed_at   INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    error       TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_engagement_webhook_dead_letters ON engagement_webhook_dead_letters (subscriber, id);
