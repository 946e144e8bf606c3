-- Membership for Microsoft.Orleans.Clustering.AdoNet (silos) and its gateway list (clients).
--
-- The whole table of one deployment carries a single version (the membership "etag"): a silo
-- changes its row only together with bumping that version from the value it last read, so two
-- silos that read the same table cannot both win. Each write below is one statement, hence one
-- transaction: the version row is locked (FOR UPDATE) and re-checked first, the member row is
-- changed only if that succeeded, and the version is bumped only if the member row changed.
--
-- Parameters the provider binds (Npgsql infers their types from the .NET values):
--   DeploymentId, Address, HostName, SiloName, SuspectTimes: text
--   Port, Generation, Status, ProxyPort, Version: integer
--   StartTime, IAmAliveTime: timestamptz (UTC DateTime)
-- Results it reads: write queries return one row with one integer column, > 0 on success;
-- read queries return the columns named in MembershipReadAllKey.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,

    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NOT NULL,
    -- "silo,time|silo,time": who suspects this silo and since when, written and parsed by Orleans.
    SuspectTimes text           NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,

    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
(
    -- Returns 1 when this call created the deployment's version row, 0 when it already existed.
    'InsertMembershipVersionKey', $q$
    WITH created AS
    (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId)
        VALUES (@DeploymentId)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer AS Inserted FROM created;
$q$),
(
    -- Adds a silo's row if the table version is still @Version and the row is new; returns 1 or 0.
    'InsertMembershipKey', $q$
    WITH expected AS
    (
        SELECT DeploymentId
        FROM OrleansMembershipVersionTable
        WHERE DeploymentId = @DeploymentId AND Version = @Version
        FOR UPDATE
    ),
    added AS
    (
        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        SELECT expected.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
        FROM expected
        WHERE NOT EXISTS
        (
            SELECT 1 FROM OrleansMembershipTable m
            WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
        )
        RETURNING DeploymentId
    ),
    bumped AS
    (
        UPDATE OrleansMembershipVersionTable v
        SET Version = v.Version + 1, Timestamp = now()
        FROM added
        WHERE v.DeploymentId = added.DeploymentId
        RETURNING 1
    )
    SELECT count(*)::integer AS Inserted FROM bumped;
$q$),
(
    -- Changes a silo's status, suspicions and liveness if the table version is still @Version; returns 1 or 0.
    'UpdateMembershipKey', $q$
    WITH expected AS
    (
        SELECT DeploymentId
        FROM OrleansMembershipVersionTable
        WHERE DeploymentId = @DeploymentId AND Version = @Version
        FOR UPDATE
    ),
    changed AS
    (
        UPDATE OrleansMembershipTable m
        SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
        FROM expected
        WHERE m.DeploymentId = expected.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
        RETURNING m.DeploymentId
    ),
    bumped AS
    (
        UPDATE OrleansMembershipVersionTable v
        SET Version = v.Version + 1, Timestamp = now()
        FROM changed
        WHERE v.DeploymentId = changed.DeploymentId
        RETURNING 1
    )
    SELECT count(*)::integer AS Updated FROM bumped;
$q$),
(
    -- The liveness heartbeat: deliberately outside the table version, so heartbeats never conflict.
    'UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
$q$),
(
    -- One row per member plus the version; the outer join still yields the version when the silo has no row.
    'MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
        ON m.DeploymentId = v.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId;
$q$),
(
    'MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId;
$q$),
(
    'DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$q$),
(
    -- Clients pick gateways from this list: active silos (@Status is Active = 3) that accept clients.
    'GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$q$),
(
    -- Rows of silos that stopped heart-beating before @IAmAliveTime and are not Active (3).
    'CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
