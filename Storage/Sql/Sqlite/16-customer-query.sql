-- Query and export (issue 16): what lists, counts and exports of customers read, written with the digests
-- (CustomerIndex) and only when it changes. The RFM cell and group as columns; one index over the query's
-- dimensions (and segments) that counts read alone and lists walk in order; the segments and the profile attributes as rows,
-- one per customer and segment or attribute (bounded: CustomerAttributes), found by name and by customer.
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS rfm_cell TEXT NOT NULL DEFAULT '';
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS rfm_group TEXT NOT NULL DEFAULT '';
-- A hash of the indexed attributes, to tell a change without reading the rows; NULL: not indexed yet.
ALTER TABLE engagement_customer_digest ADD COLUMN IF NOT EXISTS attributes_hash INTEGER NULL;

-- The segments ride along after the id: a count or a page that combines dimensions and segments reads this index alone.
CREATE INDEX IF NOT EXISTS ix_engagement_customer_digest_query ON engagement_customer_digest (stage, tier, rfm_group, team, customer_id, segments);

CREATE TABLE IF NOT EXISTS engagement_customer_segments
(
    segment     TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (segment, customer_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS ix_engagement_customer_segments_customer ON engagement_customer_segments (customer_id);

-- Names and values in lower case (queries ignore case).
CREATE TABLE IF NOT EXISTS engagement_customer_attributes
(
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (name, value, customer_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS ix_engagement_customer_attributes_customer ON engagement_customer_attributes (customer_id);

-- The segments of digests written before this script, from their comma-joined column (segment names are identifiers).
INSERT OR IGNORE INTO engagement_customer_segments (segment, customer_id)
SELECT j.value, d.customer_id
FROM engagement_customer_digest d, json_each('["' || replace(d.segments, ',', '","') || '"]') j
WHERE d.segments <> '';

-- Alert history: a time range across customers, newest first.
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_raised ON engagement_alerts (raised_at, alert_id);
CREATE INDEX IF NOT EXISTS ix_engagement_alerts_customer_raised ON engagement_alerts (customer_id, raised_at, alert_id);
