/*
 * event_queries.c — the clickstream writer's flush and the partition upkeep calls.
 *
 * A flush is one INSERT ... SELECT FROM unnest($1::uuid[], ...) ON CONFLICT DO NOTHING:
 * one prepared statement, one round trip and one transaction whatever the batch size,
 * with every value a parameter (array literals built here, never SQL text). It was
 * measured against COPY into a temporary table + INSERT ... SELECT (docs/clickstream.md)
 * and kept because it needs one round trip instead of three.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db_events.h"

#define EVENT_COLUMNS                                                                              \
    "event_id, event_time, event_type, source, app_id, anonymous_id, session_id, user_id,"         \
    " page_url, referrer, product_id, sku, order_number, search_query, props, user_agent,"         \
    " client_ip"
/* The timestamp arrives as Unix ms and is converted exactly (no floating point), so a
 * re-sent event lands on the same event_time and the primary key drops it. */
#define EVENT_SELECT                                                                               \
    "SELECT u.id, timestamptz 'epoch' + u.t * interval '1 millisecond', u.ty, u.src, u.app,"       \
    " u.anon, u.sess, u.uid, u.url, u.ref, u.pid, u.sku, u.ord, u.q, u.props::jsonb, u.ua,"        \
    " u.ip FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[],"              \
    " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[],"                 \
    " $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])"               \
    " AS u(id, t, ty, src, app, anon, sess, uid, url, ref, pid, sku, ord, q, props, ua, ip)"

static const db_stmt insert_stmt = {
    "events_insert",
    "INSERT INTO events (" EVENT_COLUMNS ") " EVENT_SELECT " ON CONFLICT DO NOTHING", 17};

/* Only the rows RETURNING hands back were new: duplicates never reach the outbox. */
static const db_stmt insert_outbox_stmt = {
    "events_insert_outbox",
    "WITH ins AS (INSERT INTO events (" EVENT_COLUMNS ") " EVENT_SELECT
    " ON CONFLICT DO NOTHING RETURNING event_id, event_time),"
    " ob AS (INSERT INTO event_outbox (event_id, event_time) SELECT event_id, event_time"
    " FROM ins) SELECT count(*) FROM ins",
    17};

/* The COPY path: the same columns as unnest's, staged in a temporary table. */
#define STAGE_COLUMNS                                                                              \
    "id uuid, t bigint, ty text, src text, app text, anon text, sess text, uid text, url text,"    \
    " ref text, pid bigint, sku text, ord text, q text, props text, ua text, ip text"
#define STAGE_SELECT                                                                               \
    "SELECT u.id, timestamptz 'epoch' + u.t * interval '1 millisecond', u.ty, u.src, u.app,"       \
    " u.anon, u.sess, u.uid, u.url, u.ref, u.pid, u.sku, u.ord, u.q, u.props::jsonb, u.ua,"        \
    " u.ip FROM events_stage u"
static const db_stmt stage_insert_stmt = {
    "events_stage_insert",
    "INSERT INTO events (" EVENT_COLUMNS ") " STAGE_SELECT " ON CONFLICT DO NOTHING", 0};
static const db_stmt stage_insert_outbox_stmt = {
    "events_stage_insert_outbox",
    "WITH ins AS (INSERT INTO events (" EVENT_COLUMNS ") " STAGE_SELECT
    " ON CONFLICT DO NOTHING RETURNING event_id, event_time),"
    " ob AS (INSERT INTO event_outbox (event_id, event_time) SELECT event_id, event_time"
    " FROM ins) SELECT count(*) FROM ins",
    0};

static const db_stmt ensure_stmt = {"events_partitions_ensure",
                                    "SELECT events_partitions_ensure($1::date, $2::date)", 2};
static const db_stmt drop_stmt = {"events_partitions_drop_before",
                                  "SELECT events_partitions_drop_before($1::date)", 1};

/* A growing buffer holding one PostgreSQL array literal. */
typedef struct arr {
    char *buf;
    size_t len, cap;
    bool ok;
} arr;

static void arr_init(arr *a, size_t cap);
static void arr_put(arr *a, const char *s, size_t n);
static void arr_elem_text(arr *a, const char *s, bool first);
static void arr_elem_raw(arr *a, const char *s, bool first);
static void copy_field(arr *a, const char *s, bool last);
static sf_status copy_rows(db_conn *c, const cs_event *ev, size_t n, sf_error *e);

sf_status db_events_insert(db_conn *c, const cs_event *ev, size_t n, bool outbox, int64_t *inserted,
                           sf_error *e)
{
    enum { NCOL = 17 };
    arr cols[NCOL];
    for (int k = 0; k < NCOL; k++)
        arr_init(&cols[k], 64 + n * (k == 8 || k == 14 || k == 15 ? 128 : 40));
    char num[32];
    for (size_t i = 0; i < n; i++) {
        const cs_event *x = &ev[i];
        bool f = i == 0;
        arr_elem_raw(&cols[0], x->event_id, f);
        snprintf(num, sizeof num, "%lld", (long long)x->time_ms);
        arr_elem_raw(&cols[1], num, f);
        arr_elem_text(&cols[2], x->event_type, f);
        arr_elem_text(&cols[3], x->source, f);
        arr_elem_text(&cols[4], x->app_id, f);
        arr_elem_text(&cols[5], x->anonymous_id, f);
        arr_elem_text(&cols[6], x->session_id, f);
        arr_elem_text(&cols[7], x->user_id, f);
        arr_elem_text(&cols[8], x->page_url, f);
        arr_elem_text(&cols[9], x->referrer, f);
        if (x->has_product_id)
            snprintf(num, sizeof num, "%lld", (long long)x->product_id);
        arr_elem_raw(&cols[10], x->has_product_id ? num : NULL, f);
        arr_elem_text(&cols[11], x->sku, f);
        arr_elem_text(&cols[12], x->order_number, f);
        arr_elem_text(&cols[13], x->search_query, f);
        arr_elem_text(&cols[14], x->props_json, f);
        arr_elem_text(&cols[15], x->user_agent, f);
        arr_elem_text(&cols[16], x->client_ip, f);
    }
    const char *params[NCOL];
    bool ok = true;
    for (int k = 0; k < NCOL; k++) {
        arr_put(&cols[k], "}", 1);
        arr_put(&cols[k], "", 1); /* NUL */
        ok = ok && cols[k].ok;
        params[k] = cols[k].buf;
    }
    sf_status st = SF_OK;
    if (!ok) {
        st = sf_fail(e, SF_INTERNAL, "internal-error", "out of memory");
        goto out;
    }
    PGresult *r = db_exec(c, outbox ? &insert_outbox_stmt : &insert_stmt, params, e);
    if (!r) {
        st = e->status;
        goto out;
    }
    *inserted = outbox ? db_int64(r, 0, 0) : strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
out:
    for (int k = 0; k < NCOL; k++)
        free(cols[k].buf);
    return st;
}

sf_status db_events_insert_copy(db_conn *c, const cs_event *ev, size_t n, bool outbox, bool setup,
                                int64_t *inserted, sf_error *e)
{
    if (setup && db_command(c,
                            "CREATE TEMP TABLE IF NOT EXISTS events_stage (" STAGE_COLUMNS
                            ") ON COMMIT DELETE ROWS",
                            e) != SF_OK)
        return e->status;
    if (db_begin(c, e) != SF_OK)
        return e->status;
    if (copy_rows(c, ev, n, e) != SF_OK) {
        db_rollback(c);
        return e->status;
    }
    PGresult *r = db_exec(c, outbox ? &stage_insert_outbox_stmt : &stage_insert_stmt, NULL, e);
    if (!r) {
        db_rollback(c);
        return e->status;
    }
    *inserted = outbox ? db_int64(r, 0, 0) : strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (db_commit(c, e) != SF_OK) {
        db_rollback(c);
        return e->status;
    }
    return SF_OK;
}

/* COPY events_stage FROM STDIN in text format, all rows in one buffer. */
static sf_status copy_rows(db_conn *c, const cs_event *ev, size_t n, sf_error *e)
{
    PGconn *pg = db_conn_pg(c);
    PGresult *r = PQexec(pg, "COPY events_stage FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        sf_status st = db_result_error(c, r, e);
        PQclear(r);
        return st;
    }
    PQclear(r);
    arr b;
    arr_init(&b, 256 * n + 64);
    b.len = 0; /* arr_init starts an array literal; a COPY buffer has no brace */
    char num[32];
    for (size_t i = 0; i < n; i++) {
        const cs_event *x = &ev[i];
        copy_field(&b, x->event_id, false);
        snprintf(num, sizeof num, "%lld", (long long)x->time_ms);
        copy_field(&b, num, false);
        copy_field(&b, x->event_type, false);
        copy_field(&b, x->source, false);
        copy_field(&b, x->app_id, false);
        copy_field(&b, x->anonymous_id, false);
        copy_field(&b, x->session_id, false);
        copy_field(&b, x->user_id, false);
        copy_field(&b, x->page_url, false);
        copy_field(&b, x->referrer, false);
        if (x->has_product_id)
            snprintf(num, sizeof num, "%lld", (long long)x->product_id);
        copy_field(&b, x->has_product_id ? num : NULL, false);
        copy_field(&b, x->sku, false);
        copy_field(&b, x->order_number, false);
        copy_field(&b, x->search_query, false);
        copy_field(&b, x->props_json, false);
        copy_field(&b, x->user_agent, false);
        copy_field(&b, x->client_ip, true);
    }
    bool ok = b.ok && PQputCopyData(pg, b.buf, (int)b.len) == 1;
    free(b.buf);
    PQputCopyEnd(pg, ok ? NULL : "out of memory");
    r = PQgetResult(pg);
    sf_status st = SF_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        st = db_result_error(c, r, e);
    PQclear(r);
    while ((r = PQgetResult(pg)))
        PQclear(r);
    return st;
}

sf_status db_events_partitions_ensure(db_conn *c, const char *from_day, const char *to_day,
                                      int *made, sf_error *e)
{
    const char *params[] = {from_day, to_day};
    PGresult *r = db_exec(c, &ensure_stmt, params, e);
    if (!r)
        return e->status;
    *made = db_int32(r, 0, 0);
    PQclear(r);
    return SF_OK;
}

sf_status db_events_partitions_drop_before(db_conn *c, const char *day, int *dropped, sf_error *e)
{
    const char *params[] = {day};
    PGresult *r = db_exec(c, &drop_stmt, params, e);
    if (!r)
        return e->status;
    *dropped = db_int32(r, 0, 0);
    PQclear(r);
    return SF_OK;
}

static void arr_init(arr *a, size_t cap)
{
    a->buf = malloc(cap);
    a->cap = cap;
    a->len = 0;
    a->ok = a->buf != NULL;
    if (a->ok)
        a->buf[a->len++] = '{';
}

static void arr_put(arr *a, const char *s, size_t n)
{
    if (!a->ok)
        return;
    if (a->len + n > a->cap) {
        size_t cap = a->cap * 2 > a->len + n ? a->cap * 2 : a->len + n + 64;
        char *b = realloc(a->buf, cap);
        if (!b) {
            a->ok = false;
            return;
        }
        a->buf = b;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
}

/* A quoted element: only `"` and `\` need a backslash inside double quotes. */
static void arr_elem_text(arr *a, const char *s, bool first)
{
    if (!first)
        arr_put(a, ",", 1);
    if (!s) {
        arr_put(a, "NULL", 4);
        return;
    }
    arr_put(a, "\"", 1);
    for (const char *p = s;;) {
        size_t run = strcspn(p, "\"\\");
        arr_put(a, p, run);
        p += run;
        if (!*p)
            break;
        arr_put(a, "\\", 1);
        arr_put(a, p, 1);
        p++;
    }
    arr_put(a, "\"", 1);
}

/* An element that needs no quoting (a UUID or an integer we formatted). */
static void arr_elem_raw(arr *a, const char *s, bool first)
{
    if (!first)
        arr_put(a, ",", 1);
    if (!s)
        arr_put(a, "NULL", 4);
    else
        arr_put(a, s, strlen(s));
}

/* One field of a text-format COPY row: \N for NULL, backslash escapes for the four
 * characters the format reserves. */
static void copy_field(arr *a, const char *s, bool last)
{
    if (!s) {
        arr_put(a, "\\N", 2);
    } else {
        for (const char *p = s;;) {
            size_t run = strcspn(p, "\\\t\n\r");
            arr_put(a, p, run);
            p += run;
            if (!*p)
                break;
            const char *esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : "\\r";
            arr_put(a, esc, 2);
            p++;
        }
    }
    arr_put(a, last ? "\n" : "\t", 1);
}
