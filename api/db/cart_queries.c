/*
 * cart_queries.c — carts' statements (schema/queries/carts.sql) behind db_carts.h: which
 * variant a `lock` picks, the problems a missing cart, item or code answer with, and the
 * shapes the service reads.
 */
#include <string.h>

#include "storefront/db_carts.h"
#include "storefront/queries_gen.h"

static sf_status not_found(sf_status s, sf_error *e, const char *detail);

sf_status db_cart_find(db_conn *c, arena *a, const char *id, bool lock, db_cart *out, bool *expired,
                       sf_error *e)
{
    sf_status s;
    if (lock) {
        q_cart_find_lock_row row = {0};
        s = q_cart_find_lock(c, a, &(q_cart_find_lock_params){.id = id}, &row, e);
        if (s == SF_OK)
            *out = row.cart, *expired = row.expired;
    } else {
        q_cart_find_row row = {0};
        s = q_cart_find(c, a, &(q_cart_find_params){.id = id}, &row, e);
        if (s == SF_OK)
            *out = row.cart, *expired = row.expired;
    }
    return not_found(s, e, "No such cart.");
}

sf_status db_cart_find_open_by_customer(db_conn *c, arena *a, int64_t customer_id, bool lock,
                                        db_cart *out, bool *expired, sf_error *e)
{
    sf_status s;
    if (lock) {
        q_cart_find_open_by_customer_lock_row row = {0};
        s = q_cart_find_open_by_customer_lock(
            c, a, &(q_cart_find_open_by_customer_lock_params){.customer_id = customer_id}, &row, e);
        if (s == SF_OK)
            *out = row.cart, *expired = row.expired;
    } else {
        q_cart_find_open_by_customer_row row = {0};
        s = q_cart_find_open_by_customer(
            c, a, &(q_cart_find_open_by_customer_params){.customer_id = customer_id}, &row, e);
        if (s == SF_OK)
            *out = row.cart, *expired = row.expired;
    }
    return not_found(s, e, "No such cart.");
}

sf_status db_cart_create(db_conn *c, const char *id, int64_t customer_id, int ttl_s, bool *created,
                         sf_error *e)
{
    long rows = 0;
    sf_status s = q_cart_create(c,
                                &(q_cart_create_params){.id = id,
                                                        .customer_id = customer_id,
                                                        .customer_id_is_null = customer_id <= 0,
                                                        .ttl_seconds = ttl_s},
                                &rows, e);
    *created = rows == 1;
    return s;
}

sf_status db_cart_expire(db_conn *c, const char *id, sf_error *e)
{
    return q_cart_expire(c, &(q_cart_expire_params){.id = id}, e);
}

sf_status db_cart_touch(db_conn *c, const char *id, int ttl_s, sf_error *e)
{
    return q_cart_touch(c, &(q_cart_touch_params){.ttl_seconds = ttl_s, .id = id}, e);
}

sf_status db_cart_mark_merged(db_conn *c, const char *id, const char *into, sf_error *e)
{
    return q_cart_mark_merged(c, &(q_cart_mark_merged_params){.into = into, .id = id}, e);
}

sf_status db_cart_lines(db_conn *c, arena *a, const char *cart_id, db_cart_line **lines, size_t *n,
                        sf_error *e)
{
    *lines = NULL;
    *n = 0;
    q_cart_lines_row *v = NULL;
    size_t rows = 0;
    sf_status s = q_cart_lines(c, a, &(q_cart_lines_params){.cart_id = cart_id}, &v, &rows, e);
    if (s != SF_OK)
        return s;
    *lines = arena_calloc(a, (rows ? rows : 1) * sizeof **lines);
    for (size_t i = 0; i < rows; i++)
        (*lines)[i] = (db_cart_line){
            .id = v[i].id,
            .variant_id = v[i].variant_id,
            .product_id = v[i].product_id,
            .quantity = v[i].quantity,
            .stock = v[i].stock,
            .sellable = v[i].sellable,
            .sku = v[i].sku,
            .variant_name = v[i].variant_name,
            .options = v[i].options,
            .currency = v[i].currency,
            .price_amount = v[i].price_amount,
            .compare_at_amount = v[i].compare_at_amount_is_null ? 0 : v[i].compare_at_amount,
            .compare_at_amount_is_null = v[i].compare_at_amount_is_null,
            .product_slug = v[i].product_slug,
            .product_name = v[i].product_name,
            .image_url = v[i].image_url,
            .image_alt = v[i].image_alt,
        };
    *n = rows;
    return SF_OK;
}

sf_status db_cart_item_put(db_conn *c, const char *cart_id, int64_t variant_id, int quantity,
                           sf_error *e)
{
    return q_cart_item_put(c,
                           &(q_cart_item_put_params){
                               .cart_id = cart_id, .variant_id = variant_id, .quantity = quantity},
                           e);
}

sf_status db_cart_item_set_quantity(db_conn *c, const char *cart_id, int64_t item_id, int quantity,
                                    sf_error *e)
{
    long rows = 0;
    if (q_cart_item_set_quantity(c,
                                 &(q_cart_item_set_quantity_params){
                                     .quantity = quantity, .item_id = item_id, .cart_id = cart_id},
                                 &rows, e) != SF_OK)
        return e->status;
    return rows == 1 ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart item.");
}

sf_status db_cart_item_remove(db_conn *c, const char *cart_id, int64_t item_id, sf_error *e)
{
    long rows = 0;
    if (q_cart_item_remove(c, &(q_cart_item_remove_params){.item_id = item_id, .cart_id = cart_id},
                           &rows, e) != SF_OK)
        return e->status;
    return rows == 1 ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart item.");
}

sf_status db_shipping_methods_active(db_conn *c, arena *a, const char *currency,
                                     db_shipping_method **items, size_t *n, sf_error *e)
{
    *items = NULL;
    *n = 0;
    q_shipping_methods_active_row *v = NULL;
    size_t rows = 0;
    sf_status s = q_shipping_methods_active(
        c, a, &(q_shipping_methods_active_params){.currency = currency}, &v, &rows, e);
    if (s != SF_OK)
        return s;
    *items = arena_calloc(a, (rows ? rows : 1) * sizeof **items);
    for (size_t i = 0; i < rows; i++)
        (*items)[i] = v[i].shipping_method;
    *n = rows;
    return SF_OK;
}

sf_status db_discount_facts_get(db_conn *c, arena *a, const char *code, int64_t id,
                                int64_t customer_id, db_discount_facts *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    sf_status s;
    if (code) {
        q_discount_facts_by_code_row row = {0};
        s = q_discount_facts_by_code(
            c, a,
            &(q_discount_facts_by_code_params){
                .customer_id = customer_id, .customer_id_is_null = customer_id <= 0, .code = code},
            &row, e);
        if (s == SF_OK)
            *out = (db_discount_facts){.code = row.discount_code,
                                       .not_started = row.not_started,
                                       .ended = row.ended,
                                       .customer_uses = row.customer_uses};
    } else {
        q_discount_facts_by_id_row row = {0};
        s = q_discount_facts_by_id(
            c, a,
            &(q_discount_facts_by_id_params){
                .customer_id = customer_id, .customer_id_is_null = customer_id <= 0, .id = id},
            &row, e);
        if (s == SF_OK)
            *out = (db_discount_facts){.code = row.discount_code,
                                       .not_started = row.not_started,
                                       .ended = row.ended,
                                       .customer_uses = row.customer_uses};
    }
    return not_found(s, e, "No such discount code.");
}

sf_status db_cart_set_discount(db_conn *c, const char *cart_id, int64_t discount_code_id,
                               sf_error *e)
{
    return q_cart_set_discount(
        c,
        &(q_cart_set_discount_params){.discount_code_id = discount_code_id,
                                      .discount_code_id_is_null = discount_code_id <= 0,
                                      .cart_id = cart_id},
        e);
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status not_found(sf_status s, sf_error *e, const char *detail)
{
    if (s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "%s", detail);
}
