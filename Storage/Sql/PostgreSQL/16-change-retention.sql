-- How far retention has deleted the change feed (issue 16): every change up to deleted_through is gone. A reader resuming
-- after an older sequence has missed changes, and is told so (Changes.Watch: OUT_OF_RANGE; a webhook: a dead letter)
-- instead of starting quietly at the oldest change kept. One row; seeded from the oldest change a store holds.
CREATE TABLE IF NOT EXISTS engagement_change_retention
(
    id              INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    deleted_through bigint NOT NULL
);

INSERT INTO engagement_change_retention (id, deleted_through)
SELECT 1, COALESCE((SELECT MIN(sequence) FROM engagement_changes) - 1, 0) WHERE true
ON CONFLICT (id) DO NOTHING;
