/*
 * quotes.h — POST /v1/me/cart/quote and POST /v1/carts/{id}/quote: for a cart and a
 * destination, every shipping method the cart can use with its price and delivery
 * estimate, the tax, and the total that checkout will charge with the chosen (or
 * cheapest) method. Priced by order_pricing.c, the code checkout charges with, so a
 * quote and the order placed right after it agree to the minor unit.
 *
 * A quote reads and writes nothing that checkout would lock: no stock is held, no code
 * is used. Prices, stock or a code may change between the quote and the order; the order
 * then charges the new figures (docs/checkout.md).
 */
#ifndef STOREFRONT_QUOTES_H
#define STOREFRONT_QUOTES_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/db.h"
#include "storefront/order_pricing.h"
#include "storefront/orders.h"

/* A parsed quote body: a saved address (address_id > 0; signed-in only) or a partial
 * address (country required; region and postal_code optional), and the method to total
 * with (NULL: the cheapest). */
typedef struct svc_quote_input {
    int64_t address_id;
    const char *country, *region, *postal_code;
    const char *shipping_method;
} svc_quote_input;

/* One shipping method as quoted: its price for this cart, and its delivery estimate in
 * business days (has_estimate false when staff gave it none). */
typedef struct svc_quote_method {
    const char *code, *name;
    int64_t price;
    bool has_estimate;
    int min_days, max_days;
} svc_quote_method;

/* A quote: the destination as priced, every method, and the money with the chosen one.
 * Strings and arrays in the request arena. */
typedef struct svc_quote {
    const char *country, *region, *postal_code;
    svc_quote_method *methods;
    size_t nmethods;
    const char *shipping_method; /* the chosen (or cheapest) method's code */
    const char *discount_code;   /* the code on the cart, NULL when none */
    int tax_rate_bp;
    svc_order_money money;
} svc_quote;

/* Parses the body. guest: shipping_address_id is refused (a guest has no saved
 * addresses). Unknown fields, both or neither destination, an unknown country, over-long
 * text are field errors (SF_INVALID). */
sf_status svc_quote_input_parse(arena *a, const char *body, size_t len, bool guest,
                                svc_quote_input *out, sf_error *e);

/* Quotes the owner's cart (svc_checkout_owner: the signed-in customer's open cart, or a
 * guest cart by id). SF_NOT_FOUND for a guest cart that is not open (unknown, expired,
 * checked out, a customer's) or a saved address that is not the caller's; SF_CONFLICT
 * for an empty cart or one no active shipping method serves; SF_INVALID naming
 * shipping_method for a method that is unknown or not offered for this cart. */
sf_status svc_cart_quote(db_pool *pool, arena *a, const svc_checkout_owner *owner,
                         const svc_quote_input *in, svc_quote *out, sf_error *e);

#endif
