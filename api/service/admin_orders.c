/*
 * admin_orders.c — staff views of orders: GET /v1/admin/orders (every customer's,
 * filtered, newest first), GET /v1/admin/orders/{number} and the staff transitions
 * (POST /v1/admin/orders/{number}/transitions), which go through the state machine in
 * order_states.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storefront/catalog.h"
#include "storefront/db_addresses.h"
#include "storefront/db_orders.h"
#include "storefront/order_states.h"
#include "storefront/orders.h"

#define ADMIN_ORDER_CURSOR_SORT 102 /* cursor namespace, apart from the customer's list */

static uint64_t filter_fingerprint(const svc_admin_order_filter *f);
static int digits(const char *s, int n);

bool svc_rfc3339_valid(const char *s)
{
    if (!s || strlen(s) < 20 || strlen(s) > 40)
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 59 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':' || y < 1)
        return false;
    /* The day must exist in that month: normalise with timegm and compare. */
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (!gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        size_t n = strspn(p + 1, "0123456789");
        if (n < 1 || n > 9)
            return false;
        p += 1 + n;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    return (*p == '+' || *p == '-') && digits(p + 1, 2) >= 0 && digits(p + 1, 2) <= 23 &&
           p[3] == ':' && digits(p + 4, 2) >= 0 && digits(p + 4, 2) <= 59 && p[6] == '\0';
}

sf_status svc_admin_orders_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                const svc_admin_order_filter *f, const char *cursor, int limit,
                                svc_order_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    uint64_t fp = filter_fingerprint(f);
    db_admin_order_key after = {0}, *keys = NULL;
    const char *placed = NULL;
    char *end = NULL;
    /* The cursor carries the last row's (placed_at, id): placed_at as microseconds. */
    if (cursor && (!svc_cursor_decode(a, cursor_key, cursor, ADMIN_ORDER_CURSOR_SORT, fp, &placed,
                                      &after.id) ||
                   !placed || (after.placed_us = strtoll(placed, &end, 10), *end != '\0'))) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_admin_order_filter df = {
        .status = f->status, .customer_id = f->customer_id, .from = f->from, .to = f->to};
    /* One extra row says whether another page exists. */
    sf_status s =
        db_admin_orders_page(c, a, &df, &after, limit + 1, &keys, &out->items, &out->n, e);
    db_pool_release(pool, c);
    if (s == SF_OK && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        const db_admin_order_key *last = &keys[out->n - 1];
        out->next_cursor =
            svc_cursor_encode(a, cursor_key, ADMIN_ORDER_CURSOR_SORT, fp,
                              arena_sprintf(a, "%lld", (long long)last->placed_us), last->id);
    }
    return s;
}

sf_status svc_admin_order_get(db_pool *pool, arena *a, const char *number, const char **json,
                              sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    char *text = NULL;
    sf_status s = db_order_json(c, a, 0, number, &text, e);
    *json = text;
    db_pool_release(pool, c);
    return s;
}

sf_status svc_admin_order_transition(db_pool *pool, arena *a, const auth_principal *who,
                                     const char *number, const char *action,
                                     const char *tracking_number, const char *note,
                                     const char **json, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_order_state o;
    char *text = NULL;
    int64_t staff_id = 0;
    /* The staff member's customers.id, for the ledger rows of a cancel or refund. */
    sf_status s = db_customer_id_by_sub(c, who->sub, &staff_id, e);
    if (s == SF_OK)
        s = db_begin(c, e);
    if (s == SF_OK)
        s = db_order_find(c, a, number, &o, e);
    if (s == SF_OK)
        s = svc_order_apply(c, &o, action, "staff", staff_id, note, tracking_number, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    if (s == SF_OK)
        s = db_order_json(c, a, 0, number, &text, e);
    *json = text;
    db_pool_release(pool, c);
    return s;
}

/* FNV-1a over the filters, so a cursor only works with the filters it was made for. */
static uint64_t filter_fingerprint(const svc_admin_order_filter *f)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s|%lld|%s|%s", f->status ? f->status : "",
             (long long)f->customer_id, f->from ? f->from : "", f->to ? f->to : "");
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = buf; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

/* The n decimal digits at s as a number, -1 when any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}
