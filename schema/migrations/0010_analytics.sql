-- 0010_analytics: what GET /v1/admin/analytics/... reads (docs/clickstream.md, "Analytics").
--
-- A dashboard over millions of events cannot scan `events` per request, so two rollups are
-- kept OFF the write path (no trigger on events): analytics_refresh() recomputes, from the
-- raw events, every session and every UTC hour that events received since the last
-- refresh touched. The server runs it in a background thread (ANALYTICS_REFRESH_SECONDS);
-- tests and benchmarks call it directly, so what they read is exact and deterministic.
-- Recomputing (instead of adding deltas) makes a refresh idempotent, so re-reading an
-- overlap of ANALYTICS_OVERLAP before the watermark is harmless: that overlap is what
-- catches a writer transaction whose received_at (its start time) lies before the last
-- watermark but which committed after that refresh's snapshot.

-- received_at only grows within a partition, so a BRIN index finds "received since the
-- watermark" in a few pages, at almost no cost per insert (measured: docs/benchmarks.md).
-- There is deliberately NO index on session_id: a btree on it cost a third of the insert
-- rate. A session's events are found by time instead: they all lie between its rollup
-- row's started_at and ended_at, or among the events received since the watermark.
CREATE INDEX events_received_brin ON events USING brin (received_at);

-- One character per event type, so a session's ordered path is a short string and "reached
-- steps s1, s2, ... in order" is `path LIKE '%c1%c2%...'` (a subsequence test). The
-- characters start at U+4E00, far from LIKE's metacharacters % _ and \.
CREATE TABLE analytics_event_codes (
    code       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type varchar(64) NOT NULL UNIQUE
);

CREATE FUNCTION analytics_code_char(code integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT chr(19968 + code) $$;

-- One row per session (events sharing a session_id; events without one belong to none).
CREATE TABLE analytics_sessions (
    session_id  varchar(128) PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    -- The person: the session's first user_id, else its first anonymous_id, else NULL.
    user_key    varchar(128),
    event_count integer NOT NULL,
    page_views  integer NOT NULL,
    bounced     boolean NOT NULL,
    -- Event type codes in path order (event_time, received_at, event_id).
    path        text NOT NULL
);

CREATE INDEX analytics_sessions_started ON analytics_sessions (started_at);

-- Event counts per UTC hour and product (product_id 0: events without a product), by the
-- events' own event_time; sessionless events count here too.
CREATE TABLE analytics_hourly (
    hour          timestamptz NOT NULL,
    product_id    bigint NOT NULL,
    page_views    integer NOT NULL,
    product_views integer NOT NULL,
    add_to_cart   integer NOT NULL,
    purchases     integer NOT NULL,
    PRIMARY KEY (hour, product_id)
);

-- The single row: events received at or after watermark - overlap are not yet counted.
CREATE TABLE analytics_state (
    id        integer PRIMARY KEY CHECK (id = 1),
    watermark timestamptz NOT NULL
);
INSERT INTO analytics_state VALUES (1, '-infinity');

-- Brings the rollups up to date with every event committed before this call started;
-- returns how many sessions it recomputed. Serialised by an advisory lock: a caller
-- waits for a running refresh and then runs its own, so after it returns, everything
-- the caller committed beforehand is counted.
CREATE FUNCTION analytics_refresh() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz;
    n integer;
    d date;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('storefront.analytics_refresh'));
    SELECT watermark - interval '60 seconds' INTO since FROM analytics_state WHERE id = 1;

    CREATE TEMP TABLE IF NOT EXISTS analytics_new (
        session_id varchar(128), event_type varchar(64), hour timestamptz,
        lo timestamptz, hi timestamptz
    ) ON COMMIT DROP;
    TRUNCATE analytics_new;
    INSERT INTO analytics_new
        SELECT session_id, event_type, date_trunc('hour', event_time, 'UTC'),
               min(event_time), max(event_time)
        FROM events WHERE received_at >= since GROUP BY 1, 2, 3;
    ANALYZE analytics_new;

    INSERT INTO analytics_event_codes (event_type)
        SELECT DISTINCT event_type FROM analytics_new ORDER BY 1
        ON CONFLICT (event_type) DO NOTHING;

    -- Sessions: recompute each touched session from all of its events. Every one of them
    -- lies in the session's old [started_at, ended_at] or among the new events, so
    -- [lo, hi] below bounds them; they are read one day partition at a time.
    CREATE TEMP TABLE IF NOT EXISTS analytics_touched (
        session_id varchar(128) PRIMARY KEY, lo timestamptz, hi timestamptz
    ) ON COMMIT DROP;
    TRUNCATE analytics_touched;
    INSERT INTO analytics_touched
        SELECT n.session_id, least(min(n.lo), min(s.started_at)), greatest(max(n.hi), max(s.ended_at))
        FROM analytics_new n LEFT JOIN analytics_sessions s ON s.session_id = n.session_id
        WHERE n.session_id IS NOT NULL GROUP BY n.session_id;
    ANALYZE analytics_touched;
    CREATE TEMP TABLE IF NOT EXISTS analytics_touched_events (
        session_id varchar(128), event_time timestamptz, received_at timestamptz, event_id uuid,
        event_type varchar(64), user_id varchar(128), anonymous_id varchar(128)
    ) ON COMMIT DROP;
    TRUNCATE analytics_touched_events;
    FOR d IN SELECT DISTINCT g::date FROM analytics_touched t,
             generate_series((t.lo AT TIME ZONE 'UTC')::date, (t.hi AT TIME ZONE 'UTC')::date,
                             interval '1 day') g ORDER BY 1 LOOP
        INSERT INTO analytics_touched_events
            SELECT e.session_id, e.event_time, e.received_at, e.event_id, e.event_type,
                   e.user_id, e.anonymous_id
            FROM events e JOIN analytics_touched t ON t.session_id = e.session_id
            WHERE e.event_time >= (d::timestamp AT TIME ZONE 'UTC')
              AND e.event_time < ((d + 1)::timestamp AT TIME ZONE 'UTC')
              AND e.event_time BETWEEN t.lo AND t.hi;
    END LOOP;

    INSERT INTO analytics_sessions AS s
        SELECT e.session_id, min(e.event_time), max(e.event_time),
               coalesce((array_agg(e.user_id ORDER BY e.event_time, e.received_at, e.event_id)
                         FILTER (WHERE e.user_id IS NOT NULL))[1],
                        (array_agg(e.anonymous_id ORDER BY e.event_time, e.received_at, e.event_id)
                         FILTER (WHERE e.anonymous_id IS NOT NULL))[1]),
               count(*), count(*) FILTER (WHERE e.event_type = 'page_view'),
               count(*) FILTER (WHERE e.event_type = 'page_view') = 1
                 AND count(*) FILTER (WHERE e.event_type <> 'page_view'
                                      AND e.event_type NOT LIKE 'custom.\_%') = 0,
               string_agg(analytics_code_char(c.code), ''
                          ORDER BY e.event_time, e.received_at, e.event_id)
        FROM analytics_touched_events e
        JOIN analytics_event_codes c ON c.event_type = e.event_type
        GROUP BY e.session_id
    ON CONFLICT (session_id) DO UPDATE SET
        started_at = excluded.started_at, ended_at = excluded.ended_at,
        user_key = excluded.user_key, event_count = excluded.event_count,
        page_views = excluded.page_views, bounced = excluded.bounced, path = excluded.path;
    GET DIAGNOSTICS n = ROW_COUNT;

    -- Hours: recompute each touched hour, one day partition at a time so each scan is
    -- pruned to a single partition.
    CREATE TEMP TABLE IF NOT EXISTS analytics_hours (hour timestamptz PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE analytics_hours;
    INSERT INTO analytics_hours SELECT DISTINCT hour FROM analytics_new;
    DELETE FROM analytics_hourly h USING analytics_hours t WHERE h.hour = t.hour;
    FOR d IN SELECT DISTINCT (hour AT TIME ZONE 'UTC')::date FROM analytics_hours ORDER BY 1 LOOP
        INSERT INTO analytics_hourly
            SELECT date_trunc('hour', e.event_time, 'UTC'), coalesce(e.product_id, 0),
                   count(*) FILTER (WHERE e.event_type = 'page_view'),
                   count(*) FILTER (WHERE e.event_type = 'product_view'),
                   count(*) FILTER (WHERE e.event_type = 'add_to_cart'),
                   count(*) FILTER (WHERE e.event_type = 'purchase')
            FROM events e
            WHERE e.event_time >= (d::timestamp AT TIME ZONE 'UTC')
              AND e.event_time < ((d + 1)::timestamp AT TIME ZONE 'UTC')
              AND date_trunc('hour', e.event_time, 'UTC') IN (SELECT hour FROM analytics_hours)
            GROUP BY 1, 2;
    END LOOP;

    UPDATE analytics_state SET watermark = now() WHERE id = 1;
    RETURN n;
END $$;
