/*
 * order_pricing.c — order_pricing.h: the money of an order, shared by checkout
 * (checkout.c) and quotes (quotes.c). Anything that changes what an order costs changes
 * here, once, for both.
 */
#include <string.h>

#include "storefront/db_carts.h"
#include "storefront/db_orders.h"
#include "storefront/order_pricing.h"

int64_t svc_tax_amount(int64_t taxable, int rate_bp)
{
    return (taxable * rate_bp + 5000) / 10000;
}

void svc_order_price(svc_cart *cart, const db_shipping_method *m, int rate_bp, svc_order_money *out)
{
    /* Priced with the one method: svc_cart_price then picks it (free over its
     * free_over_amount) instead of the cheapest of all. */
    svc_cart_price(cart, m, 1);
    out->currency = cart->currency;
    out->subtotal = cart->subtotal;
    out->discount = cart->discount;
    out->shipping = cart->has_shipping ? cart->shipping.amount : 0;
    /* Tax on the discounted goods, not on shipping, rounded half up to the minor unit. */
    out->tax = svc_tax_amount(out->subtotal - out->discount, rate_bp);
    out->total = out->subtotal - out->discount + out->shipping + out->tax;
}

sf_status svc_pricing_cart_load(db_conn *c, arena *a, const db_cart *row, int64_t customer_id,
                                svc_cart *cart, sf_error *e)
{
    memset(cart, 0, sizeof *cart);
    cart->cart = *row;
    db_cart_line *rows = NULL;
    size_t n = 0;
    sf_status s = db_cart_lines(c, a, row->id, &rows, &n, e);
    if (s != SF_OK)
        return s;
    if (n == 0)
        return sf_fail(e, SF_CONFLICT, "conflict", "Your cart is empty.");
    if (!row->discount_code_id_is_null) {
        s = db_discount_facts_get(c, a, NULL, row->discount_code_id, customer_id, &cart->code.facts,
                                  e);
        if (s != SF_OK)
            return s;
        cart->code.present = true;
    }
    /* Every line was checked against the first line's currency when it was added. */
    cart->currency = rows[0].currency;
    cart->lines = arena_calloc(a, n * sizeof *cart->lines);
    cart->nlines = n;
    for (size_t i = 0; i < n; i++)
        cart->lines[i].row = &rows[i];
    return SF_OK;
}

sf_status svc_pricing_method(db_conn *c, arena *a, const char *code, const char *currency,
                             db_shipping_method *out, sf_error *e)
{
    sf_status s = db_shipping_method_get(c, a, code, out, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        sf_field_fail(e, "shipping_method", "is not a shipping method we offer");
        return SF_INVALID;
    }
    if (s != SF_OK)
        return s;
    if (!out->active || strcmp(out->currency, currency) != 0) {
        sf_field_fail(e, "shipping_method", "is not offered for this cart");
        return SF_INVALID;
    }
    return SF_OK;
}

sf_status svc_pricing_tax_rate(db_conn *c, const char *country, int *rate_bp, sf_error *e)
{
    return db_tax_rate_bp(c, country, rate_bp, e);
}
