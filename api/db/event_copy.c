/*
 * event_copy.c — the clickstream flush the other way (EVENTS_INSERT_METHOD=copy), kept to
 * measure the two against each other (docs/clickstream.md): BEGIN, COPY the rows into a
 * temporary table, INSERT … SELECT from it, COMMIT. The statements are named queries in
 * schema/queries/events.sql, like the default path (one INSERT … SELECT FROM unnest);
 * only `COPY events_stage FROM STDIN` is text here, as in the seed's bulk loader: COPY
 * switches the connection into copy mode, which a prepared statement cannot drive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db_events.h"
#include "storefront/queries_gen.h"

/* A growing buffer holding one PostgreSQL array literal. */
typedef struct arr {
    char *buf;
    size_t len, cap;
    bool ok;
} arr;

static void arr_init(arr *a, size_t cap);
static void arr_put(arr *a, const char *s, size_t n);
static void copy_field(arr *a, const char *s, bool last);
static sf_status copy_rows(db_conn *c, const cs_event *ev, size_t n, sf_error *e);

sf_status db_events_insert_copy(db_conn *c, const cs_event *ev, size_t n, bool outbox, bool setup,
                                int64_t *inserted, sf_error *e)
{
    if (setup && q_events_stage_create(c, e) != SF_OK)
        return e->status;
    if (db_begin(c, e) != SF_OK)
        return e->status;
    if (copy_rows(c, ev, n, e) != SF_OK) {
        db_rollback(c);
        return e->status;
    }
    sf_status st;
    if (outbox) {
        q_events_stage_insert_outbox_row row = {0};
        st = q_events_stage_insert_outbox(c, &row, e);
        *inserted = row.inserted;
    } else {
        long rows = 0;
        st = q_events_stage_insert(c, &rows, e);
        *inserted = rows;
    }
    if (st != SF_OK) {
        db_rollback(c);
        return e->status;
    }
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
    PGresult *r;
    if (q_events_stage_copy(c, e) != SF_OK)
        return e->status;
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
