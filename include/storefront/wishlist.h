/*
 * wishlist.h — the products a signed-in shopper saved (issue #11): a keyset list with
 * each product's current price and availability, idempotent save and remove, and the
 * merge of a guest's list at sign-in. A product is saved at most once.
 */
#ifndef STOREFRONT_WISHLIST_H
#define STOREFRONT_WISHLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/error.h"
#include "storefront/queries_gen.h"

#define SVC_WISHLIST_MERGE_MAX 100 /* product ids in one merge */

/* One page of saved products, newest saved first; next_cursor NULL on the last page.
 * Rows as the wishlist_page query returns them; everything in the arena. */
typedef struct svc_wishlist_page {
    q_wishlist_page_row *items;
    size_t n;
    const char *next_cursor;
} svc_wishlist_page;

/* The caller's saved products that are in the storefront now (a product taken out of it
 * stays saved but is not listed), `limit` per page after `cursor` (NULL = first page;
 * a cursor works only for the customer it was made for: otherwise a 400 naming
 * "cursor"). */
sf_status svc_wishlist_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                            const auth_principal *who, const char *cursor, int limit,
                            svc_wishlist_page *out, sf_error *e);

/* Saves product_id (idempotent: *added false when it was saved already). SF_NOT_FOUND
 * when no storefront product has that id. */
sf_status svc_wishlist_put(db_pool *pool, const auth_principal *who, int64_t product_id,
                           bool *added, sf_error *e);

/* Removes product_id from the caller's list; idempotent (no error when absent). */
sf_status svc_wishlist_delete(db_pool *pool, const auth_principal *who, int64_t product_id,
                              sf_error *e);

/* Parses a merge body: NULL/empty = no ids, or {"product_ids": [...]} with at most
 * SVC_WISHLIST_MERGE_MAX positive integers below 2^53 (duplicates allowed). Field
 * errors name "product_ids". *ids in a. */
sf_status svc_wishlist_merge_parse(arena *a, const char *body, size_t len, int64_t **ids, size_t *n,
                                   sf_error *e);

/* Saves every id that names a storefront product (others are skipped: a guest list
 * may hold products removed since); *added = how many were new. */
sf_status svc_wishlist_merge(db_pool *pool, arena *a, const auth_principal *who, const int64_t *ids,
                             size_t n, long *added, sf_error *e);

#endif
