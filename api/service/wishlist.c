/*
 * wishlist.c — a shopper's saved products (see wishlist.h).
 *
 * Every change is one statement on wishlist_items, whose primary key (customer,
 * product) makes a save idempotent: INSERT … ON CONFLICT DO NOTHING settles a repeated
 * or concurrent save of the same product without an error or a second row, so no lock
 * of ours is needed. The list reads each product's price, stock flag and image from
 * products at read time, so it is always current.
 */
#include <stdlib.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/db_addresses.h"
#include "storefront/jsonutil.h"
#include "storefront/wishlist.h"

/* Cursor namespace (svc_cursor_encode's sort byte), apart from products, customers,
 * orders (100..102) and reviews (110..113). */
#define WISHLIST_CURSOR_SORT 114
#define MAX_SAFE_ID          9007199254740991LL /* 2^53 - 1 */

sf_status svc_wishlist_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                            const auth_principal *who, const char *cursor, int limit,
                            svc_wishlist_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0, after_id = 0, after_us = 0;
    sf_status s = db_customer_id_by_sub(c, who->sub, &cid, e);
    /* The cursor carries the last row's saved_at (microseconds) and product id, bound
     * to the customer, so one person's cursor is no use to another. */
    if (s == SF_OK && cursor) {
        const char *key = NULL;
        char *end = NULL;
        bool ok = svc_cursor_decode(a, cursor_key, cursor, WISHLIST_CURSOR_SORT, (uint64_t)cid,
                                    &key, &after_id) &&
                  key && after_id > 0;
        if (ok) {
            after_us = strtoll(key, &end, 10);
            ok = end != key && *end == '\0';
        }
        if (!ok) {
            sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
            s = SF_INVALID;
        }
    }
    if (s == SF_OK)
        s = q_wishlist_page(c, a,
                            &(q_wishlist_page_params){.customer_id = cid,
                                                      .after_id = after_id,
                                                      .after_us = after_us,
                                                      .max_rows = limit + 1},
                            &out->items, &out->n, e);
    db_pool_release(pool, c);
    /* One extra row says whether another page exists. */
    if (s == SF_OK && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        const q_wishlist_page_row *last = &out->items[out->n - 1];
        out->next_cursor =
            svc_cursor_encode(a, cursor_key, WISHLIST_CURSOR_SORT, (uint64_t)cid,
                              arena_sprintf(a, "%lld", (long long)last->saved_us), last->id);
    }
    return s;
}

sf_status svc_wishlist_put(db_pool *pool, const auth_principal *who, int64_t product_id,
                           bool *added, sf_error *e)
{
    *added = false;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    long rows = 0;
    sf_status s = db_customer_id_by_sub(c, who->sub, &cid, e);
    if (s == SF_OK)
        s = q_wishlist_put(
            c, &(q_wishlist_put_params){.customer_id = cid, .product_id = product_id}, &rows, e);
    if (s == SF_OK && rows == 0) {
        /* Nothing inserted: saved already, or no such storefront product. */
        q_wishlist_product_exists_row one;
        s = q_wishlist_product_exists(
            c, &(q_wishlist_product_exists_params){.product_id = product_id}, &one, e);
        if (s == SF_NOT_FOUND) {
            sf_error_clear(e);
            s = sf_fail(e, SF_NOT_FOUND, "not-found", "No such product.");
        }
    }
    *added = s == SF_OK && rows > 0;
    db_pool_release(pool, c);
    return s;
}

sf_status svc_wishlist_delete(db_pool *pool, const auth_principal *who, int64_t product_id,
                              sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    long rows = 0;
    sf_status s = db_customer_id_by_sub(c, who->sub, &cid, e);
    if (s == SF_OK)
        s = q_wishlist_delete(
            c, &(q_wishlist_delete_params){.customer_id = cid, .product_id = product_id}, &rows, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_wishlist_merge_parse(arena *a, const char *body, size_t len, int64_t **ids, size_t *n,
                                   sf_error *e)
{
    *ids = NULL;
    *n = 0;
    if (!body || len == 0)
        return SF_OK; /* no guest list: nothing to merge */
    json_t *j = json_parse_body(body, len, e);
    if (!j)
        return e->status;
    if (!json_is_object(j)) {
        json_decref(j);
        return sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "product_ids") != 0)
            sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
    }
    json_t *arr = json_object_get(j, "product_ids");
    if (!arr) {
        sf_field_fail(e, "product_ids", "is required");
    } else if (!json_is_array(arr) || json_array_size(arr) > SVC_WISHLIST_MERGE_MAX) {
        sf_field_fail(e, "product_ids", "must be an array of at most %d product ids",
                      SVC_WISHLIST_MERGE_MAX);
    } else {
        size_t k = json_array_size(arr);
        *ids = arena_calloc(a, (k ? k : 1) * sizeof **ids);
        for (size_t i = 0; i < k; i++) {
            json_t *x = json_array_get(arr, i);
            json_int_t id = json_is_integer(x) ? json_integer_value(x) : 0;
            if (id < 1 || id > MAX_SAFE_ID) {
                sf_field_fail(e, "product_ids",
                              "item %zu must be a product id (a positive integer)", i);
                break;
            }
            (*ids)[(*n)++] = (int64_t)id;
        }
    }
    json_decref(j);
    if (e->status != SF_OK)
        *n = 0;
    return e->status;
}

sf_status svc_wishlist_merge(db_pool *pool, arena *a, const auth_principal *who, const int64_t *ids,
                             size_t n, long *added, sf_error *e)
{
    *added = 0;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    sf_status s = db_customer_id_by_sub(c, who->sub, &cid, e);
    if (s == SF_OK && n > 0)
        s = q_wishlist_merge(
            c, a,
            &(q_wishlist_merge_params){.customer_id = cid, .product_ids = ids, .product_ids_n = n},
            added, e);
    db_pool_release(pool, c);
    return s;
}
