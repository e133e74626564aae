/*
 * cart_rules.c — the parts of carts that need no database (see carts.h): cart ids,
 * request bodies, pricing (discount codes included) and the merge quantity rule. Kept apart from
 * carts.c so tests/unit can check them directly.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "storefront/carts.h"
#include "storefront/jsonutil.h"
#include "storefront/text.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static json_t *parse_object(const char *body, size_t len, sf_error *e);
static bool parse_quantity(json_t *v, int max_quantity, int *out, sf_error *e);

/* --- ids -------------------------------------------------------------------------- */

bool svc_cart_id_new(char out[SVC_CART_ID_LEN + 1])
{
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return false;
    char buf[32];
    base64url_encode(rnd, sizeof rnd, buf);
    memcpy(out, buf, SVC_CART_ID_LEN);
    out[SVC_CART_ID_LEN] = '\0';
    return true;
}

bool svc_cart_id_valid(const char *s)
{
    return s && strlen(s) == SVC_CART_ID_LEN && strspn(s, b64url_alphabet) == SVC_CART_ID_LEN;
}

/* --- input ------------------------------------------------------------------------ */

sf_status svc_cart_item_input_parse(arena *a, const char *body, size_t len, int max_quantity,
                                    svc_cart_item_input *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    out->quantity = 1;
    json_t *j = parse_object(body, len, e);
    if (!j)
        return e->status;
    bool has_variant = false, has_sku = false;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "variant_id") == 0) {
            has_variant = true;
            json_int_t id = json_is_integer(v) ? json_integer_value(v) : 0;
            if (id < 1 || id >= ((json_int_t)1 << 53))
                sf_field_fail(e, "variant_id", "must be a positive integer below 2^53");
            else
                out->variant_id = (int64_t)id;
        } else if (strcmp(key, "sku") == 0) {
            has_sku = true;
            const char *s = json_is_string(v) ? json_string_value(v) : NULL;
            size_t n = s ? json_string_length(v) : 0;
            bool control = false;
            for (size_t i = 0; i < n; i++)
                control |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
            if (!s || n == 0 || utf8_length(s, n) > 64 || control)
                sf_field_fail(e, "sku", "must be a SKU of 1 to 64 characters");
            else
                out->sku = arena_strndup(a, s, n);
        } else if (strcmp(key, "quantity") == 0) {
            parse_quantity(v, max_quantity, &out->quantity, e);
        } else {
            sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
        }
    }
    json_decref(j);
    if (has_variant && has_sku) {
        sf_field_fail(e, "variant_id", "give either variant_id or sku, not both");
        sf_field_fail(e, "sku", "give either variant_id or sku, not both");
    } else if (!has_variant && !has_sku) {
        sf_field_fail(e, "variant_id", "one of variant_id or sku is required");
        sf_field_fail(e, "sku", "one of variant_id or sku is required");
    }
    return e->status;
}

sf_status svc_cart_quantity_parse(const char *body, size_t len, int max_quantity, int *quantity,
                                  sf_error *e)
{
    json_t *j = parse_object(body, len, e);
    if (!j)
        return e->status;
    bool seen = false;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "quantity") == 0) {
            seen = true;
            parse_quantity(v, max_quantity, quantity, e);
        } else {
            char field[64];
            snprintf(field, sizeof field, "%.60s", key);
            sf_field_fail(e, field, "is not a known field");
        }
    }
    json_decref(j);
    if (!seen)
        sf_field_fail(e, "quantity", "is required");
    return e->status;
}

sf_status svc_cart_merge_input_parse(arena *a, const char *body, size_t len, const char **cart_id,
                                     sf_error *e)
{
    *cart_id = NULL;
    json_t *j = parse_object(body, len, e);
    if (!j)
        return e->status;
    bool seen = false;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "cart_id") == 0) {
            seen = true;
            const char *s = json_is_string(v) ? json_string_value(v) : NULL;
            if (!svc_cart_id_valid(s))
                sf_field_fail(e, "cart_id", "must be a cart id (22 base64url characters)");
            else
                *cart_id = arena_strdup(a, s);
        } else {
            sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
        }
    }
    json_decref(j);
    if (!seen)
        sf_field_fail(e, "cart_id", "is required");
    return e->status;
}

sf_status svc_cart_discount_input_parse(arena *a, const char *body, size_t len, const char **code,
                                        sf_error *e)
{
    *code = NULL;
    json_t *j = parse_object(body, len, e);
    if (!j)
        return e->status;
    bool seen = false;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "code") == 0) {
            seen = true;
            const char *s = json_is_string(v) ? json_string_value(v) : NULL;
            size_t n = s ? json_string_length(v) : 0;
            if (!s || n < 3 || n > 32 || strspn(s, b64url_alphabet) != n) {
                sf_field_fail(e, "code", "must be 3 to 32 letters, digits, '-' or '_'");
            } else {
                char *up = arena_strndup(a, s, n);
                for (char *p = up; *p; p++)
                    if (*p >= 'a' && *p <= 'z')
                        *p = (char)(*p - 'a' + 'A');
                *code = up;
            }
        } else {
            sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
        }
    }
    json_decref(j);
    if (!seen)
        sf_field_fail(e, "code", "is required");
    return e->status;
}

/* --- rules ------------------------------------------------------------------------ */

void svc_cart_price(svc_cart *cart, const db_shipping_method *methods, size_t nmethods)
{
    cart->subtotal = 0;
    cart->discount = 0;
    cart->item_count = 0;
    bool any_counted = false;
    for (size_t i = 0; i < cart->nlines; i++) {
        svc_cart_line *l = &cart->lines[i];
        const db_cart_line *r = l->row;
        l->line_total = r->price_amount * r->quantity;
        l->available_quantity = 0;
        if (!r->sellable || strcmp(r->currency, cart->currency) != 0) {
            /* Shown and flagged, never dropped; not counted, checkout will refuse it. */
            l->problem = SVC_LINE_UNAVAILABLE;
        } else if (r->quantity > r->stock) {
            l->problem = SVC_LINE_INSUFFICIENT_STOCK;
            l->available_quantity = r->stock > 0 ? r->stock : 0;
        } else {
            l->problem = SVC_LINE_OK;
        }
        l->counted = l->problem != SVC_LINE_UNAVAILABLE;
        if (l->counted) {
            cart->subtotal += l->line_total;
            any_counted = true;
        }
        cart->item_count += r->quantity;
    }
    if (cart->code.present) {
        /* A code that stopped applying stays on the cart with its reason and 0 off. */
        cart->code.problem = svc_discount_check(&cart->code.facts, cart->subtotal, cart->currency);
        if (cart->code.problem == SVC_DISCOUNT_OK)
            cart->discount = svc_discount_amount(&cart->code.facts.code, cart->subtotal);
    }
    /* Shipping is estimated on the subtotal before the discount. */
    cart->has_shipping = false;
    if (any_counted) {
        /* The cheapest method for this subtotal; on a tie the first by position. */
        for (size_t i = 0; i < nmethods; i++) {
            const db_shipping_method *m = &methods[i];
            if (!m->active || strcmp(m->currency, cart->currency) != 0)
                continue;
            bool free = !m->free_over_amount_is_null && cart->subtotal >= m->free_over_amount;
            int64_t price = free ? 0 : m->price_amount;
            if (!cart->has_shipping || price < cart->shipping.amount) {
                cart->has_shipping = true;
                cart->shipping =
                    (svc_shipping_estimate){.code = m->code, .name = m->name, .amount = price};
            }
        }
    }
    cart->total =
        cart->subtotal - cart->discount + (cart->has_shipping ? cart->shipping.amount : 0);
}

int svc_cart_merge_quantity(int existing, int guest, int stock, bool sellable, int max_line)
{
    int q = existing + guest;
    if (q > max_line)
        q = max_line;
    /* Cap at the stock only where there is some to buy: a line that cannot be bought
     * at all is carried over as it is and shown flagged, so nothing vanishes. */
    if (sellable && stock > 0 && q > stock)
        q = stock;
    return q < existing ? existing : q;
}

svc_discount_problem svc_discount_check(const db_discount_facts *f, int64_t subtotal,
                                        const char *currency)
{
    const db_discount_code *d = &f->code;
    if (!d->active)
        return SVC_DISCOUNT_INACTIVE;
    if (f->not_started)
        return SVC_DISCOUNT_NOT_STARTED;
    if (f->ended)
        return SVC_DISCOUNT_EXPIRED;
    if (!d->usage_limit_is_null && d->times_used >= d->usage_limit)
        return SVC_DISCOUNT_EXHAUSTED;
    if (!d->per_customer_limit_is_null && f->customer_uses >= d->per_customer_limit)
        return SVC_DISCOUNT_CUSTOMER_LIMIT;
    if (d->kind == DB_DISCOUNT_KIND_FIXED &&
        (d->currency_is_null || strcmp(d->currency, currency) != 0))
        return SVC_DISCOUNT_CURRENCY_MISMATCH;
    if (subtotal < d->min_subtotal)
        return SVC_DISCOUNT_BELOW_MINIMUM;
    return SVC_DISCOUNT_OK;
}

int64_t svc_discount_amount(const db_discount_code *d, int64_t subtotal)
{
    if (subtotal <= 0)
        return 0;
    if (d->kind == DB_DISCOUNT_KIND_PERCENT) {
        int64_t pct = d->percent_off_is_null ? 0 : d->percent_off;
        /* Split so subtotal * pct cannot overflow; integer division rounds down. */
        return subtotal / 100 * pct + subtotal % 100 * pct / 100;
    }
    int64_t off = d->amount_off_is_null ? 0 : d->amount_off;
    return off < subtotal ? off : subtotal;
}

const char *svc_discount_problem_str(svc_discount_problem p)
{
    switch (p) {
    case SVC_DISCOUNT_INACTIVE: return "inactive";
    case SVC_DISCOUNT_NOT_STARTED: return "not_started";
    case SVC_DISCOUNT_EXPIRED: return "expired";
    case SVC_DISCOUNT_EXHAUSTED: return "exhausted";
    case SVC_DISCOUNT_CUSTOMER_LIMIT: return "customer_limit_reached";
    case SVC_DISCOUNT_CURRENCY_MISMATCH: return "currency_mismatch";
    case SVC_DISCOUNT_BELOW_MINIMUM: return "below_minimum";
    case SVC_DISCOUNT_OK: break;
    }
    return NULL;
}

/* --- static helpers --------------------------------------------------------------- */

static json_t *parse_object(const char *body, size_t len, sf_error *e)
{
    json_t *j = json_parse_body(body, len, e);
    if (!j)
        return NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
        return NULL;
    }
    return j;
}

static bool parse_quantity(json_t *v, int max_quantity, int *out, sf_error *e)
{
    json_int_t q = json_is_integer(v) ? json_integer_value(v) : 0;
    if (q < 1 || q > max_quantity) {
        sf_field_fail(e, "quantity", "must be an integer from 1 to %d", max_quantity);
        return false;
    }
    *out = (int)q;
    return true;
}
