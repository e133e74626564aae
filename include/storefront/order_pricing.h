/*
 * order_pricing.h — the one pricing path of an order: what checkout charges and what a
 * quote (POST /v1/me/cart/quote, POST /v1/carts/{id}/quote) shows are computed by these
 * functions and nothing else, so a quote and the order placed after it cannot disagree
 * (tests/api/quotes.test.mjs compares them for many random carts).
 *
 * The money of an order, in the cart's currency (minor units):
 *   subtotal  sum of the sellable lines (svc_cart_price)
 *   discount  the cart's code, 0 when it no longer applies (svc_cart_price)
 *   shipping  the method's price, 0 when the subtotal reaches its free_over_amount
 *   tax       (subtotal - discount) x the destination country's rate, half up
 *   total     subtotal - discount + shipping + tax
 */
#ifndef STOREFRONT_ORDER_PRICING_H
#define STOREFRONT_ORDER_PRICING_H

#include <stdint.h>

#include "storefront/carts.h"
#include "storefront/db.h"

/* The money of one order (or one quoted method), in the cart's currency. */
typedef struct svc_order_money {
    const char *currency;
    int64_t subtotal, discount, shipping, tax, total;
} svc_order_money;

/* --- rules (db-free) --- */

/* Tax on `taxable` minor units at rate_bp basis points, rounded half up (taxable >= 0). */
int64_t svc_tax_amount(int64_t taxable, int rate_bp);

/* Prices cart (lines and code loaded; svc_pricing_cart_load) for shipping method m to a
 * country taxed at rate_bp: cart is re-priced in place for m (svc_cart_price with m
 * alone) and *out is the order's money. Pure: the same inputs always give the same
 * money. */
void svc_order_price(svc_cart *cart, const db_shipping_method *m, int rate_bp,
                     svc_order_money *out);

/* --- loading (one connection, inside or outside a transaction) --- */

/* Reads the lines and the applied code of the cart row `row` into *cart (customer_id 0:
 * a guest cart, whose code is judged without a customer). SF_CONFLICT "Your cart is
 * empty." when it has no lines. cart is left unpriced. */
sf_status svc_pricing_cart_load(db_conn *c, arena *a, const db_cart *row, int64_t customer_id,
                                svc_cart *cart, sf_error *e);

/* The shipping method `code` as checkout may use it for a cart in `currency`:
 * SF_INVALID naming shipping_method when it is unknown ("is not a shipping method we
 * offer") or inactive / in another currency ("is not offered for this cart"). */
sf_status svc_pricing_method(db_conn *c, arena *a, const char *code, const char *currency,
                             db_shipping_method *out, sf_error *e);

/* The tax rate of a destination country (ISO 3166-1 alpha-2) in basis points; 0 for a
 * country without a rate. The region and postal code do not change the rate (tax_rates
 * has one rate per country). */
sf_status svc_pricing_tax_rate(db_conn *c, const char *country, int *rate_bp, sf_error *e);

#endif
