/*
 * outbox_queries.c — the Kinesis forwarder's statements (see db_outbox.h).
 *
 * The take is one statement: due rows locked with SKIP LOCKED (several servers never
 * ship one row at the same time), joined to their event, which PostgreSQL renders as
 * JSON (to_jsonb: every stored column, typed, so a new column is shipped without a code
 * change). LEFT JOIN so rows whose event retention dropped come back too, to be deleted.
 * Lists of ids travel as one array parameter, so a batch is one round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db_outbox.h"

static const db_stmt take_stmt = {
    "outbox_take",
    "SELECT o.id, o.attempts, e.event_id IS NULL,"
    " to_jsonb(e)::text,"
    " coalesce(nullif(e.session_id, ''), nullif(e.anonymous_id, ''), e.event_id::text)"
    " FROM event_outbox o"
    " LEFT JOIN events e ON (e.event_id, e.event_time) = (o.event_id, o.event_time)"
    " WHERE o.next_attempt_at <= now()"
    " ORDER BY o.id LIMIT $1::int FOR UPDATE OF o SKIP LOCKED",
    1};

static const db_stmt delete_stmt = {"outbox_delete",
                                    "DELETE FROM event_outbox WHERE id = ANY($1::bigint[])", 1};

static const db_stmt retry_stmt = {
    "outbox_retry",
    "UPDATE event_outbox o SET attempts = o.attempts + 1,"
    " next_attempt_at = now() + r.ms * interval '1 millisecond', last_error = left(r.err, 512)"
    " FROM unnest($1::bigint[], $2::int[], $3::text[]) AS r(id, ms, err) WHERE o.id = r.id",
    3};

static const db_stmt count_stmt = {"outbox_count", "SELECT count(*) FROM event_outbox", 0};

static char *id_array(arena *a, const int64_t *ids, int n);
static char *int_array(arena *a, const int *ints, int n);
static char *text_array(arena *a, const char *const *items, int n);

sf_status db_outbox_take(db_conn *c, arena *a, int limit, outbox_row **rows, int *n, sf_error *e)
{
    const char *params[] = {db_param_int64(a, limit)};
    PGresult *r = db_exec(c, &take_stmt, params, e);
    if (!r)
        return e->status;
    int nt = PQntuples(r);
    outbox_row *out = arena_calloc(a, sizeof *out * (size_t)(nt ? nt : 1));
    for (int i = 0; i < nt; i++) {
        out[i].id = db_int64(r, i, 0);
        out[i].attempts = db_int32(r, i, 1);
        out[i].event_gone = db_bool(r, i, 2);
        out[i].json = db_text(a, r, i, 3);
        out[i].part_key = db_text(a, r, i, 4);
    }
    PQclear(r);
    *rows = out;
    *n = nt;
    return SF_OK;
}

sf_status db_outbox_delete(db_conn *c, arena *a, const int64_t *ids, int n, sf_error *e)
{
    if (n == 0)
        return SF_OK;
    const char *params[] = {id_array(a, ids, n)};
    PGresult *r = db_exec(c, &delete_stmt, params, e);
    if (!r)
        return e->status;
    PQclear(r);
    return SF_OK;
}

sf_status db_outbox_retry(db_conn *c, arena *a, const int64_t *ids, const int *delay_ms,
                          const char *const *errors, int n, sf_error *e)
{
    if (n == 0)
        return SF_OK;
    const char *params[] = {id_array(a, ids, n), int_array(a, delay_ms, n),
                            text_array(a, errors, n)};
    PGresult *r = db_exec(c, &retry_stmt, params, e);
    if (!r)
        return e->status;
    PQclear(r);
    return SF_OK;
}

sf_status db_outbox_count(db_conn *c, int64_t *count, sf_error *e)
{
    PGresult *r = db_exec(c, &count_stmt, NULL, e);
    if (!r)
        return e->status;
    *count = db_int64(r, 0, 0);
    PQclear(r);
    return SF_OK;
}

/* "{1,2,3}": a bigint[] literal. */
static char *id_array(arena *a, const int64_t *ids, int n)
{
    char *s = arena_alloc(a, (size_t)n * 21 + 3), *p = s;
    *p++ = '{';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%lld", i ? "," : "", (long long)ids[i]);
    *p++ = '}';
    *p = '\0';
    return s;
}

/* "{1,2,3}": an int[] literal. */
static char *int_array(arena *a, const int *ints, int n)
{
    char *s = arena_alloc(a, (size_t)n * 12 + 3), *p = s;
    *p++ = '{';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%d", i ? "," : "", ints[i]);
    *p++ = '}';
    *p = '\0';
    return s;
}

/* A text[] literal: every element double-quoted, with " and \ backslash-escaped (the
 * array input syntax), so commas, braces and quotes in error messages stay inside. */
static char *text_array(arena *a, const char *const *items, int n)
{
    size_t len = 3;
    for (int i = 0; i < n; i++)
        len += 2 * strlen(items[i]) + 3;
    char *s = arena_alloc(a, len), *p = s;
    *p++ = '{';
    for (int i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *q = items[i]; *q; q++) {
            if (*q == '"' || *q == '\\')
                *p++ = '\\';
            *p++ = *q;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}
