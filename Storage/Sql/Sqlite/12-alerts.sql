-- Alerts: every change gets the next sequence number (the change log), and the alert's latest state is
-- kept beside it for the board ("open alerts of my teams") and for commands.
CREATE TABLE IF NOT EXISTS engagement_alert_changes
(
    sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id   TEXT    NOT NULL,
    team       TEXT    NOT NULL,
    payload    TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS engagement_alerts
(
    alert_id    TEXT    NOT NULL PRIMARY KEY,
    customer_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    team        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    assigned_to TEXT    NULL,
    sequence    INTEGER NOT NULL,
    payload     TEXT    NOT NULL
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS ix_engagement_alerts_customer ON engagement_alerts (customer_id, kind, sequence);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_open ON engagement_alerts (state, team);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_assigned ON engagement_alerts (assigned_to, state);
-- The SLA sweep: open alerts by due time (read from the payload, by the expression the alert store's query uses).
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_due ON engagement_alerts (state, json_extract(payload, '$.dueBy'));
