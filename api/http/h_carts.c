/*
 * h_carts.c — /v1/carts/{id} (guest carts: the id is the capability, no token) and
 * /v1/me/cart (the signed-in customer's cart): read, add, change and remove lines,
 * merge a guest cart at sign-in, apply or remove a discount code. Path ids were validated by the
 * pipeline; which cart an id may reach, the limits and the pricing are the service's business.
 * Every answer is the whole cart, priced on read, and never cacheable by a shared cache.
 */
#include <string.h>

#include "http/http.h"
#include "storefront/carts.h"

static svc_cart_limits limits(const http_ctx *c);
static svc_cart_ref guest_ref(const http_ctx *c);
static svc_cart_ref customer_ref(const http_ctx *c);
static void get_cart(http_ctx *c, svc_cart_ref ref);
static void add_item(http_ctx *c, svc_cart_ref ref);
static void update_item(http_ctx *c, svc_cart_ref ref);
static void remove_item(http_ctx *c, svc_cart_ref ref);
static void apply_discount(http_ctx *c, svc_cart_ref ref);
static void remove_discount(http_ctx *c, svc_cart_ref ref);
static void write_discount_code(jw *w, const svc_cart *cart);
static void send_cart(http_ctx *c, int status, const svc_cart *cart);
static void write_line(jw *w, const svc_cart_line *l);
static void write_money(jw *w, const char *key, int64_t amount, const char *currency);

/* --- guest carts ------------------------------------------------------------------ */

void h_carts_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_cart_limits lim = limits(c);
    svc_cart cart;
    c->private_cache = true;
    if (svc_cart_create_guest(c->app->pool, c->a, &lim, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->location = arena_sprintf(c->a, "/v1/carts/%s", cart.cart.id);
    send_cart(c, 201, &cart);
}

void h_carts_get(http_ctx *c)
{
    get_cart(c, guest_ref(c));
}

void h_carts_add_item(http_ctx *c)
{
    add_item(c, guest_ref(c));
}

void h_carts_update_item(http_ctx *c)
{
    update_item(c, guest_ref(c));
}

void h_carts_remove_item(http_ctx *c)
{
    remove_item(c, guest_ref(c));
}

void h_carts_discount_apply(http_ctx *c)
{
    apply_discount(c, guest_ref(c));
}

void h_carts_discount_remove(http_ctx *c)
{
    remove_discount(c, guest_ref(c));
}

/* --- the signed-in customer's cart ------------------------------------------------ */

void h_me_cart_get(http_ctx *c)
{
    get_cart(c, customer_ref(c));
}

void h_me_cart_add_item(http_ctx *c)
{
    add_item(c, customer_ref(c));
}

void h_me_cart_update_item(http_ctx *c)
{
    update_item(c, customer_ref(c));
}

void h_me_cart_remove_item(http_ctx *c)
{
    remove_item(c, customer_ref(c));
}

void h_me_cart_merge(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body, *guest_id;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_cart_limits lim = limits(c);
    svc_cart cart;
    if (svc_cart_merge_input_parse(c->a, body, len, &guest_id, &e) != SF_OK ||
        svc_cart_merge(c->app->pool, c->a, &lim, c->principal.sub, guest_id, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

void h_me_cart_discount_apply(http_ctx *c)
{
    apply_discount(c, customer_ref(c));
}

void h_me_cart_discount_remove(http_ctx *c)
{
    remove_discount(c, customer_ref(c));
}

/* --- shared by both route families ------------------------------------------------ */

static void get_cart(http_ctx *c, svc_cart_ref ref)
{
    sf_error e;
    sf_error_clear(&e);
    svc_cart_limits lim = limits(c);
    svc_cart cart;
    c->private_cache = true;
    if (svc_cart_get(c->app->pool, c->a, &lim, &ref, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

static void add_item(http_ctx *c, svc_cart_ref ref)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body;
    size_t len;
    c->private_cache = true;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_cart_limits lim = limits(c);
    svc_cart_item_input in;
    svc_cart cart;
    if (svc_cart_item_input_parse(c->a, body, len, lim.max_line_quantity, &in, &e) != SF_OK ||
        svc_cart_add_item(c->app->pool, c->a, &lim, &ref, &in, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

static void update_item(http_ctx *c, svc_cart_ref ref)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body;
    size_t len;
    c->private_cache = true;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_cart_limits lim = limits(c);
    int quantity;
    svc_cart cart;
    if (svc_cart_quantity_parse(body, len, lim.max_line_quantity, &quantity, &e) != SF_OK ||
        svc_cart_update_item(c->app->pool, c->a, &lim, &ref, c->path_item_id, quantity, &cart,
                             &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

static void remove_item(http_ctx *c, svc_cart_ref ref)
{
    sf_error e;
    sf_error_clear(&e);
    svc_cart_limits lim = limits(c);
    svc_cart cart;
    c->private_cache = true;
    if (svc_cart_remove_item(c->app->pool, c->a, &lim, &ref, c->path_item_id, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

static void apply_discount(http_ctx *c, svc_cart_ref ref)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body, *code;
    size_t len;
    c->private_cache = true;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_cart_limits lim = limits(c);
    svc_cart cart;
    if (svc_cart_discount_input_parse(c->a, body, len, &code, &e) != SF_OK ||
        svc_cart_discount_apply(c->app->pool, c->a, &lim, &ref, code, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

static void remove_discount(http_ctx *c, svc_cart_ref ref)
{
    sf_error e;
    sf_error_clear(&e);
    svc_cart_limits lim = limits(c);
    svc_cart cart;
    c->private_cache = true;
    if (svc_cart_discount_remove(c->app->pool, c->a, &lim, &ref, &cart, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_cart(c, 200, &cart);
}

static svc_cart_limits limits(const http_ctx *c)
{
    const sf_config *cfg = &c->app->cfg;
    return (svc_cart_limits){.max_line_quantity = cfg->cart_max_line_quantity,
                             .max_lines = cfg->cart_max_lines,
                             .idle_ttl_s = cfg->cart_idle_ttl_s};
}

static svc_cart_ref guest_ref(const http_ctx *c)
{
    return (svc_cart_ref){.cart_id = c->path_param};
}

static svc_cart_ref customer_ref(const http_ctx *c)
{
    return (svc_cart_ref){.sub = c->principal.sub};
}

/* --- rendering -------------------------------------------------------------------- */

static void send_cart(http_ctx *c, int status, const svc_cart *cart)
{
    jw w;
    jw_init(&w, 1024 + cart->nlines * 640);
    jw_obj_begin(&w);
    jw_key(&w, "id");
    jw_str(&w, cart->cart.id);
    jw_key(&w, "status");
    jw_str(&w, db_cart_status_str(cart->cart.status));
    jw_key(&w, "currency");
    jw_str(&w, cart->currency);
    jw_key(&w, "lines");
    jw_arr_begin(&w);
    for (size_t i = 0; i < cart->nlines; i++)
        write_line(&w, &cart->lines[i]);
    jw_arr_end(&w);
    jw_key(&w, "item_count");
    jw_int(&w, cart->item_count);
    write_money(&w, "subtotal", cart->subtotal, cart->currency);
    write_money(&w, "discount", cart->discount, cart->currency);
    write_discount_code(&w, cart);
    jw_key(&w, "shipping_estimate");
    if (cart->has_shipping) {
        jw_obj_begin(&w);
        jw_key(&w, "method");
        jw_str(&w, cart->shipping.code);
        jw_key(&w, "name");
        jw_str(&w, cart->shipping.name);
        write_money(&w, "price", cart->shipping.amount, cart->currency);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    write_money(&w, "total", cart->total, cart->currency);
    jw_key(&w, "created_at");
    jw_str(&w, cart->cart.created_at);
    jw_key(&w, "updated_at");
    jw_str(&w, cart->cart.updated_at);
    jw_key(&w, "expires_at");
    jw_str(&w, cart->cart.expires_at);
    jw_obj_end(&w);
    http_send_json(c, status, &w);
}

static void write_line(jw *w, const svc_cart_line *l)
{
    const db_cart_line *r = l->row;
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, r->id);
    jw_key(w, "variant_id");
    jw_int(w, r->variant_id);
    jw_key(w, "sku");
    jw_str(w, r->sku);
    jw_key(w, "product");
    jw_obj_begin(w);
    http_write_ref_fields(w, r->product_id, r->product_slug, r->product_name);
    jw_obj_end(w);
    jw_key(w, "variant_name");
    jw_str(w, r->variant_name);
    jw_key(w, "options");
    /* options is a jsonb object written by us (seed/admin), so it is emitted as is. */
    if (r->options && r->options[0] == '{')
        jw_raw(w, r->options, strlen(r->options));
    else
        jw_raw(w, "{}", 2);
    jw_key(w, "image");
    if (r->image_url) {
        jw_obj_begin(w);
        jw_key(w, "url");
        jw_str(w, r->image_url);
        jw_key(w, "alt");
        jw_str(w, r->image_alt ? r->image_alt : "");
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    write_money(w, "unit_price", r->price_amount, r->currency);
    if (r->compare_at_amount_is_null) {
        jw_key(w, "compare_at_price");
        jw_null(w);
    } else {
        write_money(w, "compare_at_price", r->compare_at_amount, r->currency);
    }
    jw_key(w, "quantity");
    jw_int(w, r->quantity);
    write_money(w, "line_total", l->line_total, r->currency);
    jw_key(w, "available");
    jw_bool(w, l->problem == SVC_LINE_OK);
    jw_key(w, "problem");
    jw_str(w, l->problem == SVC_LINE_UNAVAILABLE          ? "unavailable"
              : l->problem == SVC_LINE_INSUFFICIENT_STOCK ? "insufficient_stock"
                                                          : NULL);
    jw_key(w, "available_quantity");
    if (l->problem == SVC_LINE_OK)
        jw_null(w);
    else
        jw_int(w, l->available_quantity);
    jw_obj_end(w);
}

/* The applied code and whether it applies now; null without one. */
static void write_discount_code(jw *w, const svc_cart *cart)
{
    jw_key(w, "discount_code");
    if (!cart->code.present) {
        jw_null(w);
        return;
    }
    const db_discount_code *d = &cart->code.facts.code;
    jw_obj_begin(w);
    jw_key(w, "code");
    jw_str(w, d->code);
    jw_key(w, "kind");
    jw_str(w, db_discount_kind_str(d->kind));
    jw_key(w, "percent_off");
    if (d->percent_off_is_null)
        jw_null(w);
    else
        jw_int(w, d->percent_off);
    if (d->amount_off_is_null) {
        jw_key(w, "amount_off");
        jw_null(w);
    } else {
        write_money(w, "amount_off", d->amount_off, d->currency);
    }
    write_money(w, "min_subtotal", d->min_subtotal, cart->currency);
    jw_key(w, "applied");
    jw_bool(w, cart->code.problem == SVC_DISCOUNT_OK);
    jw_key(w, "problem");
    jw_str(w, svc_discount_problem_str(cart->code.problem));
    jw_obj_end(w);
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
