-- The Orleans ADO.NET providers (clustering, persistence, reminders) issue no SQL of their own:
-- at start each one reads the named queries it needs from OrleansQuery and fails if one is missing.
-- The contract each query keeps (parameter names and types in, column names and types out) is
-- noted beside it in the later scripts.
--
-- Every script of this folder runs at every start that finds it new or changed
-- (Engagement.Storage.StoreSchema), so each statement must be safe to run again.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
