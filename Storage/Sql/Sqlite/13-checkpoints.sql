-- Grain state (customer checkpoints, population statistics) written by GroupedGrainStorage: many grains
-- per transaction. version only rises: a write whose version is not above the stored one changes
-- nothing, so a stale activation cannot overwrite a newer checkpoint. state_key is "<state name>/<grain id>".
CREATE TABLE IF NOT EXISTS engagement_checkpoints
(
    state_key TEXT    NOT NULL PRIMARY KEY,
    version   INTEGER NOT NULL,
    payload   BLOB    NOT NULL
);
