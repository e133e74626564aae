/*
 * analytics_queries.c — the statements behind GET /v1/admin/analytics/... (see
 * db_analytics.h). Funnel, top products and traffic read the rollups that
 * analytics_refresh() maintains (schema/migrations/0010_analytics.sql); list answers are
 * rendered as JSON by PostgreSQL in the same statement, as orders are.
 */
#include <stdlib.h>
#include <string.h>

#include "storefront/db_analytics.h"

#define TS_FMT    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"
#define TS_MS_FMT "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"

static sf_status one_text(db_conn *c, arena *a, const db_stmt *st, const char *const *params,
                          char **json, sf_error *e);

static const db_stmt codes_stmt = {
    "analytics_codes",
    "SELECT analytics_code_char(c.code) FROM unnest($1::text[]) WITH ORDINALITY s(t, ord)"
    " LEFT JOIN analytics_event_codes c ON c.event_type = s.t ORDER BY s.ord",
    1};

/* The first pattern narrows the rows; the others are tested only on those. A NULL
 * pattern (an unused or never-seen step) never matches. */
static const db_stmt funnel_stmt = {
    "analytics_funnel",
    "SELECT count(*), count(*) FILTER (WHERE path LIKE $4), count(*) FILTER (WHERE path LIKE $5),"
    " count(*) FILTER (WHERE path LIKE $6), count(*) FILTER (WHERE path LIKE $7),"
    " count(*) FILTER (WHERE path LIKE $8), count(*) FILTER (WHERE path LIKE $9),"
    " count(*) FILTER (WHERE path LIKE $10) FROM analytics_sessions"
    " WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz AND path LIKE $3",
    10};

static const db_stmt top_products_stmt = {
    "analytics_top_products",
    "WITH p AS (SELECT product_id, sum(product_views)::bigint AS views,"
    " sum(add_to_cart)::bigint AS add_to_cart, sum(purchases)::bigint AS purchases"
    " FROM analytics_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz"
    " AND product_id <> 0 GROUP BY product_id),"
    " r AS (SELECT p.*, row_number() OVER (ORDER BY"
    " (CASE $3::text WHEN 'views' THEN views WHEN 'add_to_cart' THEN add_to_cart"
    " WHEN 'purchases' THEN purchases END) DESC NULLS LAST,"
    " (CASE WHEN $3::text = 'conversion' THEN purchases::numeric / views END) DESC NULLS LAST,"
    " purchases DESC, views DESC, product_id) AS ord FROM p"
    " WHERE (CASE $3::text WHEN 'add_to_cart' THEN add_to_cart WHEN 'purchases' THEN purchases"
    " ELSE views END) > 0)"
    " SELECT json_build_object('from',"
    " to_char($1::timestamptz AT TIME ZONE 'UTC', " TS_FMT "), 'to',"
    " to_char($2::timestamptz AT TIME ZONE 'UTC', " TS_FMT "), 'metric', $3::text,"
    " 'items', coalesce(json_agg(json_build_object('product_id', r.product_id,"
    " 'slug', pr.slug, 'name', pr.name, 'views', r.views, 'add_to_cart', r.add_to_cart,"
    " 'purchases', r.purchases, 'conversion',"
    " CASE WHEN r.views > 0 THEN round(r.purchases::numeric / r.views, 4) END) ORDER BY r.ord),"
    " '[]'::json))::text"
    " FROM r LEFT JOIN products pr ON pr.id = r.product_id WHERE r.ord <= $4::int",
    4};

static const db_stmt traffic_stmt = {
    "analytics_traffic",
    "WITH b AS (SELECT g AS start FROM generate_series(date_trunc($3::text, $1::timestamptz,"
    " 'UTC'), $2::timestamptz - interval '1 microsecond', ('1 ' || $3::text)::interval) g),"
    " s AS (SELECT date_trunc($3::text, started_at, 'UTC') AS start, count(*) AS sessions,"
    " count(DISTINCT user_key COLLATE \"C\") AS users, count(*) FILTER (WHERE bounced) AS bounces"
    " FROM analytics_sessions WHERE started_at >= $1::timestamptz"
    " AND started_at < $2::timestamptz GROUP BY 1),"
    " p AS (SELECT date_trunc($3::text, hour, 'UTC') AS start, sum(page_views)::bigint AS pv"
    " FROM analytics_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz"
    " GROUP BY 1),"
    " t AS (SELECT count(*) AS sessions, count(DISTINCT user_key COLLATE \"C\") AS users,"
    " count(*) FILTER (WHERE bounced) AS bounces FROM analytics_sessions"
    " WHERE started_at >= $1::timestamptz AND started_at < $2::timestamptz)"
    " SELECT json_build_object('from',"
    " to_char($1::timestamptz AT TIME ZONE 'UTC', " TS_FMT "), 'to',"
    " to_char($2::timestamptz AT TIME ZONE 'UTC', " TS_FMT "), 'interval', $3::text,"
    " 'totals', (SELECT json_build_object('sessions', t.sessions, 'users', t.users,"
    " 'page_views', (SELECT coalesce(sum(pv), 0) FROM p), 'bounces', t.bounces,"
    " 'bounce_rate', CASE WHEN t.sessions > 0 THEN round(t.bounces::numeric / t.sessions, 4)"
    " END) FROM t),"
    " 'items', (SELECT coalesce(json_agg(json_build_object('start',"
    " to_char(b.start AT TIME ZONE 'UTC', " TS_FMT "), 'sessions', coalesce(s.sessions, 0),"
    " 'users', coalesce(s.users, 0), 'page_views', coalesce(p.pv, 0),"
    " 'bounces', coalesce(s.bounces, 0), 'bounce_rate', CASE WHEN s.sessions > 0"
    " THEN round(s.bounces::numeric / s.sessions, 4) END) ORDER BY b.start), '[]'::json)"
    " FROM b LEFT JOIN s USING (start) LEFT JOIN p USING (start)))::text",
    3};

/* Where one session's events are, without an index on session_id (0010 explains why):
 * between its rollup row's started_at and ended_at, or received since the last refresh's
 * watermark (less its overlap), which the BRIN index on received_at finds. */
static const db_stmt session_bounds_stmt = {
    "analytics_session_bounds",
    "SELECT s.started_at, s.ended_at, w.watermark - interval '60 seconds'"
    " FROM analytics_state w LEFT JOIN analytics_sessions s ON s.session_id = $1 WHERE w.id = 1",
    1};

/* Bounds as parameters, so only those days' partitions are scanned. count(*) OVER () and
 * min/max OVER () see every event of the session, before LIMIT. */
static const db_stmt session_stmt = {
    "analytics_session",
    "WITH a AS (SELECT * FROM events WHERE session_id = $1 AND event_time >= $3::timestamptz"
    " AND event_time <= $4::timestamptz"
    " UNION SELECT * FROM events WHERE session_id = $1 AND received_at >= $5::timestamptz),"
    " e AS (SELECT event_id, event_type, event_time, received_at, source, user_id,"
    " anonymous_id, page_url, referrer, product_id, sku, order_number, search_query, props,"
    " count(*) OVER () AS total, min(event_time) OVER () AS first_at,"
    " max(event_time) OVER () AS last_at FROM a"
    " ORDER BY event_time, received_at, event_id LIMIT $2::int)"
    " SELECT json_build_object('session_id', $1::text, 'event_count', max(total),"
    " 'truncated', max(total) > count(*),"
    " 'started_at', to_char(min(first_at) AT TIME ZONE 'UTC', " TS_MS_FMT "),"
    " 'ended_at', to_char(max(last_at) AT TIME ZONE 'UTC', " TS_MS_FMT "),"
    " 'events', json_agg(json_build_object('event_id', event_id, 'event_type', event_type,"
    " 'event_time', to_char(event_time AT TIME ZONE 'UTC', " TS_MS_FMT "),"
    " 'received_at', to_char(received_at AT TIME ZONE 'UTC', " TS_MS_FMT "),"
    " 'source', source, 'user_id', user_id, 'anonymous_id', anonymous_id,"
    " 'page_url', page_url, 'referrer', referrer, 'product_id', product_id, 'sku', sku,"
    " 'order_number', order_number, 'search_query', search_query, 'props', props)"
    " ORDER BY event_time, received_at, event_id))::text FROM e HAVING count(*) > 0",
    5};

static const db_stmt refresh_stmt = {"analytics_refresh", "SELECT analytics_refresh()", 0};

sf_status db_analytics_codes(db_conn *c, arena *a, const char *const *types, int n, char **chars,
                             sf_error *e)
{
    /* A text[] literal: every type is quoted, and the caller's validation leaves no
     * quote or backslash in them. */
    size_t len = 3;
    for (int i = 0; i < n; i++)
        len += strlen(types[i]) + 3;
    char *lit = arena_alloc(a, len), *p = lit;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        p += sprintf(p, "%s\"%s\"", i ? "," : "", types[i]);
    }
    strcpy(p, "}");
    const char *params[1] = {lit};
    PGresult *r = db_exec(c, &codes_stmt, params, e);
    if (!r)
        return e->status;
    for (int i = 0; i < n; i++)
        chars[i] = i < PQntuples(r) ? db_text(a, r, i, 0) : NULL;
    PQclear(r);
    return SF_OK;
}

sf_status db_analytics_funnel(db_conn *c, const char *from, const char *to,
                              const char *const *patterns, int n, int64_t *counts, sf_error *e)
{
    const char *params[10] = {from, to};
    for (int i = 0; i < n && i < 8; i++)
        params[2 + i] = patterns[i];
    PGresult *r = db_exec(c, &funnel_stmt, params, e);
    if (!r)
        return e->status;
    for (int i = 0; i < n && i < 8; i++)
        counts[i] = db_int64(r, 0, i);
    PQclear(r);
    return SF_OK;
}

sf_status db_analytics_top_products(db_conn *c, arena *a, const char *from, const char *to,
                                    const char *metric, int limit, char **json, sf_error *e)
{
    const char *params[4] = {from, to, metric, db_param_int64(a, limit)};
    return one_text(c, a, &top_products_stmt, params, json, e);
}

sf_status db_analytics_traffic(db_conn *c, arena *a, const char *from, const char *to,
                               const char *unit, char **json, sf_error *e)
{
    const char *params[3] = {from, to, unit};
    return one_text(c, a, &traffic_stmt, params, json, e);
}

sf_status db_analytics_session_path(db_conn *c, arena *a, const char *session_id, int max_events,
                                    char **json, sf_error *e)
{
    const char *bp[1] = {session_id};
    PGresult *r = db_exec(c, &session_bounds_stmt, bp, e);
    if (!r)
        return e->status;
    /* A session the rollup has not seen yet: NULL bounds, only the recent branch. */
    const char *params[5] = {session_id, db_param_int64(a, max_events), NULL, NULL, NULL};
    if (PQntuples(r) == 1) {
        params[2] = db_text(a, r, 0, 0);
        params[3] = db_text(a, r, 0, 1);
        params[4] = db_text(a, r, 0, 2);
    }
    PQclear(r);
    sf_status s = one_text(c, a, &session_stmt, params, json, e);
    if (s == SF_OK && !*json)
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No event carries this session_id.");
    return s;
}

sf_status db_analytics_refresh(db_conn *c, int64_t *sessions, sf_error *e)
{
    PGresult *r = db_exec(c, &refresh_stmt, NULL, e);
    if (!r)
        return e->status;
    *sessions = db_int64(r, 0, 0);
    PQclear(r);
    return SF_OK;
}

/* Runs st and takes the first column of its only row (NULL when there is no row). */
static sf_status one_text(db_conn *c, arena *a, const db_stmt *st, const char *const *params,
                          char **json, sf_error *e)
{
    *json = NULL;
    PGresult *r = db_exec(c, st, params, e);
    if (!r)
        return e->status;
    if (PQntuples(r) == 1)
        *json = db_text(a, r, 0, 0);
    PQclear(r);
    return SF_OK;
}
