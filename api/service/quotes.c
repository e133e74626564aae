/*
 * quotes.c — quotes.h: a cart priced for a destination with every shipping method. One
 * read-only pass on one connection, without a transaction or a lock: the figures are
 * those of the moment, and every one comes from order_pricing.c, like checkout's.
 */
#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "storefront/addresses.h"
#include "storefront/catalog.h"
#include "storefront/db_addresses.h"
#include "storefront/db_carts.h"
#include "storefront/jsonutil.h"
#include "storefront/quotes.h"

static void parse_destination(arena *a, json_t *addr, svc_quote_input *out, sf_error *e);
static const char *opt_text(arena *a, json_t *v, const char *field, size_t max, sf_error *e);
static sf_status find_cart(db_conn *c, arena *a, const svc_checkout_owner *owner,
                           int64_t *customer_id, db_cart *cart, sf_error *e);
static sf_status destination(db_conn *c, arena *a, int64_t customer_id, const svc_quote_input *in,
                             svc_quote *out, sf_error *e);

sf_status svc_quote_input_parse(arena *a, const char *body, size_t len, bool guest,
                                svc_quote_input *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    json_t *root = json_parse_body(body, len, e);
    if (!root)
        return e->status;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "shipping_address_id") && strcmp(k, "shipping_address") &&
            strcmp(k, "shipping_method"))
            sf_field_fail(e, k, "is not a known field");
    }
    json_t *id = json_object_get(root, "shipping_address_id");
    json_t *addr = json_object_get(root, "shipping_address");
    if (guest && id)
        sf_field_fail(e, "shipping_address_id", "guests give a shipping_address");
    else if (guest && !addr)
        sf_field_fail(e, "shipping_address", "is required");
    else if ((id != NULL) == (addr != NULL))
        sf_field_fail(e, "shipping_address_id",
                      "give exactly one of shipping_address_id or shipping_address");
    else if (id && (!json_is_integer(id) || json_integer_value(id) < 1 ||
                    json_integer_value(id) >= ((json_int_t)1 << 53)))
        sf_field_fail(e, "shipping_address_id", "must be a positive integer below 2^53");
    else if (id)
        out->address_id = json_integer_value(id);
    if (addr)
        parse_destination(a, addr, out, e);
    json_t *sm = json_object_get(root, "shipping_method");
    if (sm && !json_is_null(sm)) {
        if (!json_is_string(sm) || json_string_length(sm) < 1 || json_string_length(sm) > 32)
            sf_field_fail(e, "shipping_method", "must be a shipping method code");
        else
            out->shipping_method = arena_strdup(a, json_string_value(sm));
    }
    json_decref(root);
    return e->status;
}

sf_status svc_cart_quote(db_pool *pool, arena *a, const svc_checkout_owner *owner,
                         const svc_quote_input *in, svc_quote *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id = 0;
    db_cart row;
    svc_cart cart;
    db_shipping_method *methods = NULL;
    size_t nmethods = 0;
    sf_status s = find_cart(c, a, owner, &customer_id, &row, e);
    if (s == SF_OK)
        s = destination(c, a, customer_id, in, out, e);
    /* The same steps as checkout's place_tx: the cart, the method, the rate, the price. */
    if (s == SF_OK)
        s = svc_pricing_cart_load(c, a, &row, customer_id, &cart, e);
    if (s == SF_OK)
        s = db_shipping_methods_active(c, a, cart.currency, &methods, &nmethods, e);
    if (s == SF_OK && nmethods == 0)
        s = sf_fail(e, SF_CONFLICT, "conflict", "No shipping method is offered for a cart in %s.",
                    cart.currency);
    db_shipping_method chosen;
    if (s == SF_OK && in->shipping_method)
        s = svc_pricing_method(c, a, in->shipping_method, cart.currency, &chosen, e);
    if (s == SF_OK)
        s = svc_pricing_tax_rate(c, out->country, &out->tax_rate_bp, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    out->methods = arena_calloc(a, nmethods * sizeof *out->methods);
    out->nmethods = nmethods;
    size_t cheapest = 0;
    for (size_t i = 0; i < nmethods; i++) {
        const db_shipping_method *m = &methods[i];
        svc_order_money money;
        svc_order_price(&cart, m, out->tax_rate_bp, &money);
        out->methods[i] = (svc_quote_method){
            .code = m->code,
            .name = m->name,
            .price = money.shipping,
            .has_estimate = !m->delivery_min_days_is_null && !m->delivery_max_days_is_null,
            .min_days = m->delivery_min_days,
            .max_days = m->delivery_max_days,
        };
        /* Cheapest first by price, then by the staff's order (methods come by position). */
        if (money.shipping < out->methods[cheapest].price)
            cheapest = i;
    }
    const db_shipping_method *use = in->shipping_method ? &chosen : &methods[cheapest];
    svc_order_price(&cart, use, out->tax_rate_bp, &out->money);
    out->shipping_method = use->code;
    if (cart.code.present)
        out->discount_code = cart.code.facts.code.code;
    return SF_OK;
}

/* --- static helpers --------------------------------------------------------------- */

/* A partial address: country (required, ISO 3166-1 alpha-2, any case), region and
 * postal code. The other address fields a checkout form holds are accepted and not used:
 * the rate and the methods depend on the country alone. */
static void parse_destination(arena *a, json_t *addr, svc_quote_input *out, sf_error *e)
{
    if (!json_is_object(addr)) {
        sf_field_fail(e, "shipping_address", "must be an address object");
        return;
    }
    static const char *const known[] = {"name",   "phone",       "line1",   "line2", "city",
                                        "region", "postal_code", "country", NULL};
    const char *k;
    json_t *v;
    json_object_foreach(addr, k, v)
    {
        bool ok = false;
        for (int i = 0; known[i]; i++)
            ok = ok || strcmp(k, known[i]) == 0;
        if (!ok)
            sf_field_fail(e, arena_sprintf(a, "shipping_address.%s", k), "is not a known field");
    }
    json_t *cv = json_object_get(addr, "country");
    const char *cs = json_string_value(cv);
    char code[3] = {0};
    if (cs && strlen(cs) == 2) {
        code[0] = (char)toupper((unsigned char)cs[0]);
        code[1] = (char)toupper((unsigned char)cs[1]);
    }
    if (!cv)
        sf_field_fail(e, "shipping_address.country", "is required");
    else if (!svc_country_valid(code))
        sf_field_fail(e, "shipping_address.country",
                      "must be a country we ship to (an ISO 3166-1 alpha-2 code such as DE)");
    else
        out->country = arena_strdup(a, code);
    out->region = opt_text(a, json_object_get(addr, "region"), "shipping_address.region", 100, e);
    out->postal_code =
        opt_text(a, json_object_get(addr, "postal_code"), "shipping_address.postal_code", 20, e);
}

/* An optional string of at most max characters; null or absent = NULL. */
static const char *opt_text(arena *a, json_t *v, const char *field, size_t max, sf_error *e)
{
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        sf_field_fail(e, field, "must be text of at most %zu characters", max);
        return NULL;
    }
    return arena_strdup(a, json_string_value(v));
}

/* The cart to quote, unlocked: a guest cart must be open, unexpired and nobody's (else
 * 404, like GET /v1/carts/{id}); a customer without an open cart has an empty one. */
static sf_status find_cart(db_conn *c, arena *a, const svc_checkout_owner *owner,
                           int64_t *customer_id, db_cart *cart, sf_error *e)
{
    bool past = false;
    sf_status s;
    if (owner->sub) {
        s = db_customer_id_by_sub(c, owner->sub, customer_id, e);
        if (s == SF_OK)
            s = db_cart_find_open_by_customer(c, a, *customer_id, false, cart, &past, e);
        if (s == SF_NOT_FOUND || (s == SF_OK && past)) {
            sf_error_clear(e);
            return sf_fail(e, SF_CONFLICT, "conflict", "Your cart is empty.");
        }
        return s;
    }
    *customer_id = 0;
    s = db_cart_find(c, a, owner->cart_id, false, cart, &past, e);
    if (s == SF_NOT_FOUND || (s == SF_OK && (past || !cart->customer_id_is_null ||
                                             cart->status != DB_CART_STATUS_OPEN))) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart.");
    }
    return s;
}

/* The destination: the inline one as parsed, or the caller's saved address (404 when it
 * is not theirs, as checkout answers). */
static sf_status destination(db_conn *c, arena *a, int64_t customer_id, const svc_quote_input *in,
                             svc_quote *out, sf_error *e)
{
    if (!in->address_id) {
        out->country = in->country;
        out->region = in->region;
        out->postal_code = in->postal_code;
        return SF_OK;
    }
    db_address ad;
    sf_status s = svc_address_get_owned(c, a, customer_id, in->address_id, &ad, e);
    if (s != SF_OK)
        return s;
    out->country = ad.country;
    out->region = ad.region_is_null ? NULL : ad.region;
    out->postal_code = ad.postal_code_is_null ? NULL : ad.postal_code;
    return SF_OK;
}
