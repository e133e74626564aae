/*
 * db_carts.h — the hand-written SQL behind the carts: row locks, creation with an
 * expiry computed by the database clock, the joined read of a cart's lines (item,
 * variant and product in one round trip), and writes scoped to one cart so an item id
 * from another cart never matches. Plain single-row reads (variants, products,
 * shipping methods) use the generated db_* functions. The discount facts of a cart's
 * code are read here too, so validity is judged by the database clock.
 */
#ifndef STOREFRONT_DB_CARTS_H
#define STOREFRONT_DB_CARTS_H

#include <stdint.h>

#include "storefront/db.h"
#include "storefront/db_gen.h"

/* One line of a cart as shown: the item, its variant and the variant's product. */
typedef struct db_cart_line {
    int64_t id, variant_id, product_id;
    int32_t quantity, stock;
    bool sellable; /* variant and product both active */
    char *sku, *variant_name, *options, *currency;
    int64_t price_amount, compare_at_amount;
    bool compare_at_amount_is_null;
    char *product_slug, *product_name, *image_url, *image_alt; /* image_* NULL when none */
} db_cart_line;

/* The cart with this id, locked FOR UPDATE when `lock` (inside a transaction).
 * *expired tells whether its expires_at has passed (by the database clock).
 * SF_NOT_FOUND when there is no such cart. */
sf_status db_cart_find(db_conn *c, arena *a, const char *id, bool lock, db_cart *out, bool *expired,
                       sf_error *e);

/* The customer's open cart, locked FOR UPDATE when `lock`; SF_NOT_FOUND when none. */
sf_status db_cart_find_open_by_customer(db_conn *c, arena *a, int64_t customer_id, bool lock,
                                        db_cart *out, bool *expired, sf_error *e);

/* Inserts an open cart (customer_id 0 = a guest cart) expiring ttl_s seconds from now.
 * For a customer who already has an open cart nothing is inserted and *created is
 * false (the caller reads that cart instead). */
sf_status db_cart_create(db_conn *c, const char *id, int64_t customer_id, int ttl_s, bool *created,
                         sf_error *e);

/* Marks an open cart whose expires_at has passed as 'expired' (no-op otherwise). */
sf_status db_cart_expire(db_conn *c, const char *id, sf_error *e);

/* Records a write: updated_at = now(), expires_at = now() + ttl_s. */
sf_status db_cart_touch(db_conn *c, const char *id, int ttl_s, sf_error *e);

/* Closes a guest cart as merged into another cart. */
sf_status db_cart_mark_merged(db_conn *c, const char *id, const char *into, sf_error *e);

/* Every line of the cart, oldest first. *lines in a. */
sf_status db_cart_lines(db_conn *c, arena *a, const char *cart_id, db_cart_line **lines, size_t *n,
                        sf_error *e);

/* Sets the quantity of the cart's line for this variant, inserting the line when the
 * cart has none. */
sf_status db_cart_item_put(db_conn *c, const char *cart_id, int64_t variant_id, int quantity,
                           sf_error *e);

/* Sets the quantity of item_id when it is a line of cart_id; SF_NOT_FOUND otherwise. */
sf_status db_cart_item_set_quantity(db_conn *c, const char *cart_id, int64_t item_id, int quantity,
                                    sf_error *e);

/* Deletes item_id when it is a line of cart_id; SF_NOT_FOUND otherwise. */
sf_status db_cart_item_remove(db_conn *c, const char *cart_id, int64_t item_id, sf_error *e);

/* A discount code with what its validity depends on, judged by the database clock. */
typedef struct db_discount_facts {
    db_discount_code code;
    bool not_started;      /* starts_at is in the future */
    bool ended;            /* ends_at has passed */
    int64_t customer_uses; /* redemptions by the cart's customer (0 for a guest cart) */
} db_discount_facts;

/* The discount code spelled `code` (already upper-case), or with id `id` when code is
 * NULL, with its facts for customer_id (0 = a guest). SF_NOT_FOUND when there is none. */
sf_status db_discount_facts_get(db_conn *c, arena *a, const char *code, int64_t id,
                                int64_t customer_id, db_discount_facts *out, sf_error *e);

/* Sets (discount_code_id > 0) or clears (0) the code applied to the cart. */
sf_status db_cart_set_discount(db_conn *c, const char *cart_id, int64_t discount_code_id,
                               sf_error *e);

/* The active shipping methods in this currency, by position. *items in a. */
sf_status db_shipping_methods_active(db_conn *c, arena *a, const char *currency,
                                     db_shipping_method **items, size_t *n, sf_error *e);

#endif
