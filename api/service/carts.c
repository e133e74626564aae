/*
 * carts.c — cart operations (see carts.h): open the cart the request names, change it
 * under a row lock, and show it priced from current variant data.
 *
 * Every write is one transaction that first locks the cart row (SELECT ... FOR
 * UPDATE), then reads the lines, checks the limits and writes: concurrent adds of the
 * same variant queue on that lock, so ten adds of one unit leave ten units, and the
 * line-count and per-line limits cannot be overtaken. A merge locks the customer's
 * cart first and the guest cart second; nothing else takes two cart locks, so merges
 * cannot deadlock. The view is read after the commit, on the same connection. Applying
 * a discount code is a write like the others: it prices the locked cart to judge the
 * code, so the subtotal it checks is the one it stores the code against.
 */
#include <string.h>

#include "storefront/carts.h"
#include "storefront/db_addresses.h"
#include "storefront/db_carts.h"

typedef sf_status (*cart_step)(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                               void *arg, bool *wrote, sf_error *e);

typedef struct item_arg {
    const svc_cart_item_input *in;
    int64_t item_id;
    int quantity;
} item_arg;

static sf_status in_cart_tx(db_pool *pool, arena *a, const svc_cart_limits *lim,
                            const svc_cart_ref *ref, cart_step step, void *arg, svc_cart *out,
                            sf_error *e);
static sf_status open_cart(db_conn *c, arena *a, const svc_cart_limits *lim,
                           const svc_cart_ref *ref, bool lock, db_cart *cart, bool *expired,
                           sf_error *e);
static sf_status open_guest_cart(db_conn *c, arena *a, const char *id, bool lock, db_cart *cart,
                                 bool *expired, sf_error *e);
static sf_status open_customer_cart(db_conn *c, arena *a, const svc_cart_limits *lim,
                                    const char *sub, bool lock, db_cart *cart, sf_error *e);
static sf_status load_view(db_conn *c, arena *a, const char *cart_id, svc_cart *out, sf_error *e);
static sf_status add_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                          void *arg, bool *wrote, sf_error *e);
static sf_status update_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                             void *arg, bool *wrote, sf_error *e);
static sf_status remove_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                             void *arg, bool *wrote, sf_error *e);
static sf_status merge_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                            void *arg, bool *wrote, sf_error *e);
static sf_status discount_apply_step(db_conn *c, arena *a, const svc_cart_limits *lim,
                                     db_cart *cart, void *arg, bool *wrote, sf_error *e);
static sf_status discount_remove_step(db_conn *c, arena *a, const svc_cart_limits *lim,
                                      db_cart *cart, void *arg, bool *wrote, sf_error *e);
static sf_status price_lines(db_conn *c, arena *a, const char *cart_id, svc_cart *out, sf_error *e);
static sf_status find_variant(db_conn *c, arena *a, const svc_cart_item_input *in,
                              db_product_variant *v, sf_error *e);
static sf_status not_found(sf_error *e);

/* --- operations ------------------------------------------------------------------- */

sf_status svc_cart_create_guest(db_pool *pool, arena *a, const svc_cart_limits *lim, svc_cart *out,
                                sf_error *e)
{
    char id[SVC_CART_ID_LEN + 1];
    if (!svc_cart_id_new(id))
        return sf_fail(e, SF_INTERNAL, "internal-error", "Could not make a cart id.");
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    bool created;
    sf_status s = db_cart_create(c, id, 0, lim->idle_ttl_s, &created, e);
    if (s == SF_OK)
        s = load_view(c, a, id, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_cart_get(db_pool *pool, arena *a, const svc_cart_limits *lim, const svc_cart_ref *ref,
                       svc_cart *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_cart cart;
    bool expired = false;
    sf_status s = open_cart(c, a, lim, ref, false, &cart, &expired, e);
    if (s == SF_OK)
        s = load_view(c, a, cart.id, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_cart_add_item(db_pool *pool, arena *a, const svc_cart_limits *lim,
                            const svc_cart_ref *ref, const svc_cart_item_input *in, svc_cart *out,
                            sf_error *e)
{
    item_arg arg = {.in = in};
    return in_cart_tx(pool, a, lim, ref, add_step, &arg, out, e);
}

sf_status svc_cart_update_item(db_pool *pool, arena *a, const svc_cart_limits *lim,
                               const svc_cart_ref *ref, int64_t item_id, int quantity,
                               svc_cart *out, sf_error *e)
{
    item_arg arg = {.item_id = item_id, .quantity = quantity};
    return in_cart_tx(pool, a, lim, ref, update_step, &arg, out, e);
}

sf_status svc_cart_remove_item(db_pool *pool, arena *a, const svc_cart_limits *lim,
                               const svc_cart_ref *ref, int64_t item_id, svc_cart *out, sf_error *e)
{
    item_arg arg = {.item_id = item_id};
    return in_cart_tx(pool, a, lim, ref, remove_step, &arg, out, e);
}

sf_status svc_cart_merge(db_pool *pool, arena *a, const svc_cart_limits *lim, const char *sub,
                         const char *guest_id, svc_cart *out, sf_error *e)
{
    svc_cart_ref ref = {.sub = sub};
    return in_cart_tx(pool, a, lim, &ref, merge_step, (void *)guest_id, out, e);
}

sf_status svc_cart_discount_apply(db_pool *pool, arena *a, const svc_cart_limits *lim,
                                  const svc_cart_ref *ref, const char *code, svc_cart *out,
                                  sf_error *e)
{
    return in_cart_tx(pool, a, lim, ref, discount_apply_step, (void *)code, out, e);
}

sf_status svc_cart_discount_remove(db_pool *pool, arena *a, const svc_cart_limits *lim,
                                   const svc_cart_ref *ref, svc_cart *out, sf_error *e)
{
    return in_cart_tx(pool, a, lim, ref, discount_remove_step, NULL, out, e);
}

/* --- transaction and cart lookup -------------------------------------------------- */

/* BEGIN, open and lock the cart, run step, move expires_at when it wrote, COMMIT
 * (ROLLBACK on any error), then read the view. An expired guest cart is marked
 * 'expired' and committed before the 404, so the lazy expiry sticks. */
static sf_status in_cart_tx(db_pool *pool, arena *a, const svc_cart_limits *lim,
                            const svc_cart_ref *ref, cart_step step, void *arg, svc_cart *out,
                            sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_cart cart;
    bool expired = false, wrote = true;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = open_cart(c, a, lim, ref, true, &cart, &expired, e);
    if (s == SF_OK)
        s = step(c, a, lim, &cart, arg, &wrote, e);
    if (s == SF_OK && wrote)
        s = db_cart_touch(c, cart.id, lim->idle_ttl_s, e);
    if (s == SF_OK) {
        s = db_commit(c, e);
    } else if (expired) {
        sf_error ce;
        sf_error_clear(&ce);
        db_commit(c, &ce); /* keep the 'expired' mark; the answer is the 404 either way */
    } else {
        db_rollback(c);
    }
    if (s == SF_OK)
        s = load_view(c, a, cart.id, out, e);
    db_pool_release(pool, c);
    return s;
}

static sf_status open_cart(db_conn *c, arena *a, const svc_cart_limits *lim,
                           const svc_cart_ref *ref, bool lock, db_cart *cart, bool *expired,
                           sf_error *e)
{
    if (ref->sub)
        return open_customer_cart(c, a, lim, ref->sub, lock, cart, e);
    return open_guest_cart(c, a, ref->cart_id, lock, cart, expired, e);
}

/* A guest cart is reachable by id only while it is open, unexpired and nobody's:
 * every other case answers exactly like an id that does not exist. */
static sf_status open_guest_cart(db_conn *c, arena *a, const char *id, bool lock, db_cart *cart,
                                 bool *expired, sf_error *e)
{
    bool past = false;
    sf_status s = db_cart_find(c, a, id, lock, cart, &past, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    if (!cart->customer_id_is_null || cart->status != DB_CART_STATUS_OPEN)
        return not_found(e);
    if (past) {
        *expired = true;
        if ((s = db_cart_expire(c, id, e)) != SF_OK)
            return s;
        return not_found(e);
    }
    return SF_OK;
}

/* The customer's open cart, made on first use. An expired one is closed and replaced
 * by a new empty cart: a signed-in person always has a cart. */
static sf_status open_customer_cart(db_conn *c, arena *a, const svc_cart_limits *lim,
                                    const char *sub, bool lock, db_cart *cart, sf_error *e)
{
    int64_t customer_id;
    sf_status s = db_customer_id_by_sub(c, sub, &customer_id, e);
    if (s != SF_OK)
        return s;
    for (int attempt = 0; attempt < 3; attempt++) {
        bool past = false;
        s = db_cart_find_open_by_customer(c, a, customer_id, lock, cart, &past, e);
        if (s == SF_OK && !past)
            return SF_OK;
        if (s == SF_OK && (s = db_cart_expire(c, cart->id, e)) != SF_OK)
            return s;
        if (s != SF_OK && s != SF_NOT_FOUND)
            return s;
        sf_error_clear(e);
        char id[SVC_CART_ID_LEN + 1];
        if (!svc_cart_id_new(id))
            return sf_fail(e, SF_INTERNAL, "internal-error", "Could not make a cart id.");
        bool created;
        if ((s = db_cart_create(c, id, customer_id, lim->idle_ttl_s, &created, e)) != SF_OK)
            return s;
    }
    return sf_fail(e, SF_INTERNAL, "internal-error", "Could not open the cart.");
}

/* The cart with its lines and its discount code, priced. */
static sf_status load_view(db_conn *c, arena *a, const char *cart_id, svc_cart *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    bool past;
    sf_status s = db_cart_find(c, a, cart_id, false, &out->cart, &past, e);
    if (s == SF_OK && !out->cart.discount_code_id_is_null) {
        int64_t customer = out->cart.customer_id_is_null ? 0 : out->cart.customer_id;
        s = db_discount_facts_get(c, a, NULL, out->cart.discount_code_id, customer,
                                  &out->code.facts, e);
        out->code.present = s == SF_OK;
    }
    if (s != SF_OK)
        return s;
    return price_lines(c, a, cart_id, out, e);
}

/* Reads the lines into out and prices them (out->code as it is): the currency is the
 * first line's (the one every line was checked against when added), else the shop's. */
static sf_status price_lines(db_conn *c, arena *a, const char *cart_id, svc_cart *out, sf_error *e)
{
    db_cart_line *rows;
    size_t n;
    sf_status s = db_cart_lines(c, a, cart_id, &rows, &n, e);
    if (s != SF_OK)
        return s;
    out->currency = n ? rows[0].currency : SVC_CART_DEFAULT_CURRENCY;
    out->lines = arena_calloc(a, (n ? n : 1) * sizeof *out->lines);
    out->nlines = n;
    for (size_t i = 0; i < n; i++)
        out->lines[i].row = &rows[i];
    db_shipping_method *methods = NULL;
    size_t nmethods = 0;
    if (n && (s = db_shipping_methods_active(c, a, out->currency, &methods, &nmethods, e)) != SF_OK)
        return s;
    svc_cart_price(out, methods, nmethods);
    return SF_OK;
}

/* --- steps ------------------------------------------------------------------------ */

static sf_status add_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                          void *arg, bool *wrote, sf_error *e)
{
    (void)wrote;
    const svc_cart_item_input *in = ((item_arg *)arg)->in;
    db_product_variant v;
    db_product p;
    sf_status s = find_variant(c, a, in, &v, e);
    if (s == SF_OK)
        s = db_product_get(c, a, v.product_id, &p, e);
    if (s != SF_OK)
        return s;
    if (!v.active || !p.active)
        return sf_fail(e, SF_CONFLICT, "conflict", "This product variant is no longer sold.");
    db_cart_line *lines;
    size_t n;
    if ((s = db_cart_lines(c, a, cart->id, &lines, &n, e)) != SF_OK)
        return s;
    if (n && strcmp(lines[0].currency, v.currency) != 0)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "This cart is priced in %s and the variant in %s; one cart holds one "
                       "currency.",
                       lines[0].currency, v.currency);
    int existing = 0;
    for (size_t i = 0; i < n; i++)
        if (lines[i].variant_id == v.id)
            existing = lines[i].quantity;
    if (!existing && (int)n >= lim->max_lines)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "A cart holds at most %d different items; remove one first.",
                       lim->max_lines);
    if (existing + in->quantity > lim->max_line_quantity)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "At most %d of one item fit in a cart; this cart already has %d.",
                       lim->max_line_quantity, existing);
    return db_cart_item_put(c, cart->id, v.id, existing + in->quantity, e);
}

static sf_status update_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                             void *arg, bool *wrote, sf_error *e)
{
    (void)a, (void)lim, (void)wrote;
    item_arg *ia = arg;
    return db_cart_item_set_quantity(c, cart->id, ia->item_id, ia->quantity, e);
}

static sf_status remove_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                             void *arg, bool *wrote, sf_error *e)
{
    (void)a, (void)lim, (void)wrote;
    return db_cart_item_remove(c, cart->id, ((item_arg *)arg)->item_id, e);
}

/* cart is the customer's, already locked; the guest cart is locked second. */
static sf_status merge_step(db_conn *c, arena *a, const svc_cart_limits *lim, db_cart *cart,
                            void *arg, bool *wrote, sf_error *e)
{
    const char *guest_id = arg;
    db_cart guest;
    bool past = false;
    sf_status s = db_cart_find(c, a, guest_id, true, &guest, &past, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    if (guest.status == DB_CART_STATUS_MERGED && !guest.merged_into_is_null &&
        strcmp(guest.merged_into, cart->id) == 0) {
        *wrote = false; /* merged here before: harmless, nothing changes */
        return SF_OK;
    }
    if (!guest.customer_id_is_null || guest.status != DB_CART_STATUS_OPEN || past)
        return not_found(e);
    db_cart_line *mine, *theirs;
    size_t nmine, ntheirs;
    if ((s = db_cart_lines(c, a, cart->id, &mine, &nmine, e)) != SF_OK ||
        (s = db_cart_lines(c, a, guest.id, &theirs, &ntheirs, e)) != SF_OK)
        return s;
    const char *currency = nmine ? mine[0].currency : ntheirs ? theirs[0].currency : NULL;
    size_t total = nmine;
    for (size_t i = 0; i < ntheirs; i++) {
        if (strcmp(theirs[i].currency, currency) != 0)
            return sf_fail(e, SF_CONFLICT, "conflict",
                           "The guest cart holds items priced in %s and your cart is in %s; one "
                           "cart holds one currency.",
                           theirs[i].currency, currency);
        bool found = false;
        for (size_t j = 0; j < nmine && !found; j++)
            found = mine[j].variant_id == theirs[i].variant_id;
        total += !found;
    }
    if (total > (size_t)lim->max_lines)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "Together the carts would hold %zu different items, more than %d.", total,
                       lim->max_lines);
    for (size_t i = 0; i < ntheirs; i++) {
        int existing = 0;
        for (size_t j = 0; j < nmine; j++)
            if (mine[j].variant_id == theirs[i].variant_id)
                existing = mine[j].quantity;
        int q = svc_cart_merge_quantity(existing, theirs[i].quantity, theirs[i].stock,
                                        theirs[i].sellable, lim->max_line_quantity);
        if (q != existing &&
            (s = db_cart_item_put(c, cart->id, theirs[i].variant_id, q, e)) != SF_OK)
            return s;
    }
    return db_cart_mark_merged(c, guest.id, cart->id, e);
}

/* An unknown or inactive code is a 404 ("No discount code X.", unlike the cart's own
 * "No such cart.") and any other reason it does not apply now a 409 whose detail says
 * which; the cart then keeps the code it had. */
static sf_status discount_apply_step(db_conn *c, arena *a, const svc_cart_limits *lim,
                                     db_cart *cart, void *arg, bool *wrote, sf_error *e)
{
    (void)lim, (void)wrote;
    const char *code = arg;
    svc_cart view;
    memset(&view, 0, sizeof view);
    view.cart = *cart;
    int64_t customer = cart->customer_id_is_null ? 0 : cart->customer_id;
    sf_status s = db_discount_facts_get(c, a, code, 0, customer, &view.code.facts, e);
    if (s == SF_NOT_FOUND || (s == SF_OK && !view.code.facts.code.active)) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No discount code %s.", code);
    }
    view.code.present = s == SF_OK;
    if (s != SF_OK || (s = price_lines(c, a, cart->id, &view, e)) != SF_OK)
        return s;
    switch (view.code.problem) {
    case SVC_DISCOUNT_OK: return db_cart_set_discount(c, cart->id, view.code.facts.code.id, e);
    case SVC_DISCOUNT_NOT_STARTED:
        sf_fail(e, SF_CONFLICT, "conflict", "The code %s is not valid yet.", code);
        break;
    case SVC_DISCOUNT_EXPIRED:
        sf_fail(e, SF_CONFLICT, "conflict", "The code %s has expired.", code);
        break;
    case SVC_DISCOUNT_EXHAUSTED:
        sf_fail(e, SF_CONFLICT, "conflict", "The code %s has been used up.", code);
        break;
    case SVC_DISCOUNT_CUSTOMER_LIMIT:
        sf_fail(e, SF_CONFLICT, "conflict", "You have already used the code %s.", code);
        break;
    case SVC_DISCOUNT_CURRENCY_MISMATCH:
        sf_fail(e, SF_CONFLICT, "conflict", "The code %s is for carts in %s, this cart is in %s.",
                code, view.code.facts.code.currency, view.currency);
        break;
    case SVC_DISCOUNT_BELOW_MINIMUM:
        sf_fail(e, SF_CONFLICT, "conflict",
                "The code %s needs a subtotal of at least %lld; this cart has %lld.", code,
                (long long)view.code.facts.code.min_subtotal, (long long)view.subtotal);
        break;
    case SVC_DISCOUNT_INACTIVE: break; /* answered above */
    }
    return e->status;
}

static sf_status discount_remove_step(db_conn *c, arena *a, const svc_cart_limits *lim,
                                      db_cart *cart, void *arg, bool *wrote, sf_error *e)
{
    (void)a, (void)lim, (void)arg;
    if (cart->discount_code_id_is_null) {
        *wrote = false;
        return SF_OK;
    }
    return db_cart_set_discount(c, cart->id, 0, e);
}

/* --- small helpers ---------------------------------------------------------------- */

static sf_status find_variant(db_conn *c, arena *a, const svc_cart_item_input *in,
                              db_product_variant *v, sf_error *e)
{
    sf_status s = in->sku ? db_product_variant_get_by_sku(c, a, in->sku, v, e)
                          : db_product_variant_get(c, a, in->variant_id, v, e);
    if (s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    sf_field_fail(e, in->sku ? "sku" : "variant_id", "is not a product variant");
    return e->status;
}

static sf_status not_found(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart.");
}
