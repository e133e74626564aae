/*
 * db_addresses.h — the hand-written SQL behind /v1/me/addresses, where plain generated
 * CRUD does not fit: the per-customer lock that serializes every change to a
 * customer's addresses, the count for the cap, and the default swap/promotion.
 * Plain reads and writes of one row use the generated db_address_* functions.
 */
#ifndef STOREFRONT_DB_ADDRESSES_H
#define STOREFRONT_DB_ADDRESSES_H

#include <stdint.h>

#include "storefront/db.h"

/* Inside a transaction: locks the customer row with this Cognito sub (FOR NO KEY
 * UPDATE, so foreign-key checks from other tables are not blocked) and returns its
 * id. Every change to a customer's addresses takes this lock first, which serializes
 * them per customer in one consistent order. SF_NOT_FOUND when no such customer. */
sf_status db_customer_lock_by_sub(db_conn *c, const char *sub, int64_t *customer_id, sf_error *e);

/* The customer's id without a lock; SF_NOT_FOUND when no such customer. */
sf_status db_customer_id_by_sub(db_conn *c, const char *sub, int64_t *customer_id, sf_error *e);

/* Number of addresses the customer has. */
sf_status db_address_count(db_conn *c, int64_t customer_id, int *n, sf_error *e);

/* Clears is_default on the customer's addresses other than keep_id (0 = all). */
sf_status db_address_clear_default(db_conn *c, int64_t customer_id, int64_t keep_id, sf_error *e);

/* Makes the customer's newest address (highest id) the default; nothing when the
 * customer has none. Call after the previous default was removed. */
sf_status db_address_promote_newest(db_conn *c, int64_t customer_id, sf_error *e);

#endif
