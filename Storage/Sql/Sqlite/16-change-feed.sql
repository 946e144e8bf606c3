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

-- What the feed last said of each customer is its stored digest (stage, tier, segments, the RFM group of
-- 16-customer-query.sql and the churn-risk band here), read once per commit for the query index and the feed: a digest
-- written again with the same values (after a crash, a replay) emits nothing. engagement_change_state kept the same
-- apart from the digests, at a second read and write per customer and commit.
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS risk_band TEXT NULL;
DROP TABLE IF EXISTS engagement_change_state;

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
