-- Retention (issue 17): how far each customer's journal has been compacted. Entries at or before through_seq may have
-- been deleted (behind the customer's checkpoint, older than the journal horizon, outside its dedup window), so its
-- history as the query API pages it starts after them; events counts the entries deleted so far; compacted_at is the
-- last compaction in Unix milliseconds.
CREATE TABLE IF NOT EXISTS engagement_journal_compactions
(
    customer_id  TEXT    NOT NULL PRIMARY KEY,
    through_seq  INTEGER NOT NULL,
    events       INTEGER NOT NULL,
    compacted_at INTEGER NOT NULL
) WITHOUT ROWID;
