/*
 * h_quotes.c — POST /v1/me/cart/quote (the caller's cart) and POST /v1/carts/{id}/quote
 * (a guest cart; the id is the capability, as for every guest cart route): the body
 * names the destination, the answer is a CartQuote (quotes.h). Nothing is written, but a
 * quote is about one person's cart, so it is never cached by a shared cache.
 */
#include <string.h>

#include "http/http.h"
#include "storefront/quotes.h"

static void quote(http_ctx *c, const svc_checkout_owner *owner, bool guest);
static void send_quote(http_ctx *c, const svc_quote *q);
static void write_money(jw *w, const char *key, int64_t amount, const char *currency);

void h_me_cart_quote(http_ctx *c)
{
    const svc_checkout_owner owner = {.sub = c->principal.sub};
    quote(c, &owner, false);
}

void h_carts_quote(http_ctx *c)
{
    const svc_checkout_owner owner = {.cart_id = c->path_param};
    quote(c, &owner, true);
}

static void quote(http_ctx *c, const svc_checkout_owner *owner, bool guest)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_quote_input in;
    svc_quote q;
    if (svc_quote_input_parse(c->a, body, len, guest, &in, &e) != SF_OK ||
        svc_cart_quote(c->app->pool, c->a, owner, &in, &q, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_quote(c, &q);
}

static void send_quote(http_ctx *c, const svc_quote *q)
{
    const char *cur = q->money.currency;
    jw w;
    jw_init(&w, 1024 + q->nmethods * 256);
    jw_obj_begin(&w);
    jw_key(&w, "currency");
    jw_str(&w, cur);
    jw_key(&w, "destination");
    jw_obj_begin(&w);
    jw_key(&w, "country");
    jw_str(&w, q->country);
    jw_key(&w, "region");
    jw_str(&w, q->region);
    jw_key(&w, "postal_code");
    jw_str(&w, q->postal_code);
    jw_obj_end(&w);
    write_money(&w, "subtotal", q->money.subtotal, cur);
    write_money(&w, "discount", q->money.discount, cur);
    jw_key(&w, "discount_code");
    jw_str(&w, q->discount_code);
    jw_key(&w, "shipping_methods");
    jw_arr_begin(&w);
    for (size_t i = 0; i < q->nmethods; i++) {
        const svc_quote_method *m = &q->methods[i];
        jw_obj_begin(&w);
        jw_key(&w, "code");
        jw_str(&w, m->code);
        jw_key(&w, "name");
        jw_str(&w, m->name);
        write_money(&w, "price", m->price, cur);
        jw_key(&w, "delivery_estimate");
        if (m->has_estimate) {
            jw_obj_begin(&w);
            jw_key(&w, "min_days");
            jw_int(&w, m->min_days);
            jw_key(&w, "max_days");
            jw_int(&w, m->max_days);
            jw_obj_end(&w);
        } else {
            jw_null(&w);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "shipping_method");
    jw_str(&w, q->shipping_method);
    write_money(&w, "shipping", q->money.shipping, cur);
    jw_key(&w, "tax_rate_bp");
    jw_int(&w, q->tax_rate_bp);
    write_money(&w, "tax", q->money.tax, cur);
    write_money(&w, "total", q->money.total, cur);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

static void write_money(jw *w, const char *key, int64_t amount, const char *currency)
{
    jw_key(w, key);
    jw_obj_begin(w);
    jw_key(w, "amount");
    jw_int(w, amount);
    jw_key(w, "currency");
    jw_str(w, currency);
    jw_obj_end(w);
}
