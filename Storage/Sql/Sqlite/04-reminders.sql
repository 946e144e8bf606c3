-- Reminders for Microsoft.Orleans.Reminders.AdoNet (UseAdoNetReminderService) on the embedded store.
--
-- The silo reads the reminders of the slice of the grain-hash ring it owns, hence the
-- (ServiceId, GrainHash) index. Version is the reminder's ETag: 0 when created, +1 per change.
--
-- Parameters the provider binds:
--   ServiceId, GrainId, ReminderName: TEXT;
--   StartTime: a UTC DateTime, which Microsoft.Data.Sqlite stores as TEXT "yyyy-MM-dd HH:mm:ss.FFFFFFF"
--   and parses back with GetDateTime;
--   Period: milliseconds; GrainHash, BeginHash, EndHash: the unsigned ring hash cast to a signed
--   32-bit integer; Version: INTEGER.
-- Results it reads: GrainId, ReminderName, StartTime, Period, Version per reminder;
-- UpsertReminderRowKey returns Version; DeleteReminderRowKey one integer column, > 0 if deleted.

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    TEXT    NOT NULL,
    GrainId      TEXT    NOT NULL,
    ReminderName TEXT    NOT NULL,
    StartTime    TEXT    NOT NULL,
    Period       INTEGER NOT NULL,
    GrainHash    INTEGER NOT NULL,
    Version      INTEGER NOT NULL,

    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS IX_RemindersTable_ServiceId_GrainHash ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    'UpsertReminderRowKey', '
    INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
    SET StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash, Version = Version + 1
    RETURNING Version;
'),
(
    'ReadReminderRowsKey', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
'),
(
    'ReadReminderRowKey', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
'),
(
    -- A slice of the ring that does not wrap around (as signed integers): (BeginHash, EndHash].
    'ReadRangeRows1Key', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
'),
(
    -- A slice that wraps around: above BeginHash or up to EndHash.
    'ReadRangeRows2Key', '
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
'),
(
    -- changes() counts the rows of the DELETE just before it on the same connection, which the
    -- provider holds for the whole command.
    'DeleteReminderRowKey', '
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version;

    SELECT changes() AS Deleted;
'),
(
    'DeleteReminderRowsKey', '
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
