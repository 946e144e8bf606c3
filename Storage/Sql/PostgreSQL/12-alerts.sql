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

-- The board's cases (issue 14): what the case queries filter, group and order by, as columns filled from the alert on
-- every save. severity is the rank (Info 0, Warning 1, Critical 2), so that "worst first" is a plain ORDER BY; times
-- are Unix milliseconds, as the digest's due_at, so both stores compare them the same way. An existing store gains
-- the columns here and fills them from the payload once (rows written before have raised_at 0).
ALTER TABLE engagement_alerts ADD COLUMN IF NOT EXISTS severity bigint NOT NULL DEFAULT 0;
ALTER TABLE engagement_alerts ADD COLUMN IF NOT EXISTS expected_loss double precision NOT NULL DEFAULT 0;
ALTER TABLE engagement_alerts ADD COLUMN IF NOT EXISTS raised_at bigint NOT NULL DEFAULT 0;
ALTER TABLE engagement_alerts ADD COLUMN IF NOT EXISTS due_by bigint NULL;

UPDATE engagement_alerts
SET severity      = CASE payload::json ->> 'severity' WHEN 'Critical' THEN 2 WHEN 'Warning' THEN 1 ELSE 0 END,
    expected_loss = COALESCE((payload::json ->> 'expectedLoss')::double precision, 0),
    raised_at     = (extract(epoch FROM (payload::json ->> 'raisedAt')::timestamptz) * 1000)::bigint,
    due_by        = (extract(epoch FROM (payload::json ->> 'dueBy')::timestamptz) * 1000)::bigint
WHERE raised_at = 0;

-- A case query reads a team's unresolved rows of this index only: grouped by customer, ranked by the columns it holds.
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_cases ON engagement_alerts (team, state, customer_id, expected_loss, severity, raised_at);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_rank ON engagement_alerts (state, expected_loss, severity, raised_at);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_due_by ON engagement_alerts (state, due_by) WHERE due_by IS NOT NULL;
-- The SLA sweep: open alerts by due time (read from the payload, by the expression the alert store's query uses).
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_due ON engagement_alerts (state, (payload::json ->> 'dueBy'));
-- Alerts.List pages newest raised first over what an alert's changes never touch (raised time, then id).
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_raised ON engagement_alerts (raised_at, alert_id);

-- Contact outcomes recorded with an idempotency key (HTTP Idempotency-Key, the agent hub's requestId), by the event id
-- the key gives: the alert, and the alert as the first answer gave it (null while the first request is under way). A
-- retry gets that answer again, after a restart too. Kept like the alert history: one row per keyed outcome, at the
-- rate agents call.
CREATE TABLE IF NOT EXISTS engagement_alert_outcome_requests
(
    event_id text NOT NULL PRIMARY KEY,
    alert_id text NOT NULL,
    answer   text NULL
);
