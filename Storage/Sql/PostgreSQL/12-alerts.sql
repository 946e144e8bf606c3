-- Alerts: every change gets the next sequence number (the change log), and the alert's latest state is
-- kept beside it for the board ("open alerts of my teams") and for commands. Writers serialize on an
-- advisory lock, so sequence order is commit order and a reader resuming after N misses nothing.
CREATE TABLE IF NOT EXISTS engagement_alert_changes
(
    sequence   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id   text   NOT NULL,
    team       text   NOT NULL,
    payload    text   NOT NULL
);

CREATE TABLE IF NOT EXISTS engagement_alerts
(
    alert_id    text   NOT NULL PRIMARY KEY,
    customer_id text   NOT NULL,
    kind        text   NOT NULL,
    team        text   NOT NULL,
    state       text   NOT NULL,
    assigned_to text   NULL,
    sequence    bigint NOT NULL,
    payload     text   NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_engagement_alerts_customer ON engagement_alerts (customer_id, kind, sequence);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_open ON engagement_alerts (state, team);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_assigned ON engagement_alerts (assigned_to, state);
-- The SLA sweep: open alerts by due time (read from the payload, by the expression the alert store's query uses).
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_due ON engagement_alerts (state, (payload::json ->> 'dueBy'));
