-- schema/queries/events.sql — the clickstream writer's flush and the partition upkeep
-- of 0009_clickstream.sql (api/db/event_queries.c, db_events.h).
--
-- A flush is one INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING: one prepared
-- statement, one round trip and one transaction whatever the batch size, every value a
-- parameter. It was measured against COPY into a temporary table + INSERT … SELECT
-- (docs/clickstream.md) and kept because it needs one round trip instead of three. The
-- timestamp arrives as Unix ms and is converted exactly (no floating point), so a re-sent
-- event lands on the same event_time and the primary key drops it. Product ids travel as
-- text so an event without one is a NULL element.

-- name: events_insert :execrows
INSERT INTO events (event_id, event_time, event_type, source, app_id, anonymous_id,
                    session_id, user_id, page_url, referrer, product_id, sku, order_number,
                    search_query, props, user_agent, client_ip)
SELECT u.id, timestamptz 'epoch' + u.t * interval '1 millisecond', u.ty, u.src, u.app, u.anon,
       u.sess, u.uid, u.url, u.ref, u.pid::bigint, u.sku, u.ord, u.q, u.props::jsonb, u.ua, u.ip
  FROM unnest(@event_ids::uuid[], @times_ms::bigint[], @event_types::text[], @sources::text[],
              @app_ids::text[], @anonymous_ids::text[], @session_ids::text[],
              @user_ids::text[], @page_urls::text[], @referrers::text[],
              @product_ids::text[], @skus::text[], @order_numbers::text[],
              @search_queries::text[], @props::text[], @user_agents::text[],
              @client_ips::text[])
       AS u(id, t, ty, src, app, anon, sess, uid, url, ref, pid, sku, ord, q, props, ua, ip)
ON CONFLICT DO NOTHING;

-- The same, and the rows that were new (only those RETURNING hands back: duplicates never
-- reach the outbox) also get an event_outbox row, in the same statement.
-- name: events_insert_outbox :one
WITH ins AS (
    INSERT INTO events (event_id, event_time, event_type, source, app_id, anonymous_id,
                        session_id, user_id, page_url, referrer, product_id, sku, order_number,
                        search_query, props, user_agent, client_ip)
    SELECT u.id, timestamptz 'epoch' + u.t * interval '1 millisecond', u.ty, u.src, u.app,
           u.anon, u.sess, u.uid, u.url, u.ref, u.pid::bigint, u.sku, u.ord, u.q,
           u.props::jsonb, u.ua, u.ip
      FROM unnest(@event_ids::uuid[], @times_ms::bigint[], @event_types::text[],
                  @sources::text[], @app_ids::text[], @anonymous_ids::text[],
                  @session_ids::text[], @user_ids::text[], @page_urls::text[],
                  @referrers::text[], @product_ids::text[], @skus::text[],
                  @order_numbers::text[], @search_queries::text[], @props::text[],
                  @user_agents::text[], @client_ips::text[])
           AS u(id, t, ty, src, app, anon, sess, uid, url, ref, pid, sku, ord, q, props, ua, ip)
    ON CONFLICT DO NOTHING
    RETURNING event_id, event_time),
ob AS (
    INSERT INTO event_outbox (event_id, event_time) SELECT event_id, event_time FROM ins)
SELECT count(*) AS "inserted!" FROM ins;

-- Days as "YYYY-MM-DD" (UTC); the count of partitions made / dropped.
-- name: events_partitions_ensure :one
SELECT events_partitions_ensure(@from_day::date, @to_day::date) AS "made!";

-- name: events_partitions_drop_before :one
SELECT events_partitions_drop_before(@day::date) AS "dropped!";

-- The COPY alternative (EVENTS_INSERT_METHOD=copy, api/db/event_copy.c), kept to measure
-- the two against each other: once per connection the staging table (the same columns as
-- unnest's), then per flush BEGIN, events_stage_copy (text format: a COPY cannot be
-- prepared), one of the two statements below, COMMIT.
-- name: events_stage_create :exec
CREATE TEMP TABLE IF NOT EXISTS events_stage (
    id uuid, t bigint, ty text, src text, app text, anon text, sess text, uid text, url text,
    ref text, pid bigint, sku text, ord text, q text, props text, ua text, ip text)
ON COMMIT DELETE ROWS;

-- The columns in the order event_copy.c writes each line's fields.
-- name: events_stage_copy :copy
COPY events_stage (id, t, ty, src, app, anon, sess, uid, url, ref, pid, sku, ord, q, props, ua, ip)
FROM STDIN;

-- name: events_stage_insert :execrows
INSERT INTO events (event_id, event_time, event_type, source, app_id, anonymous_id,
                    session_id, user_id, page_url, referrer, product_id, sku, order_number,
                    search_query, props, user_agent, client_ip)
SELECT u.id, timestamptz 'epoch' + u.t * interval '1 millisecond', u.ty, u.src, u.app, u.anon,
       u.sess, u.uid, u.url, u.ref, u.pid, u.sku, u.ord, u.q, u.props::jsonb, u.ua, u.ip
  FROM events_stage u
ON CONFLICT DO NOTHING;

-- name: events_stage_insert_outbox :one
WITH ins AS (
    INSERT INTO events (event_id, event_time, event_type, source, app_id, anonymous_id,
                        session_id, user_id, page_url, referrer, product_id, sku, order_number,
                        search_query, props, user_agent, client_ip)
    SELECT u.id, timestamptz 'epoch' + u.t * interval '1 millisecond', u.ty, u.src, u.app,
           u.anon, u.sess, u.uid, u.url, u.ref, u.pid, u.sku, u.ord, u.q, u.props::jsonb,
           u.ua, u.ip
      FROM events_stage u
    ON CONFLICT DO NOTHING
    RETURNING event_id, event_time),
ob AS (
    INSERT INTO event_outbox (event_id, event_time) SELECT event_id, event_time FROM ins)
SELECT count(*) AS "inserted!" FROM ins;
