-- schema/queries/analytics.sql — GET /v1/admin/analytics/... (api/db/analytics_queries.c,
-- db_analytics.h). Funnel, top products and traffic read the rollups analytics_refresh()
-- maintains (schema/migrations/0010_analytics.sql); list answers are rendered as JSON by
-- PostgreSQL in the same statement, as orders are.

-- The one-character code of each event type, in the order given (NULL: never seen).
-- name: analytics_codes :many
SELECT analytics_code_char(c.code) AS code
  FROM unnest(@types::text[]) WITH ORDINALITY s(t, ord)
  LEFT JOIN analytics_event_codes c ON c.event_type = s.t
 ORDER BY s.ord;

-- The first pattern narrows the rows; the others are tested only on those. A NULL
-- pattern (an unused or never-seen step) never matches.
-- name: analytics_funnel :one
SELECT count(*) AS "step1!",
       count(*) FILTER (WHERE path LIKE @p2?::text) AS "step2!",
       count(*) FILTER (WHERE path LIKE @p3?::text) AS "step3!",
       count(*) FILTER (WHERE path LIKE @p4?::text) AS "step4!",
       count(*) FILTER (WHERE path LIKE @p5?::text) AS "step5!",
       count(*) FILTER (WHERE path LIKE @p6?::text) AS "step6!",
       count(*) FILTER (WHERE path LIKE @p7?::text) AS "step7!",
       count(*) FILTER (WHERE path LIKE @p8?::text) AS "step8!"
  FROM analytics_sessions
 WHERE started_at >= @from_ts::timestamptz AND started_at < @to_ts::timestamptz
   AND path LIKE @p1::text;

-- name: analytics_top_products :one
WITH p AS (
    SELECT product_id, sum(product_views)::bigint AS views,
           sum(add_to_cart)::bigint AS add_to_cart, sum(purchases)::bigint AS purchases
      FROM analytics_hourly
     WHERE hour >= @from_ts::timestamptz AND hour < @to_ts::timestamptz AND product_id <> 0
     GROUP BY product_id),
r AS (
    SELECT p.*, row_number() OVER (ORDER BY
               (CASE @metric::text WHEN 'views' THEN views WHEN 'add_to_cart' THEN add_to_cart
                                   WHEN 'purchases' THEN purchases END) DESC NULLS LAST,
               (CASE WHEN @metric::text = 'conversion' THEN purchases::numeric / views END)
                   DESC NULLS LAST,
               purchases DESC, views DESC, product_id) AS ord
      FROM p
     WHERE (CASE @metric::text WHEN 'add_to_cart' THEN add_to_cart WHEN 'purchases' THEN purchases
                               ELSE views END) > 0)
SELECT json_build_object(
           'from', to_char(@from_ts::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'to', to_char(@to_ts::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'metric', @metric::text,
           'items', coalesce(json_agg(json_build_object('product_id', r.product_id,
               'slug', pr.slug, 'name', pr.name, 'views', r.views, 'add_to_cart', r.add_to_cart,
               'purchases', r.purchases, 'conversion',
               CASE WHEN r.views > 0 THEN round(r.purchases::numeric / r.views, 4) END)
               ORDER BY r.ord), '[]'::json))::text AS "json!"
  FROM r LEFT JOIN products pr ON pr.id = r.product_id
 WHERE r.ord <= @max_items::int;

-- name: analytics_traffic :one
WITH b AS (
    SELECT g AS start
      FROM generate_series(date_trunc(@unit::text, @from_ts::timestamptz, 'UTC'),
                           @to_ts::timestamptz - interval '1 microsecond',
                           ('1 ' || @unit::text)::interval) g),
s AS (
    SELECT date_trunc(@unit::text, started_at, 'UTC') AS start, count(*) AS sessions,
           count(DISTINCT user_key COLLATE "C") AS users, count(*) FILTER (WHERE bounced) AS bounces
      FROM analytics_sessions
     WHERE started_at >= @from_ts::timestamptz AND started_at < @to_ts::timestamptz
     GROUP BY 1),
p AS (
    SELECT date_trunc(@unit::text, hour, 'UTC') AS start, sum(page_views)::bigint AS pv
      FROM analytics_hourly
     WHERE hour >= @from_ts::timestamptz AND hour < @to_ts::timestamptz
     GROUP BY 1),
t AS (
    SELECT count(*) AS sessions, count(DISTINCT user_key COLLATE "C") AS users,
           count(*) FILTER (WHERE bounced) AS bounces
      FROM analytics_sessions
     WHERE started_at >= @from_ts::timestamptz AND started_at < @to_ts::timestamptz)
SELECT json_build_object(
           'from', to_char(@from_ts::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'to', to_char(@to_ts::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'interval', @unit::text,
           'totals', (SELECT json_build_object('sessions', t.sessions, 'users', t.users,
                         'page_views', (SELECT coalesce(sum(pv), 0) FROM p), 'bounces', t.bounces,
                         'bounce_rate', CASE WHEN t.sessions > 0
                                             THEN round(t.bounces::numeric / t.sessions, 4) END)
                        FROM t),
           'items', (SELECT coalesce(json_agg(json_build_object(
                         'start', to_char(b.start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                         'sessions', coalesce(s.sessions, 0), 'users', coalesce(s.users, 0),
                         'page_views', coalesce(p.pv, 0), 'bounces', coalesce(s.bounces, 0),
                         'bounce_rate', CASE WHEN s.sessions > 0
                                             THEN round(s.bounces::numeric / s.sessions, 4) END)
                         ORDER BY b.start), '[]'::json)
                       FROM b LEFT JOIN s USING (start) LEFT JOIN p USING (start)))::text AS "json!";

-- Where one session's events are, without an index on session_id (0010 explains why):
-- between its rollup row's started_at and ended_at, or received since the last refresh's
-- watermark (less its overlap), which the BRIN index on received_at finds. The bounds
-- are NULL for a session the rollup has not seen yet.
-- name: analytics_session_bounds :one
SELECT s.started_at AS "started_at?", s.ended_at AS "ended_at?",
       w.watermark - interval '60 seconds' AS "recent_from?"
  FROM analytics_state w LEFT JOIN analytics_sessions s ON s.session_id = @session_id
 WHERE w.id = 1;

-- Bounds as parameters, so only those days' partitions are scanned. count(*) OVER () and
-- min/max OVER () see every event of the session, before LIMIT. No row: no event.
-- name: analytics_session :many
WITH a AS (
    SELECT * FROM events
     WHERE session_id = @session_id AND event_time >= @started_at?::timestamptz
       AND event_time <= @ended_at?::timestamptz
    UNION
    SELECT * FROM events
     WHERE session_id = @session_id AND received_at >= @recent_from?::timestamptz),
e AS (
    SELECT event_id, event_type, event_time, received_at, source, user_id, anonymous_id,
           page_url, referrer, product_id, sku, order_number, search_query, props,
           count(*) OVER () AS total, min(event_time) OVER () AS first_at,
           max(event_time) OVER () AS last_at
      FROM a
     ORDER BY event_time, received_at, event_id
     LIMIT @max_events::int)
SELECT json_build_object(
           'session_id', @session_id::text, 'event_count', max(total),
           'truncated', max(total) > count(*),
           'started_at', to_char(min(first_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'ended_at', to_char(max(last_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'events', json_agg(json_build_object('event_id', event_id, 'event_type', event_type,
               'event_time', to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'received_at', to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'source', source, 'user_id', user_id, 'anonymous_id', anonymous_id,
               'page_url', page_url, 'referrer', referrer, 'product_id', product_id, 'sku', sku,
               'order_number', order_number, 'search_query', search_query, 'props', props)
               ORDER BY event_time, received_at, event_id))::text AS "json!"
  FROM e
HAVING count(*) > 0;

-- name: analytics_refresh :one
SELECT analytics_refresh() AS "sessions!";
