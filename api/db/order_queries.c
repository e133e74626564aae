/*
 * order_queries.c — checkout's and orders' statements (schema/queries/orders.sql) behind
 * db_orders.h: what the generated functions do not say themselves — the idempotency
 * claim's three steps, which outcome is a conflict, the problem a missing order answers
 * with, and the shapes the service reads.
 */
#include <string.h>

#include "storefront/db_orders.h"
#include "storefront/queries_gen.h"

static sf_status no_order(sf_status s, sf_error *e);

sf_status db_idem_claim(db_conn *c, arena *a, int64_t customer_id, const char *key,
                        const char *hash, char **claim, db_idem_key *existing, sf_error *e)
{
    *claim = NULL;
    memset(existing, 0, sizeof *existing);
    if (q_idem_expire(c,
                      &(q_idem_expire_params){.customer_id = customer_id,
                                              .key = key,
                                              .stale_seconds = DB_IDEM_STALE_SECONDS},
                      e) != SF_OK)
        return e->status;
    q_idem_insert_row *ins = NULL;
    size_t n = 0;
    if (q_idem_insert(
            c, a,
            &(q_idem_insert_params){.customer_id = customer_id, .key = key, .request_hash = hash},
            &ins, &n, e) != SF_OK)
        return e->status;
    if (n == 1) {
        *claim = ins[0].claim;
        return SF_OK;
    }
    q_idem_find_row row = {0};
    sf_status s =
        q_idem_find(c, a, &(q_idem_find_params){.customer_id = customer_id, .key = key}, &row, e);
    if (s == SF_NOT_FOUND) {
        /* Released between our insert and our read: the caller may simply try again. */
        sf_error_clear(e);
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "A request with this Idempotency-Key is in progress.");
    }
    if (s != SF_OK)
        return s;
    existing->request_hash = row.request_hash;
    existing->done = row.done;
    existing->response_status = row.response_status;
    existing->response_body = row.response_body;
    return SF_OK;
}

sf_status db_idem_hold(db_conn *c, arena *a, int64_t customer_id, const char *key,
                       const char *claim, sf_error *e)
{
    q_idem_hold_row *rows = NULL;
    size_t n = 0;
    if (q_idem_hold(c, a,
                    &(q_idem_hold_params){.customer_id = customer_id, .key = key, .claim = claim},
                    &rows, &n, e) != SF_OK)
        return e->status;
    return n == 1 ? SF_OK
                  : sf_fail(e, SF_CONFLICT, "conflict",
                            "A request with this Idempotency-Key is in progress.");
}

sf_status db_idem_finish(db_conn *c, int64_t customer_id, const char *key, int status,
                         const char *body, sf_error *e)
{
    return q_idem_finish(c,
                         &(q_idem_finish_params){.customer_id = customer_id,
                                                 .key = key,
                                                 .response_status = status,
                                                 .response_body = body},
                         e);
}

sf_status db_idem_release(db_conn *c, int64_t customer_id, const char *key, const char *claim,
                          sf_error *e)
{
    return q_idem_release(
        c, &(q_idem_release_params){.customer_id = customer_id, .key = key, .claim = claim}, e);
}

sf_status db_stock_take(db_conn *c, int64_t variant_id, int quantity, int64_t customer_id,
                        int64_t order_id, bool *ok, sf_error *e)
{
    long rows = 0;
    sf_status s = q_stock_take(c,
                               &(q_stock_take_params){.variant_id = variant_id,
                                                      .quantity = quantity,
                                                      .customer_id = customer_id,
                                                      .order_id = order_id},
                               &rows, e);
    *ok = rows == 1;
    return s;
}

sf_status db_discount_use(db_conn *c, int64_t code_id, bool *ok, sf_error *e)
{
    long rows = 0;
    sf_status s = q_discount_use(c, &(q_discount_use_params){.code_id = code_id}, &rows, e);
    *ok = rows == 1;
    return s;
}

sf_status db_discount_customer_uses(db_conn *c, int64_t code_id, int64_t customer_id, int64_t *uses,
                                    sf_error *e)
{
    q_discount_customer_uses_row row = {0};
    sf_status s = q_discount_customer_uses(
        c, &(q_discount_customer_uses_params){.code_id = code_id, .customer_id = customer_id}, &row,
        e);
    if (s == SF_OK)
        *uses = row.uses;
    return s;
}

sf_status db_discount_redeem(db_conn *c, int64_t code_id, int64_t customer_id, int64_t order_id,
                             sf_error *e)
{
    return q_discount_redeem(c,
                             &(q_discount_redeem_params){.code_id = code_id,
                                                         .customer_id = customer_id,
                                                         .order_id = order_id},
                             e);
}

sf_status db_order_number_new(db_conn *c, arena *a, char **number, sf_error *e)
{
    q_order_number_new_row row = {0};
    sf_status s = q_order_number_new(c, a, &row, e);
    *number = s == SF_OK ? row.number : NULL;
    return s;
}

sf_status db_order_place(db_conn *c, arena *a, const db_order_new *o, int64_t *id, char **number,
                         sf_error *e)
{
    q_order_insert_row row = {0};
    const q_order_insert_params p = {
        .number = o->number,
        .customer_id = o->customer_id,
        .currency = o->currency,
        .subtotal = o->subtotal,
        .discount_total = o->discount_total,
        .shipping_total = o->shipping_total,
        .tax_total = o->tax_total,
        .total = o->total,
        .shipping_method = o->shipping_method,
        .payment_method = o->payment_method,
        .ship_name = o->ship.name,
        .ship_phone = o->ship.phone,
        .ship_line1 = o->ship.line1,
        .ship_line2 = o->ship.line2,
        .ship_city = o->ship.city,
        .ship_region = o->ship.region,
        .ship_postal_code = o->ship.postal_code,
        .ship_country = o->ship.country,
        .discount_code = o->discount_code,
        .cart_id = o->cart_id,
        .guest_email = o->guest_email,
        .access_token_hash = o->access_token_hash,
    };
    sf_status s = q_order_insert(c, a, &p, &row, e);
    if (s != SF_OK)
        return s;
    *id = row.id;
    *number = row.number;
    return SF_OK;
}

sf_status db_order_line_add(db_conn *c, arena *a, int64_t order_id, int64_t variant_id,
                            const char *sku, const char *name, int64_t unit_price, int quantity,
                            sf_error *e)
{
    (void)a;
    return q_order_line_insert(c,
                               &(q_order_line_insert_params){.order_id = order_id,
                                                             .variant_id = variant_id,
                                                             .sku = sku,
                                                             .name = name,
                                                             .unit_price = unit_price,
                                                             .quantity = quantity},
                               e);
}

sf_status db_cart_check_out(db_conn *c, const char *cart_id, sf_error *e)
{
    return q_cart_check_out(c, &(q_cart_check_out_params){.cart_id = cart_id}, e);
}

sf_status db_tax_rate_bp(db_conn *c, const char *country, int *rate_bp, sf_error *e)
{
    q_tax_rate_row row = {0};
    sf_status s = q_tax_rate(c, &(q_tax_rate_params){.country = country}, &row, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        *rate_bp = 0;
        return SF_OK;
    }
    if (s == SF_OK)
        *rate_bp = row.rate_bp;
    return s;
}

sf_status db_order_json(db_conn *c, arena *a, int64_t customer_id, const char *number, char **json,
                        sf_error *e)
{
    q_order_json_row row = {0};
    sf_status s = q_order_json(
        c, a, &(q_order_json_params){.customer_id = customer_id, .number = number}, &row, e);
    *json = s == SF_OK ? row.json : NULL;
    return no_order(s, e);
}

sf_status db_orders_page(db_conn *c, arena *a, int64_t customer_id, int64_t before, int limit,
                         int64_t **ids, char ***summaries, size_t *n, sf_error *e)
{
    *n = 0;
    q_orders_page_row *v = NULL;
    size_t rows = 0;
    sf_status s = q_orders_page(
        c, a,
        &(q_orders_page_params){.customer_id = customer_id, .before = before, .max_rows = limit},
        &v, &rows, e);
    if (s != SF_OK)
        return s;
    *ids = arena_calloc(a, (rows ? rows : 1) * sizeof **ids);
    *summaries = arena_calloc(a, (rows ? rows : 1) * sizeof **summaries);
    for (size_t i = 0; i < rows; i++) {
        (*ids)[i] = v[i].id;
        (*summaries)[i] = v[i].summary;
    }
    *n = rows;
    return SF_OK;
}

sf_status db_admin_orders_page(db_conn *c, arena *a, const db_admin_order_filter *f,
                               const db_admin_order_key *after, int limit,
                               db_admin_order_key **keys, char ***summaries, size_t *n, sf_error *e)
{
    *n = 0;
    q_admin_orders_page_row *v = NULL;
    size_t rows = 0;
    sf_status s = q_admin_orders_page(c, a,
                                      &(q_admin_orders_page_params){
                                          .status = f->status,
                                          .customer_id = f->customer_id,
                                          .placed_from = f->from,
                                          .placed_to = f->to,
                                          .after_id = after->id,
                                          .after_us = after->placed_us,
                                          .max_rows = limit,
                                      },
                                      &v, &rows, e);
    if (s != SF_OK)
        return s;
    *keys = arena_calloc(a, (rows ? rows : 1) * sizeof **keys);
    *summaries = arena_calloc(a, (rows ? rows : 1) * sizeof **summaries);
    for (size_t i = 0; i < rows; i++) {
        (*keys)[i] = (db_admin_order_key){.id = v[i].id, .placed_us = v[i].placed_us};
        (*summaries)[i] = v[i].summary;
    }
    *n = rows;
    return SF_OK;
}

sf_status db_order_lock(db_conn *c, arena *a, int64_t customer_id, const char *number, int64_t *id,
                        char **status, sf_error *e)
{
    q_order_lock_row row = {0};
    sf_status s = q_order_lock(
        c, a, &(q_order_lock_params){.customer_id = customer_id, .number = number}, &row, e);
    if (s == SF_OK) {
        *id = row.id;
        *status = row.status;
    }
    return no_order(s, e);
}

sf_status db_order_restock(db_conn *c, int64_t order_id, sf_error *e)
{
    return q_order_restock(c, &(q_order_restock_params){.order_id = order_id}, e);
}

sf_status db_order_move_apply(db_conn *c, const db_order_move *m, sf_error *e)
{
    long rows = 0;
    if (q_order_transition(c,
                           &(q_order_transition_params){.to_status = m->to,
                                                        .pay = m->pay,
                                                        .tracking_number = m->tracking_number,
                                                        .order_id = m->order_id,
                                                        .from_status = m->from,
                                                        .actor = m->actor,
                                                        .note = m->note},
                           &rows, e) != SF_OK)
        return e->status;
    return rows == 1 ? SF_OK
                     : sf_fail(e, SF_CONFLICT, "conflict",
                               "The order changed meanwhile; it is no longer %s.", m->from);
}

sf_status db_order_find(db_conn *c, arena *a, const char *number, db_order_state *out, sf_error *e)
{
    q_order_find_row row = {0};
    sf_status s = q_order_find(c, a, &(q_order_find_params){.number = number}, &row, e);
    if (s == SF_OK)
        *out = (db_order_state){.id = row.id,
                                .status = row.status,
                                .payment_method = row.payment_method,
                                .paid = row.paid};
    return no_order(s, e);
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status no_order(sf_status s, sf_error *e)
{
    if (s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
}
