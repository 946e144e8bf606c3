-- Segments as data (issue 16): every version of every segment, defined, changed or removed at run time through the API
-- or seeded from the rules file. A removal is a version whose rule is NULL. name_key is the name in lower case (names
-- are matched ignoring case, as the rules file's are); id rises with every version written, so a silo tells a change by
-- the highest id. changed_at is Unix milliseconds; changed_by and role name the key (or "rules file", role "file").
CREATE TABLE IF NOT EXISTS engagement_segment_versions
(
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name_key    TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    rule        TEXT    NULL,
    description TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    changed_by  TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    changed_at  INTEGER NOT NULL,
    UNIQUE (name_key, version)
);
