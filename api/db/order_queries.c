/*
 * order_queries.c — hand-written statements for checkout and orders (see
 * db_orders.h). The Order representation is built here by one SELECT with
 * json_build_object, so the answer stored under an Idempotency-Key and a later
 * GET /v1/me/orders/{number} are the same representation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db_orders.h"

static sf_status exec_count(db_conn *c, const db_stmt *st, const char *const *params, long *rows,
                            sf_error *e);

/* An expired key starts afresh; so does a claim left 'in_progress' for longer than
 * DB_IDEM_STALE_SECONDS by a server that died between claiming the key and committing its
 * checkout. A live checkout holds its row locked (idem_hold), so this DELETE waits for it
 * and then re-checks the row: a key that became 'done' meanwhile is never deleted. */
static const db_stmt idem_expire_stmt = {
    "idem_expire",
    "DELETE FROM idempotency_keys WHERE customer_id = $1::bigint AND key = $2"
    " AND (expires_at <= now() OR (status = 'in_progress'"
    " AND created_at <= now() - make_interval(secs => $3::int)))",
    3};
/* ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit, so
 * of two racing requests exactly one claims the key. */
static const db_stmt idem_insert_stmt = {
    "idem_insert",
    "INSERT INTO idempotency_keys (customer_id, key, request_hash) VALUES ($1::bigint, $2, $3)"
    " ON CONFLICT (customer_id, key) DO NOTHING RETURNING created_at::text",
    3};
/* The claim's created_at is its token: after a stale claim was taken over, the old
 * claimant's hold and release match no row. */
static const db_stmt idem_hold_stmt = {
    "idem_hold",
    "SELECT 1 FROM idempotency_keys WHERE customer_id = $1::bigint AND key = $2"
    " AND status = 'in_progress' AND created_at = $3::timestamptz FOR UPDATE",
    3};
static const db_stmt idem_find_stmt = {
    "idem_find",
    "SELECT request_hash, status = 'done', coalesce(response_status, 0), response_body"
    " FROM idempotency_keys WHERE customer_id = $1::bigint AND key = $2",
    2};
static const db_stmt idem_finish_stmt = {
    "idem_finish",
    "UPDATE idempotency_keys SET status = 'done', response_status = $3::int,"
    " response_body = $4 WHERE customer_id = $1::bigint AND key = $2",
    4};
static const db_stmt idem_release_stmt = {
    "idem_release",
    "DELETE FROM idempotency_keys WHERE customer_id = $1::bigint AND key = $2"
    " AND status = 'in_progress' AND created_at = $3::timestamptz",
    3};
static const db_stmt stock_take_stmt = {"stock_take",
                                        "UPDATE product_variants SET stock = stock - $2::int WHERE "
                                        "id = $1::bigint AND stock >= $2::int",
                                        2};
static const db_stmt discount_use_stmt = {
    "discount_use",
    "UPDATE discount_codes SET times_used = times_used + 1 WHERE id = $1::bigint AND active"
    " AND (usage_limit IS NULL OR times_used < usage_limit)",
    1};
static const db_stmt discount_customer_uses_stmt = {
    "discount_customer_uses",
    "SELECT count(*) FROM discount_redemptions WHERE discount_code_id = $1::bigint"
    " AND customer_id = $2::bigint",
    2};
static const db_stmt discount_redeem_stmt = {
    "discount_redeem",
    "INSERT INTO discount_redemptions (discount_code_id, customer_id, order_id)"
    " VALUES ($1::bigint, $2::bigint, $3::bigint)",
    3};
static const db_stmt order_insert_stmt = {
    "order_insert",
    "WITH o AS (INSERT INTO orders (number, customer_id, currency, subtotal, discount_total,"
    " shipping_total, tax_total, total, shipping_method, payment_method, ship_name, ship_phone,"
    " ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country,"
    " discount_code, cart_id)"
    " VALUES ('SF-' || to_char(now() AT TIME ZONE 'UTC', 'YYMMDD') || '-'"
    " || lpad(nextval('order_number_seq')::text, 6, '0'), $1::bigint, $2, $3::bigint,"
    " $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8, $9::payment_method, $10, $11, $12,"
    " $13, $14, $15, $16, $17, $18, $19) RETURNING id, number),"
    " ev AS (INSERT INTO order_events (order_id, from_status, to_status, actor, note)"
    " SELECT id, NULL, 'pending_payment', 'customer', 'placed' FROM o)"
    " SELECT id, number FROM o",
    19};
static const db_stmt line_insert_stmt = {
    "order_line_insert",
    "INSERT INTO order_lines (order_id, variant_id, sku, name, unit_price, quantity, line_total)"
    " VALUES ($1::bigint, $2::bigint, $3, $4, $5::bigint, $6::int, $5::bigint * $6::int)",
    6};
static const db_stmt cart_check_out_stmt = {
    "carts_check_out", "UPDATE carts SET status = 'checked_out', updated_at = now() WHERE id = $1",
    1};
static const db_stmt tax_rate_stmt = {"tax_rate",
                                      "SELECT rate_bp FROM tax_rates WHERE country = $1", 1};

static const db_stmt orders_page_stmt = {
    "orders_page",
    "SELECT o.id, json_build_object('number', o.number, 'status', o.status,"
    " 'total', json_build_object('amount', o.total, 'currency', o.currency),"
    " 'item_count', (SELECT coalesce(sum(quantity), 0) FROM order_lines l"
    " WHERE l.order_id = o.id),"
    " 'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
    "::text FROM orders o WHERE o.customer_id = $1::bigint"
    " AND ($2::bigint = 0 OR o.id < $2::bigint) ORDER BY o.id DESC LIMIT $3::int",
    3};
static const db_stmt admin_orders_page_stmt = {
    "admin_orders_page",
    "SELECT o.id, json_build_object('number', o.number, 'status', o.status,"
    " 'total', json_build_object('amount', o.total, 'currency', o.currency),"
    " 'item_count', (SELECT coalesce(sum(quantity), 0) FROM order_lines l"
    " WHERE l.order_id = o.id),"
    " 'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
    "::text, (extract(epoch FROM o.placed_at) * 1000000)::bigint"
    " FROM orders o WHERE ($1::order_status IS NULL OR o.status = $1::order_status)"
    " AND ($2::bigint = 0 OR o.customer_id = $2::bigint)"
    " AND ($3::timestamptz IS NULL OR o.placed_at >= $3::timestamptz)"
    " AND ($4::timestamptz IS NULL OR o.placed_at < $4::timestamptz)"
    " AND ($5::bigint = 0 OR (o.placed_at, o.id) <"
    " ('epoch'::timestamptz + $6::bigint * interval '1 microsecond', $5::bigint))"
    " ORDER BY o.placed_at DESC, o.id DESC LIMIT $7::int",
    7};
static const db_stmt order_lock_stmt = {
    "order_lock",
    "SELECT id, status::text FROM orders WHERE customer_id = $1::bigint AND number = $2"
    " FOR UPDATE",
    2};
/* The lines are taken in ascending variant id order, like checkout's decrements. */
static const db_stmt order_restock_stmt = {
    "order_restock",
    "UPDATE product_variants v SET stock = v.stock + l.qty FROM (SELECT variant_id,"
    " sum(quantity) AS qty FROM order_lines WHERE order_id = $1::bigint GROUP BY variant_id"
    " ORDER BY variant_id) l WHERE v.id = l.variant_id",
    1};
/* The status changes only while it is still `from` (and, for pay = 'pay', while the order
 * is unpaid), so of two concurrent transitions of one order exactly one wins; the event
 * row is written by the same statement. */
static const db_stmt order_transition_stmt = {
    "order_transition",
    "WITH o AS (UPDATE orders SET status = $3::order_status, updated_at = now(),"
    " paid_at = CASE WHEN $6 IN ('pay', 'settle') THEN coalesce(paid_at, now()) ELSE paid_at END,"
    " tracking_number = coalesce($7, tracking_number)"
    " WHERE id = $1::bigint AND status = $2::order_status AND ($6 <> 'pay' OR paid_at IS NULL)"
    " RETURNING id)"
    " INSERT INTO order_events (order_id, from_status, to_status, actor, note)"
    " SELECT id, $2::order_status, $3::order_status, $4::order_actor, $5 FROM o",
    7};
static const db_stmt order_find_stmt = {
    "order_find",
    "SELECT id, status::text, payment_method::text, paid_at IS NOT NULL FROM orders"
    " WHERE number = $1",
    1};

/* Money is {amount, currency}; times are RFC 3339 UTC with microseconds. */
static const db_stmt order_json_stmt = {
    "order_json",
    "SELECT json_build_object('number', o.number, 'status', o.status, 'currency', o.currency,"
    " 'subtotal', json_build_object('amount', o.subtotal, 'currency', o.currency),"
    " 'discount', json_build_object('amount', o.discount_total, 'currency', o.currency),"
    " 'discount_code', o.discount_code,"
    " 'shipping', json_build_object('amount', o.shipping_total, 'currency', o.currency),"
    " 'tax', json_build_object('amount', o.tax_total, 'currency', o.currency),"
    " 'total', json_build_object('amount', o.total, 'currency', o.currency),"
    " 'shipping_method', o.shipping_method, 'payment_method', o.payment_method,"
    " 'tracking_number', o.tracking_number,"
    " 'paid_at', to_char(o.paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " 'shipping_address', json_build_object('name', o.ship_name, 'phone', o.ship_phone,"
    " 'line1', o.ship_line1, 'line2', o.ship_line2, 'city', o.ship_city,"
    " 'region', o.ship_region, 'postal_code', o.ship_postal_code, 'country', o.ship_country),"
    " 'lines', (SELECT coalesce(json_agg(json_build_object('variant_id', l.variant_id,"
    " 'sku', l.sku, 'name', l.name,"
    " 'unit_price', json_build_object('amount', l.unit_price, 'currency', o.currency),"
    " 'quantity', l.quantity,"
    " 'line_total', json_build_object('amount', l.line_total, 'currency', o.currency))"
    " ORDER BY l.id), '[]') FROM order_lines l WHERE l.order_id = o.id),"
    " 'history', (SELECT coalesce(json_agg(json_build_object('from_status', ev.from_status,"
    " 'to_status', ev.to_status, 'actor', ev.actor, 'note', ev.note,"
    " 'at', to_char(ev.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')) ORDER "
    "BY ev.id), '[]')"
    " FROM order_events ev WHERE ev.order_id = o.id),"
    " 'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))::text"
    " FROM orders o WHERE ($1::bigint = 0 OR o.customer_id = $1::bigint) AND o.number = $2",
    2};

sf_status db_idem_claim(db_conn *c, arena *a, int64_t customer_id, const char *key,
                        const char *hash, char **claim, db_idem_key *existing, sf_error *e)
{
    *claim = NULL;
    memset(existing, 0, sizeof *existing);
    const char *cid = db_param_int64(a, customer_id);
    char stale[16];
    snprintf(stale, sizeof stale, "%d", DB_IDEM_STALE_SECONDS);
    const char *pe[] = {cid, key, stale};
    const char *p2[] = {cid, key};
    const char *p3[] = {cid, key, hash};
    long rows = 0;
    if (exec_count(c, &idem_expire_stmt, pe, &rows, e) != SF_OK)
        return e->status;
    PGresult *r = db_exec(c, &idem_insert_stmt, p3, e);
    if (!r)
        return e->status;
    if (PQntuples(r) == 1)
        *claim = db_text(a, r, 0, 0);
    PQclear(r);
    if (*claim)
        return SF_OK;
    r = db_exec(c, &idem_find_stmt, p2, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    if (found) {
        existing->request_hash = db_text(a, r, 0, 0);
        existing->done = db_bool(r, 0, 1);
        existing->response_status = db_int32(r, 0, 2);
        existing->response_body = db_text(a, r, 0, 3);
    }
    PQclear(r);
    /* Released between our insert and our read: the caller may simply try again. */
    return found ? SF_OK
                 : sf_fail(e, SF_CONFLICT, "conflict",
                           "A request with this Idempotency-Key is in progress.");
}

sf_status db_idem_hold(db_conn *c, arena *a, int64_t customer_id, const char *key,
                       const char *claim, sf_error *e)
{
    const char *params[] = {db_param_int64(a, customer_id), key, claim};
    PGresult *r = db_exec(c, &idem_hold_stmt, params, e);
    if (!r)
        return e->status;
    bool held = PQntuples(r) == 1;
    PQclear(r);
    return held ? SF_OK
                : sf_fail(e, SF_CONFLICT, "conflict",
                          "A request with this Idempotency-Key is in progress.");
}

sf_status db_idem_finish(db_conn *c, int64_t customer_id, const char *key, int status,
                         const char *body, sf_error *e)
{
    char cid[24], st[16];
    snprintf(cid, sizeof cid, "%lld", (long long)customer_id);
    snprintf(st, sizeof st, "%d", status);
    const char *params[] = {cid, key, st, body};
    long rows;
    return exec_count(c, &idem_finish_stmt, params, &rows, e);
}

sf_status db_idem_release(db_conn *c, int64_t customer_id, const char *key, const char *claim,
                          sf_error *e)
{
    char cid[24];
    snprintf(cid, sizeof cid, "%lld", (long long)customer_id);
    const char *params[] = {cid, key, claim};
    long rows;
    return exec_count(c, &idem_release_stmt, params, &rows, e);
}

sf_status db_stock_take(db_conn *c, int64_t variant_id, int quantity, bool *ok, sf_error *e)
{
    char vid[24], q[16];
    snprintf(vid, sizeof vid, "%lld", (long long)variant_id);
    snprintf(q, sizeof q, "%d", quantity);
    const char *params[] = {vid, q};
    long rows = 0;
    sf_status s = exec_count(c, &stock_take_stmt, params, &rows, e);
    *ok = rows == 1;
    return s;
}

sf_status db_discount_use(db_conn *c, int64_t code_id, bool *ok, sf_error *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)code_id);
    const char *params[] = {id};
    long rows = 0;
    sf_status s = exec_count(c, &discount_use_stmt, params, &rows, e);
    *ok = rows == 1;
    return s;
}

sf_status db_discount_customer_uses(db_conn *c, int64_t code_id, int64_t customer_id, int64_t *uses,
                                    sf_error *e)
{
    char id[24], cid[24];
    snprintf(id, sizeof id, "%lld", (long long)code_id);
    snprintf(cid, sizeof cid, "%lld", (long long)customer_id);
    const char *params[] = {id, cid};
    PGresult *r = db_exec(c, &discount_customer_uses_stmt, params, e);
    if (!r)
        return e->status;
    *uses = db_int64(r, 0, 0);
    PQclear(r);
    return SF_OK;
}

sf_status db_discount_redeem(db_conn *c, int64_t code_id, int64_t customer_id, int64_t order_id,
                             sf_error *e)
{
    char id[24], cid[24], oid[24];
    snprintf(id, sizeof id, "%lld", (long long)code_id);
    snprintf(cid, sizeof cid, "%lld", (long long)customer_id);
    snprintf(oid, sizeof oid, "%lld", (long long)order_id);
    const char *params[] = {id, cid, oid};
    long rows;
    return exec_count(c, &discount_redeem_stmt, params, &rows, e);
}

sf_status db_order_place(db_conn *c, arena *a, const db_order_new *o, int64_t *id, char **number,
                         sf_error *e)
{
    const char *params[] = {db_param_int64(a, o->customer_id),
                            o->currency,
                            db_param_int64(a, o->subtotal),
                            db_param_int64(a, o->discount_total),
                            db_param_int64(a, o->shipping_total),
                            db_param_int64(a, o->tax_total),
                            db_param_int64(a, o->total),
                            o->shipping_method,
                            o->payment_method,
                            o->ship.name,
                            o->ship.phone,
                            o->ship.line1,
                            o->ship.line2,
                            o->ship.city,
                            o->ship.region,
                            o->ship.postal_code,
                            o->ship.country,
                            o->discount_code,
                            o->cart_id};
    PGresult *r = db_exec(c, &order_insert_stmt, params, e);
    if (!r)
        return e->status;
    *id = db_int64(r, 0, 0);
    *number = db_text(a, r, 0, 1);
    PQclear(r);
    return SF_OK;
}

sf_status db_order_line_add(db_conn *c, arena *a, int64_t order_id, int64_t variant_id,
                            const char *sku, const char *name, int64_t unit_price, int quantity,
                            sf_error *e)
{
    const char *params[] = {db_param_int64(a, order_id),   db_param_int64(a, variant_id), sku, name,
                            db_param_int64(a, unit_price), db_param_int64(a, quantity)};
    long rows;
    return exec_count(c, &line_insert_stmt, params, &rows, e);
}

sf_status db_cart_check_out(db_conn *c, const char *cart_id, sf_error *e)
{
    const char *params[] = {cart_id};
    long rows;
    return exec_count(c, &cart_check_out_stmt, params, &rows, e);
}

sf_status db_tax_rate_bp(db_conn *c, const char *country, int *rate_bp, sf_error *e)
{
    const char *params[] = {country};
    PGresult *r = db_exec(c, &tax_rate_stmt, params, e);
    if (!r)
        return e->status;
    *rate_bp = PQntuples(r) == 1 ? db_int32(r, 0, 0) : 0;
    PQclear(r);
    return SF_OK;
}

sf_status db_order_json(db_conn *c, arena *a, int64_t customer_id, const char *number, char **json,
                        sf_error *e)
{
    const char *params[] = {db_param_int64(a, customer_id), number};
    PGresult *r = db_exec(c, &order_json_stmt, params, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    *json = found ? db_text(a, r, 0, 0) : NULL;
    PQclear(r);
    return found ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
}

sf_status db_orders_page(db_conn *c, arena *a, int64_t customer_id, int64_t before, int limit,
                         int64_t **ids, char ***summaries, size_t *n, sf_error *e)
{
    *n = 0;
    const char *params[] = {db_param_int64(a, customer_id), db_param_int64(a, before),
                            db_param_int64(a, limit)};
    PGresult *r = db_exec(c, &orders_page_stmt, params, e);
    if (!r)
        return e->status;
    int rows = PQntuples(r);
    *ids = arena_calloc(a, (size_t)(rows > 0 ? rows : 1) * sizeof **ids);
    *summaries = arena_calloc(a, (size_t)(rows > 0 ? rows : 1) * sizeof **summaries);
    for (int i = 0; i < rows; i++) {
        (*ids)[i] = db_int64(r, i, 0);
        (*summaries)[i] = db_text(a, r, i, 1);
    }
    *n = (size_t)rows;
    PQclear(r);
    return SF_OK;
}

sf_status db_admin_orders_page(db_conn *c, arena *a, const db_admin_order_filter *f,
                               const db_admin_order_key *after, int limit,
                               db_admin_order_key **keys, char ***summaries, size_t *n, sf_error *e)
{
    *n = 0;
    const char *params[] = {f->status,
                            db_param_int64(a, f->customer_id),
                            f->from,
                            f->to,
                            db_param_int64(a, after->id),
                            db_param_int64(a, after->placed_us),
                            db_param_int64(a, limit)};
    PGresult *r = db_exec(c, &admin_orders_page_stmt, params, e);
    if (!r)
        return e->status;
    int rows = PQntuples(r);
    *keys = arena_calloc(a, (size_t)(rows > 0 ? rows : 1) * sizeof **keys);
    *summaries = arena_calloc(a, (size_t)(rows > 0 ? rows : 1) * sizeof **summaries);
    for (int i = 0; i < rows; i++) {
        (*keys)[i].id = db_int64(r, i, 0);
        (*summaries)[i] = db_text(a, r, i, 1);
        (*keys)[i].placed_us = db_int64(r, i, 2);
    }
    *n = (size_t)rows;
    PQclear(r);
    return SF_OK;
}

sf_status db_order_lock(db_conn *c, arena *a, int64_t customer_id, const char *number, int64_t *id,
                        char **status, sf_error *e)
{
    const char *params[] = {db_param_int64(a, customer_id), number};
    PGresult *r = db_exec(c, &order_lock_stmt, params, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    if (found) {
        *id = db_int64(r, 0, 0);
        *status = db_text(a, r, 0, 1);
    }
    PQclear(r);
    return found ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
}

sf_status db_order_restock(db_conn *c, int64_t order_id, sf_error *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)order_id);
    const char *params[] = {id};
    long rows;
    return exec_count(c, &order_restock_stmt, params, &rows, e);
}

sf_status db_order_move_apply(db_conn *c, const db_order_move *m, sf_error *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)m->order_id);
    const char *params[] = {id, m->from, m->to, m->actor, m->note, m->pay, m->tracking_number};
    long rows = 0;
    if (exec_count(c, &order_transition_stmt, params, &rows, e) != SF_OK)
        return e->status;
    return rows == 1 ? SF_OK
                     : sf_fail(e, SF_CONFLICT, "conflict",
                               "The order changed meanwhile; it is no longer %s.", m->from);
}

sf_status db_order_find(db_conn *c, arena *a, const char *number, db_order_state *out, sf_error *e)
{
    const char *params[] = {number};
    PGresult *r = db_exec(c, &order_find_stmt, params, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    if (found) {
        out->id = db_int64(r, 0, 0);
        out->status = db_text(a, r, 0, 1);
        out->payment_method = db_text(a, r, 0, 2);
        out->paid = db_bool(r, 0, 3);
    }
    PQclear(r);
    return found ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status exec_count(db_conn *c, const db_stmt *st, const char *const *params, long *rows,
                            sf_error *e)
{
    PGresult *r = db_exec(c, st, params, e);
    if (!r)
        return e->status;
    *rows = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return SF_OK;
}
