-- The Orleans ADO.NET providers (persistence, reminders) issue no SQL of their own: at start each
-- one reads the named queries it needs from OrleansQuery and fails if one is missing. The contract
-- each query keeps (parameter names and types in, column names and types out) is noted beside it
-- in the later scripts.
--
-- The invariant is "System.Data.SQLite", which Orleans maps to Microsoft.Data.Sqlite. That driver
-- runs a multi-statement text one statement at a time, each in its own implicit transaction, so
-- every query below that changes data is a single statement (RETURNING gives its result).
--
-- Every script of this folder runs at every start that finds it new or changed
-- (Engagement.Storage.StoreSchema), so each statement must be safe to run again.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);
