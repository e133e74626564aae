-- 0009_clickstream: the clickstream store (POST /v1/events and POST /v1/clickstream write
-- it through one group-committed writer; /v1/admin/analytics/... read it) and the
-- transactional outbox that ships stored events to Kinesis Data Streams.
--
-- Partitioned by day on event_time, the CLIENT's timestamp: a retried event carries the
-- same event_id and timestamp, so it lands in the same partition and the primary key
-- (event_id, event_time) drops it. PostgreSQL cannot enforce a unique key that leaves out
-- the partition key, so an event_id re-sent with another timestamp is not deduplicated;
-- the ingestion endpoints only accept timestamps inside a window around the server clock
-- (docs/clickstream.md). Partitions are UTC days named events_pYYYYMMDD, created ahead by
-- the server (events_partitions_ensure) and dropped after the retention period
-- (events_partitions_drop_before). No DEFAULT partition: creating a day's partition
-- would then have to scan it, and an event for a day without a partition is refused by
-- the window check before it reaches the database.

CREATE TABLE events (
    event_id     uuid NOT NULL,
    event_time   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    event_type   varchar(64) NOT NULL,
    -- 'web' (POST /v1/events) or 'sdk' (POST /v1/clickstream, the AWS Clickstream SDK).
    source       varchar(8) NOT NULL CHECK (source IN ('web', 'sdk')),
    app_id       varchar(128),
    anonymous_id varchar(128),
    session_id   varchar(128),
    -- The Cognito sub of a verified Bearer token; never taken from the body.
    user_id      varchar(128),
    page_url     varchar(2048),
    referrer     varchar(2048),
    product_id   bigint,
    sku          varchar(64),
    order_number varchar(32),
    search_query varchar(256),
    -- A flat object: <= 50 keys, string/number/boolean/null values of <= 1 KiB.
    props        jsonb,
    user_agent   varchar(512),
    -- Truncated before storing: IPv4 to its /24, IPv6 to its /48.
    client_ip    varchar(64),
    PRIMARY KEY (event_id, event_time)
) PARTITION BY RANGE (event_time);

-- The name of the partition holding UTC day `day`. The bounds below are UTC midnights,
-- whatever the session's TimeZone.
CREATE FUNCTION events_partition_name(day date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'events_p' || to_char(day, 'YYYYMMDD') $$;

-- Creates the daily partitions from_day..to_day (inclusive) that do not exist yet;
-- returns how many it created. Serialised by an advisory lock, so several servers
-- starting at once do not race on CREATE TABLE.
CREATE FUNCTION events_partitions_ensure(from_day date, to_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d date := from_day;
    made integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('storefront.events_partitions'));
    WHILE d <= to_day LOOP
        IF to_regclass(events_partition_name(d)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                events_partition_name(d),
                (d::timestamp AT TIME ZONE 'UTC'),
                ((d + 1)::timestamp AT TIME ZONE 'UTC'));
            made := made + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN made;
END $$;

-- Drops the daily partitions of days before `day` (the retention job); returns how many.
-- Outbox rows of dropped events are deleted with them: they can no longer be shipped.
CREATE FUNCTION events_partitions_drop_before(day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    p record;
    dropped integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('storefront.events_partitions'));
    FOR p IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass
          AND c.relname ~ '^events_p[0-9]{8}$'
          AND to_date(substr(c.relname, 9), 'YYYYMMDD') < day
    LOOP
        EXECUTE format('DROP TABLE %I', p.relname);
        dropped := dropped + 1;
    END LOOP;
    DELETE FROM event_outbox WHERE event_time < (day::timestamp AT TIME ZONE 'UTC');
    RETURN dropped;
END $$;

-- The transactional outbox: a row per stored event still to be shipped to Kinesis,
-- inserted in the same transaction as the event (only while forwarding is configured,
-- and only for events that were new, not duplicates). The forwarder takes due rows with
-- FOR UPDATE SKIP LOCKED (so several servers never ship one row twice at once), and
-- deletes a row when Kinesis acknowledged its record; a failed record gets attempts + 1
-- and a later next_attempt_at (backoff).
CREATE TABLE event_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL,
    event_time      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      varchar(512)
);

CREATE INDEX event_outbox_due ON event_outbox (next_attempt_at, id);
