-- The change feed (issue 16): every decision of the engine as a change with a global sequence, for other systems
-- (gRPC Changes.Watch, webhooks, NATS). Writers take an advisory lock before they insert, held to the commit, so
-- sequence order is commit order and a reader resuming after N misses nothing. at is the commit's time in Unix
-- milliseconds (retention reads it); data is the change as JSON.
CREATE TABLE IF NOT EXISTS engagement_changes
(
    sequence    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id text   NOT NULL,
    kind        text   NOT NULL,
    at          bigint NOT NULL,
    data        text   NOT NULL
);

-- What the feed last said of each customer is its stored digest (stage, tier, segments, the RFM group of
-- 16-customer-query.sql and the churn-risk band here), read once per commit for the query index and the feed: a digest
-- written again with the same values (after a crash, a replay) emits nothing. engagement_change_state kept the same
-- apart from the digests, at a second read and write per customer and commit.
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS risk_band text NULL;
DROP TABLE IF EXISTS engagement_change_state;

-- How far a source log (the alert changes) has been copied into the feed, written with the copied rows.
CREATE TABLE IF NOT EXISTS engagement_change_relay
(
    source   text   NOT NULL PRIMARY KEY,
    sequence bigint NOT NULL
);

-- Each webhook subscriber's cursor: the last sequence it has been given (or dead-lettered); and which gateway delivers
-- to it (owner) until when (lease_until, Unix milliseconds), so that the gateways of a cluster do not deliver twice.
CREATE TABLE IF NOT EXISTS engagement_webhook_cursors
(
    subscriber text   NOT NULL PRIMARY KEY,
    sequence    bigint NOT NULL,
    updated_at  bigint NOT NULL,
    owner       text   NULL,
    lease_until bigint NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS engagement_webhook_dead_letters
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber  text   NOT NULL,
    sequence    bigint NOT NULL,
    customer_id text   NOT NULL,
    kind        text   NOT NULL,
    failed_at   bigint NOT NULL,
    attempts    integer NOT NULL,
    error       text   NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_engagement_webhook_dead_letters ON engagement_webhook_dead_letters (subscriber, id);
