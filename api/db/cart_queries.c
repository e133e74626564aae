/*
 * cart_queries.c — hand-written statements for carts (see db_carts.h): the row locks,
 * creation and expiry by the database clock, the joined read of a cart's lines and
 * the writes scoped to one cart. Parameterized, prepared once per connection like
 * every static db_stmt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db_carts.h"

static sf_status find_with(db_conn *c, arena *a, const db_stmt *st, const char *const *params,
                           db_cart *out, bool *expired, sf_error *e);
static sf_status exec_count(db_conn *c, const db_stmt *st, const char *const *params, long *rows,
                            sf_error *e);

/* expires_at <= now() travels with the row so "expired" is judged by one clock, the
 * database's, the same one that set expires_at. */
static const db_stmt find_stmt = {
    "carts_find", "SELECT " DB_CART_COLUMNS ", expires_at <= now() FROM carts WHERE id = $1", 1};
static const db_stmt find_lock_stmt = {
    "carts_find_lock",
    "SELECT " DB_CART_COLUMNS ", expires_at <= now() FROM carts WHERE id = $1 FOR UPDATE", 1};
static const db_stmt find_customer_stmt = {"carts_find_customer",
                                           "SELECT " DB_CART_COLUMNS
                                           ", expires_at <= now() FROM carts"
                                           " WHERE customer_id = $1 AND status = 'open'",
                                           1};
static const db_stmt find_customer_lock_stmt = {
    "carts_find_customer_lock",
    "SELECT " DB_CART_COLUMNS ", expires_at <= now() FROM carts"
    " WHERE customer_id = $1 AND status = 'open' FOR UPDATE",
    1};
/* ON CONFLICT on the partial unique index: a concurrent first request of the same
 * customer waits for the other insert and then does nothing, instead of failing. */
static const db_stmt create_stmt = {
    "carts_create",
    "INSERT INTO carts (id, customer_id, expires_at)"
    " VALUES ($1, $2::bigint, now() + make_interval(secs => $3::int))"
    " ON CONFLICT (customer_id) WHERE status = 'open' DO NOTHING",
    3};
static const db_stmt expire_stmt = {
    "carts_expire",
    "UPDATE carts SET status = 'expired' WHERE id = $1 AND status = 'open' AND expires_at <= now()",
    1};
static const db_stmt touch_stmt = {
    "carts_touch",
    "UPDATE carts SET updated_at = now(), expires_at = now() + make_interval(secs => $2::int)"
    " WHERE id = $1",
    2};
static const db_stmt merged_stmt = {
    "carts_mark_merged",
    "UPDATE carts SET status = 'merged', merged_into = $2, updated_at = now() WHERE id = $1", 2};
static const db_stmt lines_stmt = {
    "carts_lines",
    "SELECT ci.id, ci.variant_id, p.id, ci.quantity, v.stock, v.active AND p.active, v.sku,"
    " v.name, v.options, v.currency, v.price_amount, v.compare_at_amount, p.slug, p.name,"
    " p.image_url, p.image_alt"
    " FROM cart_items ci JOIN product_variants v ON v.id = ci.variant_id"
    " JOIN products p ON p.id = v.product_id WHERE ci.cart_id = $1 ORDER BY ci.id",
    1};
static const db_stmt put_stmt = {
    "cart_items_put",
    "INSERT INTO cart_items (cart_id, variant_id, quantity) VALUES ($1, $2, $3)"
    " ON CONFLICT (cart_id, variant_id)"
    " DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()",
    3};
static const db_stmt set_quantity_stmt = {
    "cart_items_set_quantity",
    "UPDATE cart_items SET quantity = $3, updated_at = now() WHERE id = $2 AND cart_id = $1", 3};
static const db_stmt remove_stmt = {"cart_items_remove",
                                    "DELETE FROM cart_items WHERE id = $2 AND cart_id = $1", 2};
static const db_stmt shipping_stmt = {"shipping_methods_active",
                                      "SELECT " DB_SHIPPING_METHOD_COLUMNS " FROM shipping_methods"
                                      " WHERE active AND currency = $1 ORDER BY position, code",
                                      1};
/* The columns are unqualified: only discount_codes is in the outer FROM. A NULL
 * customer ($3) counts nothing, which is what a guest cart should see. */
#define DISCOUNT_FACTS_SELECT                                                                      \
    "SELECT " DB_DISCOUNT_CODE_COLUMNS ", starts_at IS NOT NULL AND starts_at > now(),"            \
    " ends_at IS NOT NULL AND ends_at <= now(),"                                                   \
    " (SELECT count(*) FROM discount_redemptions r WHERE r.discount_code_id = d.id"                \
    " AND r.customer_id = $2::bigint) FROM discount_codes d"
static const db_stmt discount_by_code_stmt = {"discount_facts_by_code",
                                              DISCOUNT_FACTS_SELECT " WHERE code = $1", 2};
static const db_stmt discount_by_id_stmt = {"discount_facts_by_id",
                                            DISCOUNT_FACTS_SELECT " WHERE id = $1::bigint", 2};
static const db_stmt set_discount_stmt = {
    "carts_set_discount", "UPDATE carts SET discount_code_id = $2::bigint WHERE id = $1", 2};

sf_status db_cart_find(db_conn *c, arena *a, const char *id, bool lock, db_cart *out, bool *expired,
                       sf_error *e)
{
    const char *params[] = {id};
    return find_with(c, a, lock ? &find_lock_stmt : &find_stmt, params, out, expired, e);
}

sf_status db_cart_find_open_by_customer(db_conn *c, arena *a, int64_t customer_id, bool lock,
                                        db_cart *out, bool *expired, sf_error *e)
{
    const char *params[] = {db_param_int64(a, customer_id)};
    return find_with(c, a, lock ? &find_customer_lock_stmt : &find_customer_stmt, params, out,
                     expired, e);
}

sf_status db_cart_create(db_conn *c, const char *id, int64_t customer_id, int ttl_s, bool *created,
                         sf_error *e)
{
    char cid[24], ttl[16];
    snprintf(cid, sizeof cid, "%lld", (long long)customer_id);
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *params[] = {id, customer_id > 0 ? cid : NULL, ttl};
    long rows = 0;
    sf_status s = exec_count(c, &create_stmt, params, &rows, e);
    *created = rows == 1;
    return s;
}

sf_status db_cart_expire(db_conn *c, const char *id, sf_error *e)
{
    const char *params[] = {id};
    long rows;
    return exec_count(c, &expire_stmt, params, &rows, e);
}

sf_status db_cart_touch(db_conn *c, const char *id, int ttl_s, sf_error *e)
{
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *params[] = {id, ttl};
    long rows;
    return exec_count(c, &touch_stmt, params, &rows, e);
}

sf_status db_cart_mark_merged(db_conn *c, const char *id, const char *into, sf_error *e)
{
    const char *params[] = {id, into};
    long rows;
    return exec_count(c, &merged_stmt, params, &rows, e);
}

sf_status db_cart_lines(db_conn *c, arena *a, const char *cart_id, db_cart_line **lines, size_t *n,
                        sf_error *e)
{
    *lines = NULL;
    *n = 0;
    const char *params[] = {cart_id};
    PGresult *r = db_exec(c, &lines_stmt, params, e);
    if (!r)
        return e->status;
    int rows = PQntuples(r);
    *lines = arena_calloc(a, (size_t)(rows > 0 ? rows : 1) * sizeof **lines);
    for (int i = 0; i < rows; i++) {
        db_cart_line *l = &(*lines)[i];
        l->id = db_int64(r, i, 0);
        l->variant_id = db_int64(r, i, 1);
        l->product_id = db_int64(r, i, 2);
        l->quantity = db_int32(r, i, 3);
        l->stock = db_int32(r, i, 4);
        l->sellable = db_bool(r, i, 5);
        l->sku = db_text(a, r, i, 6);
        l->variant_name = db_text(a, r, i, 7);
        l->options = db_text(a, r, i, 8);
        l->currency = db_text(a, r, i, 9);
        l->price_amount = db_int64(r, i, 10);
        l->compare_at_amount_is_null = PQgetisnull(r, i, 11);
        l->compare_at_amount = l->compare_at_amount_is_null ? 0 : db_int64(r, i, 11);
        l->product_slug = db_text(a, r, i, 12);
        l->product_name = db_text(a, r, i, 13);
        l->image_url = db_text(a, r, i, 14);
        l->image_alt = db_text(a, r, i, 15);
    }
    *n = (size_t)rows;
    PQclear(r);
    return SF_OK;
}

sf_status db_cart_item_put(db_conn *c, const char *cart_id, int64_t variant_id, int quantity,
                           sf_error *e)
{
    char vid[24], qty[16];
    snprintf(vid, sizeof vid, "%lld", (long long)variant_id);
    snprintf(qty, sizeof qty, "%d", quantity);
    const char *params[] = {cart_id, vid, qty};
    long rows;
    return exec_count(c, &put_stmt, params, &rows, e);
}

sf_status db_cart_item_set_quantity(db_conn *c, const char *cart_id, int64_t item_id, int quantity,
                                    sf_error *e)
{
    char iid[24], qty[16];
    snprintf(iid, sizeof iid, "%lld", (long long)item_id);
    snprintf(qty, sizeof qty, "%d", quantity);
    const char *params[] = {cart_id, iid, qty};
    long rows = 0;
    if (exec_count(c, &set_quantity_stmt, params, &rows, e) != SF_OK)
        return e->status;
    return rows == 1 ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart item.");
}

sf_status db_cart_item_remove(db_conn *c, const char *cart_id, int64_t item_id, sf_error *e)
{
    char iid[24];
    snprintf(iid, sizeof iid, "%lld", (long long)item_id);
    const char *params[] = {cart_id, iid};
    long rows = 0;
    if (exec_count(c, &remove_stmt, params, &rows, e) != SF_OK)
        return e->status;
    return rows == 1 ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart item.");
}

sf_status db_shipping_methods_active(db_conn *c, arena *a, const char *currency,
                                     db_shipping_method **items, size_t *n, sf_error *e)
{
    *items = NULL;
    *n = 0;
    const char *params[] = {currency};
    PGresult *r = db_exec(c, &shipping_stmt, params, e);
    if (!r)
        return e->status;
    int rows = PQntuples(r);
    *items = arena_calloc(a, (size_t)(rows > 0 ? rows : 1) * sizeof **items);
    for (int i = 0; i < rows; i++)
        db_shipping_method_decode(a, r, i, 0, &(*items)[i]);
    *n = (size_t)rows;
    PQclear(r);
    return SF_OK;
}

sf_status db_discount_facts_get(db_conn *c, arena *a, const char *code, int64_t id,
                                int64_t customer_id, db_discount_facts *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    const char *params[] = {code ? code : db_param_int64(a, id),
                            customer_id > 0 ? db_param_int64(a, customer_id) : NULL};
    PGresult *r = db_exec(c, code ? &discount_by_code_stmt : &discount_by_id_stmt, params, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    if (found) {
        int n = PQnfields(r);
        db_discount_code_decode(a, r, 0, 0, &out->code);
        out->not_started = db_bool(r, 0, n - 3);
        out->ended = db_bool(r, 0, n - 2);
        out->customer_uses = db_int64(r, 0, n - 1);
    }
    PQclear(r);
    return found ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such discount code.");
}

sf_status db_cart_set_discount(db_conn *c, const char *cart_id, int64_t discount_code_id,
                               sf_error *e)
{
    char did[24];
    snprintf(did, sizeof did, "%lld", (long long)discount_code_id);
    const char *params[] = {cart_id, discount_code_id > 0 ? did : NULL};
    long rows;
    return exec_count(c, &set_discount_stmt, params, &rows, e);
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status find_with(db_conn *c, arena *a, const db_stmt *st, const char *const *params,
                           db_cart *out, bool *expired, sf_error *e)
{
    PGresult *r = db_exec(c, st, params, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    if (found) {
        db_cart_decode(a, r, 0, 0, out);
        *expired = db_bool(r, 0, PQnfields(r) - 1);
    }
    PQclear(r);
    return found ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart.");
}

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
