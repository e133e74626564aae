/*
 * db_guest_orders.h — the statements behind guest checkout and guest orders
 * (schema/queries/orders.sql, "guest checkout and guest orders"): the Idempotency-Key of
 * a guest checkout (kept per cart, as a guest has no customer row), a guest order's token
 * hash, and claiming guest orders for a customer whose e-mail is verified.
 */
#ifndef STOREFRONT_DB_GUEST_ORDERS_H
#define STOREFRONT_DB_GUEST_ORDERS_H

#include <stdint.h>

#include "storefront/db.h"
#include "storefront/db_orders.h"

/* The db_idem_* contract of db_orders.h, with the key belonging to the guest cart
 * cart_id instead of a customer. */
sf_status db_cart_idem_claim(db_conn *c, arena *a, const char *cart_id, const char *key,
                             const char *hash, char **claim, db_idem_key *existing, sf_error *e);
sf_status db_cart_idem_hold(db_conn *c, arena *a, const char *cart_id, const char *key,
                            const char *claim, sf_error *e);
sf_status db_cart_idem_finish(db_conn *c, const char *cart_id, const char *key, int status,
                              const char *body, sf_error *e);
sf_status db_cart_idem_release(db_conn *c, const char *cart_id, const char *key, const char *claim,
                               sf_error *e);

/* The id and access-token hash (64 hex, in a) of the guest order `number`, the row locked
 * FOR UPDATE when `lock`. SF_NOT_FOUND ("No such order.") when there is no order with
 * that number that has a token. */
sf_status db_order_guest_token(db_conn *c, arena *a, const char *number, bool lock, int64_t *id,
                               char **token_hash, sf_error *e);

/* Gives every guest order placed with e-mail `email` (case-blind) to the customer;
 * *claimed is how many. */
sf_status db_guest_orders_claim(db_conn *c, int64_t customer_id, const char *email, long *claimed,
                                sf_error *e);

/* Gives every guest order placed with the e-mail of the customer whose Cognito sub is
 * `sub` to that customer, when their copied e-mail is verified (else, or when there is no
 * such customer, nothing); *claimed is how many. Safe to run concurrently: each order is
 * claimed once. */
sf_status db_guest_orders_claim_by_sub(db_conn *c, const char *sub, long *claimed, sf_error *e);

#endif
