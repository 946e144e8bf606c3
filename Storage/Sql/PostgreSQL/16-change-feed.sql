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

-- What the feed last said of each customer: a digest written with the same values emits nothing, so a digest
-- written again after a crash or a replay is no second change. Seeded from the digests a store already holds.
CREATE TABLE IF NOT EXISTS engagement_change_state
(
    customer_id text NOT NULL PRIMARY KEY,
    stage       text NULL,
    tier        text NULL,
    rfm_group   text NULL,
    risk_band   text NULL,
    segments    text NULL
);

INSERT INTO engagement_change_state (customer_id, stage, tier, segments)
SELECT customer_id, stage, tier, segments FROM engagement_customer_digest
ON CONFLICT (customer_id) DO NOTHING;

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
