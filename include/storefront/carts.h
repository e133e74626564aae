/*
 * carts.h — shopping carts: guest carts reached by their unguessable id
 * (/v1/carts/{id}) and the signed-in customer's cart (/v1/me/cart), their lines, the
 * merge of a guest cart into the customer's at sign-in, and the priced view of a
 * cart computed on every read.
 *
 * Rules (docs/architecture.md, "Carts decisions"): one currency per cart; at most
 * max_lines lines and max_line_quantity of each; every write moves expires_at to
 * now + idle_ttl_s and an expired cart answers SF_NOT_FOUND; a cart that belongs to a
 * customer is never reachable by id, and another customer's cart or item answers
 * exactly like a missing one. Every write locks the cart row first.
 */
#ifndef STOREFRONT_CARTS_H
#define STOREFRONT_CARTS_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/db.h"
#include "storefront/db_carts.h"
#include "storefront/db_gen.h"

#define SVC_CART_ID_LEN 22 /* 16 random bytes as unpadded base64url */
/* The currency an empty cart shows (the shop's catalog currency). */
#define SVC_CART_DEFAULT_CURRENCY "USD"

/* Limits from the configuration (CART_MAX_LINE_QUANTITY, CART_MAX_LINES,
 * CART_IDLE_TTL_SECONDS). */
typedef struct svc_cart_limits {
    int max_line_quantity, max_lines, idle_ttl_s;
} svc_cart_limits;

/* Which cart an operation is on: a guest cart by id (sub NULL), or the open cart of
 * the signed-in customer with this Cognito sub (cart_id NULL). */
typedef struct svc_cart_ref {
    const char *cart_id;
    const char *sub;
} svc_cart_ref;

typedef enum svc_line_problem {
    SVC_LINE_OK,
    SVC_LINE_UNAVAILABLE,        /* variant or product no longer sold */
    SVC_LINE_INSUFFICIENT_STOCK, /* quantity above the stock */
} svc_line_problem;

/* A priced line. line_total = unit price x quantity; it counts in the subtotal unless
 * the line is unavailable. */
typedef struct svc_cart_line {
    const db_cart_line *row;
    int64_t line_total;
    svc_line_problem problem;
    int32_t available_quantity; /* with a problem: what can be bought (0 when unavailable) */
    bool counted;               /* in the subtotal */
} svc_cart_line;

/* The cheapest active shipping method for the cart's subtotal. */
typedef struct svc_shipping_estimate {
    const char *code, *name;
    int64_t amount; /* 0 when the subtotal reaches the method's free_over_amount */
} svc_shipping_estimate;

/* Why a discount code gives nothing (docs/architecture.md, "Discount decisions"). */
typedef enum svc_discount_problem {
    SVC_DISCOUNT_OK,
    SVC_DISCOUNT_INACTIVE,          /* switched off by staff */
    SVC_DISCOUNT_NOT_STARTED,       /* before starts_at */
    SVC_DISCOUNT_EXPIRED,           /* at or after ends_at */
    SVC_DISCOUNT_EXHAUSTED,         /* times_used reached usage_limit */
    SVC_DISCOUNT_CUSTOMER_LIMIT,    /* this customer used it per_customer_limit times */
    SVC_DISCOUNT_CURRENCY_MISMATCH, /* a fixed code in another currency than the cart */
    SVC_DISCOUNT_BELOW_MINIMUM,     /* counting subtotal below min_subtotal */
} svc_discount_problem;

/* The code applied to a cart, as shown: it stays on the cart when it stops applying,
 * with amount 0 and the problem, so the shopper sees why. */
typedef struct svc_cart_discount {
    bool present;
    db_discount_facts facts;
    svc_discount_problem problem;
} svc_cart_discount;

/* A cart as shown: computed on read from current prices and stock. */
typedef struct svc_cart {
    db_cart cart;
    svc_cart_line *lines;
    size_t nlines;
    const char *currency;
    int64_t subtotal, discount, total;
    int64_t item_count; /* sum of the quantities of every line */
    bool has_shipping;  /* false when nothing counts towards the subtotal */
    svc_shipping_estimate shipping;
    svc_cart_discount code; /* present when a code is applied; priced by svc_cart_price */
} svc_cart;

/* An add-to-cart request: exactly one of variant_id (> 0) or sku, and a quantity. */
typedef struct svc_cart_item_input {
    int64_t variant_id;
    const char *sku;
    int quantity;
} svc_cart_item_input;

/* --- ids (db-free) --- */
/* Writes a new cart id (SVC_CART_ID_LEN characters + NUL) from 16 bytes of
 * RAND_bytes; false when the random generator fails. */
bool svc_cart_id_new(char out[SVC_CART_ID_LEN + 1]);
/* True when s has the shape of a cart id: exactly 22 base64url characters. */
bool svc_cart_id_valid(const char *s);

/* --- input (db-free) --- */
/* Parses POST .../items: {"variant_id": n} or {"sku": "..."} plus an optional
 * "quantity" (1..max_quantity, default 1). Unknown fields, both or neither of
 * variant_id/sku are field errors in e. */
sf_status svc_cart_item_input_parse(arena *a, const char *body, size_t len, int max_quantity,
                                    svc_cart_item_input *out, sf_error *e);
/* Parses PATCH .../items/{item_id}: {"quantity": 1..max_quantity} (required). */
sf_status svc_cart_quantity_parse(const char *body, size_t len, int max_quantity, int *quantity,
                                  sf_error *e);
/* Parses POST /v1/me/cart/merge: {"cart_id": "<22 base64url characters>"}. */
sf_status svc_cart_merge_input_parse(arena *a, const char *body, size_t len, const char **cart_id,
                                     sf_error *e);

/* Parses POST .../discount: {"code": "<3..32 of A-Z a-z 0-9 _ ->"}; *code is the
 * upper-cased code, in a. */
sf_status svc_cart_discount_input_parse(arena *a, const char *body, size_t len, const char **code,
                                        sf_error *e);

/* --- rules (db-free) --- */
/* Prices the cart in place from its lines and the active shipping methods of its
 * currency: line totals, problems, subtotal, the discount of cart->code (0 with a
 * problem, which is recorded in cart->code.problem), the shipping estimate and the
 * total. */
void svc_cart_price(svc_cart *cart, const db_shipping_method *methods, size_t nmethods);
/* The quantity of a line after merging `guest` units into `existing` ones (0 when the
 * customer had none): the sum, capped at max_line and, when the variant can be bought
 * and has stock, at that stock; a line the customer already had is never lowered. */
int svc_cart_merge_quantity(int existing, int guest, int stock, bool sellable, int max_line);
/* Why the code gives nothing to a cart with this counting subtotal and currency, or
 * SVC_DISCOUNT_OK. Checked in the order of the enum. */
svc_discount_problem svc_discount_check(const db_discount_facts *f, int64_t subtotal,
                                        const char *currency);
/* What a valid code takes off this subtotal: percent_off % rounded down to the minor
 * unit, or amount_off capped at the subtotal (never negative). */
int64_t svc_discount_amount(const db_discount_code *d, int64_t subtotal);
/* The API slug of a problem ("expired", ...); NULL for SVC_DISCOUNT_OK. */
const char *svc_discount_problem_str(svc_discount_problem p);

/* --- operations --- */
/* Creates an empty guest cart. */
sf_status svc_cart_create_guest(db_pool *pool, arena *a, const svc_cart_limits *lim, svc_cart *out,
                                sf_error *e);
/* The cart; for a customer, their open cart, created on the first call. */
sf_status svc_cart_get(db_pool *pool, arena *a, const svc_cart_limits *lim, const svc_cart_ref *ref,
                       svc_cart *out, sf_error *e);
/* Adds quantity of a variant (to its line when the cart has one). SF_INVALID naming
 * variant_id/sku for an unknown variant; SF_CONFLICT when it is not for sale, has
 * another currency than the cart, or a limit would be passed. */
sf_status svc_cart_add_item(db_pool *pool, arena *a, const svc_cart_limits *lim,
                            const svc_cart_ref *ref, const svc_cart_item_input *in, svc_cart *out,
                            sf_error *e);
/* Sets the quantity of one line; SF_NOT_FOUND when the item is not in this cart. */
sf_status svc_cart_update_item(db_pool *pool, arena *a, const svc_cart_limits *lim,
                               const svc_cart_ref *ref, int64_t item_id, int quantity,
                               svc_cart *out, sf_error *e);
/* Removes one line; SF_NOT_FOUND when the item is not in this cart. */
sf_status svc_cart_remove_item(db_pool *pool, arena *a, const svc_cart_limits *lim,
                               const svc_cart_ref *ref, int64_t item_id, svc_cart *out,
                               sf_error *e);
/* Merges the open guest cart guest_id into the customer's open cart (see
 * svc_cart_merge_quantity) and closes the guest cart as merged. A guest cart already
 * merged into this customer's cart changes nothing. SF_NOT_FOUND when guest_id is not
 * an open guest cart (unknown, expired, a customer's cart, merged elsewhere);
 * SF_CONFLICT when the result would mix currencies or pass max_lines. */
sf_status svc_cart_merge(db_pool *pool, arena *a, const svc_cart_limits *lim, const char *sub,
                         const char *guest_id, svc_cart *out, sf_error *e);

/* Applies the discount code `code` (upper-case) to the cart, replacing any other.
 * SF_NOT_FOUND when no active code has that name; SF_CONFLICT, with the reason in the
 * detail, when it does not apply now (svc_discount_check). */
sf_status svc_cart_discount_apply(db_pool *pool, arena *a, const svc_cart_limits *lim,
                                  const svc_cart_ref *ref, const char *code, svc_cart *out,
                                  sf_error *e);
/* Removes the cart's discount code; a cart without one is left as it is. */
sf_status svc_cart_discount_remove(db_pool *pool, arena *a, const svc_cart_limits *lim,
                                   const svc_cart_ref *ref, svc_cart *out, sf_error *e);

#endif
