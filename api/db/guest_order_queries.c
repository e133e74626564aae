/*
 * guest_order_queries.c — db_guest_orders.h: guest checkout's Idempotency-Key rows (the
 * same three-step claim as order_queries.c, on cart_idempotency_keys), a guest order's
 * token hash, and the claim of guest orders at sign-in.
 */
#include <string.h>

#include "storefront/db_guest_orders.h"
#include "storefront/queries_gen.h"

sf_status db_cart_idem_claim(db_conn *c, arena *a, const char *cart_id, const char *key,
                             const char *hash, char **claim, db_idem_key *existing, sf_error *e)
{
    *claim = NULL;
    memset(existing, 0, sizeof *existing);
    if (q_cart_idem_expire(c,
                           &(q_cart_idem_expire_params){.cart_id = cart_id,
                                                        .key = key,
                                                        .stale_seconds = DB_IDEM_STALE_SECONDS},
                           e) != SF_OK)
        return e->status;
    q_cart_idem_insert_row *ins = NULL;
    size_t n = 0;
    if (q_cart_idem_insert(
            c, a,
            &(q_cart_idem_insert_params){.cart_id = cart_id, .key = key, .request_hash = hash},
            &ins, &n, e) != SF_OK)
        return e->status;
    if (n == 1) {
        *claim = ins[0].claim;
        return SF_OK;
    }
    q_cart_idem_find_row row = {0};
    sf_status s =
        q_cart_idem_find(c, a, &(q_cart_idem_find_params){.cart_id = cart_id, .key = key}, &row, e);
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

sf_status db_cart_idem_hold(db_conn *c, arena *a, const char *cart_id, const char *key,
                            const char *claim, sf_error *e)
{
    q_cart_idem_hold_row *rows = NULL;
    size_t n = 0;
    if (q_cart_idem_hold(c, a,
                         &(q_cart_idem_hold_params){.cart_id = cart_id, .key = key, .claim = claim},
                         &rows, &n, e) != SF_OK)
        return e->status;
    return n == 1 ? SF_OK
                  : sf_fail(e, SF_CONFLICT, "conflict",
                            "A request with this Idempotency-Key is in progress.");
}

sf_status db_cart_idem_finish(db_conn *c, const char *cart_id, const char *key, int status,
                              const char *body, sf_error *e)
{
    return q_cart_idem_finish(
        c,
        &(q_cart_idem_finish_params){
            .cart_id = cart_id, .key = key, .response_status = status, .response_body = body},
        e);
}

sf_status db_cart_idem_release(db_conn *c, const char *cart_id, const char *key, const char *claim,
                               sf_error *e)
{
    return q_cart_idem_release(
        c, &(q_cart_idem_release_params){.cart_id = cart_id, .key = key, .claim = claim}, e);
}

sf_status db_order_guest_token(db_conn *c, arena *a, const char *number, bool lock, int64_t *id,
                               char **token_hash, sf_error *e)
{
    sf_status s;
    if (lock) {
        q_order_guest_lock_row row = {0};
        s = q_order_guest_lock(c, a, &(q_order_guest_lock_params){.number = number}, &row, e);
        *id = row.id;
        *token_hash = row.access_token_hash;
    } else {
        q_order_guest_token_row row = {0};
        s = q_order_guest_token(c, a, &(q_order_guest_token_params){.number = number}, &row, e);
        *id = row.id;
        *token_hash = row.access_token_hash;
    }
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
    }
    return s;
}

sf_status db_guest_orders_claim(db_conn *c, int64_t customer_id, const char *email, long *claimed,
                                sf_error *e)
{
    *claimed = 0;
    return q_guest_orders_claim(
        c, &(q_guest_orders_claim_params){.customer_id = customer_id, .email = email}, claimed, e);
}

sf_status db_guest_orders_claim_by_sub(db_conn *c, const char *sub, long *claimed, sf_error *e)
{
    *claimed = 0;
    return q_guest_orders_claim_by_sub(c, &(q_guest_orders_claim_by_sub_params){.sub = sub},
                                       claimed, e);
}
