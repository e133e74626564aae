/*
 * checkout.c — POST /v1/checkout and the customer's order reads (see orders.h).
 *
 * The key is claimed in its own short statement first (INSERT ... ON CONFLICT DO
 * NOTHING), so of two concurrent requests with one key only one runs the checkout;
 * the other sees the row and answers a replay, a 409 (still running) or a 422
 * (another body). The checkout itself is one transaction that takes its locks in one
 * order — cart row, variant rows by ascending id, discount code row — so concurrent
 * checkouts queue instead of deadlocking.
 *
 * A signed-in checkout and a guest checkout (issue #12) are the same transaction: only
 * the owner differs (svc_checkout_owner). A guest's Idempotency-Key belongs to the cart,
 * the order gets the guest's e-mail and an access token instead of a customer, and its
 * money comes from order_pricing.c like every quote's.
 *
 * Every read or cancel of the caller's orders first claims the guest orders placed with
 * their verified e-mail (claim_guest_orders), so a guest order placed while signed out
 * is in the list on the person's next look, whenever the server first saw them.
 */
#include <jansson.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/addresses.h"
#include "storefront/carts.h"
#include "storefront/catalog.h"
#include "storefront/db_addresses.h"
#include "storefront/db_carts.h"
#include "storefront/db_guest_orders.h"
#include "storefront/db_orders.h"
#include "storefront/jsonutil.h"
#include "storefront/order_pricing.h"
#include "storefront/order_states.h"
#include "storefront/orders.h"
#include "storefront/text.h"

#define ORDER_CURSOR_SORT 101 /* cursor namespace, apart from products and customers */

/* Who checks out, resolved: customer_id > 0 for a signed-in customer, else the guest
 * cart cart_id (and the key of the guest's order token). */
typedef struct owner_ids {
    int64_t customer_id;
    const char *cart_id;
    const unsigned char *token_key;
} owner_ids;

static sf_status parse_body(arena *a, const char *body, size_t len, bool guest,
                            svc_checkout_input *out, sf_error *e);
static sf_status resolve_owner(db_conn *c, arena *a, const svc_checkout_owner *owner,
                               owner_ids *ids, sf_error *e);
static sf_status idem_claim(db_conn *c, arena *a, const owner_ids *o, const char *key,
                            const char *hash, char **claim, db_idem_key *prior, sf_error *e);
static sf_status idem_hold(db_conn *c, arena *a, const owner_ids *o, const char *key,
                           const char *claim, sf_error *e);
static sf_status idem_finish(db_conn *c, const owner_ids *o, const char *key, const char *body,
                             sf_error *e);
static void idem_release(db_conn *c, const owner_ids *o, const char *key, const char *claim);
static sf_status claim_guest_orders(db_conn *c, const auth_principal *who, sf_error *e);
static sf_status lock_cart(db_conn *c, arena *a, const owner_ids *o, db_cart *cart, sf_error *e);
static sf_status guest_token(db_conn *c, arena *a, const unsigned char *key, char **number,
                             char **token, char **hash, sf_error *e);
static sf_status place_tx(db_conn *c, arena *a, const owner_ids *ow, const char *key,
                          const char *claim, const svc_checkout_input *in, svc_checkout_result *out,
                          sf_error *e);
static sf_status ship_to(db_conn *c, arena *a, int64_t customer_id, const svc_checkout_input *in,
                         db_order_address *to, sf_error *e);
static sf_status reserve_stock(db_conn *c, arena *a, const svc_cart *cart, int64_t customer_id,
                               int64_t order_id, sf_error *e);
static sf_status use_discount(db_conn *c, const svc_cart *cart, int64_t customer_id, sf_error *e);
static int cmp_variant(const void *x, const void *y);

bool svc_idempotency_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n < 1 || n > SVC_IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (key[i] < 0x20 || key[i] > 0x7e)
            return false;
    return true;
}

bool svc_order_number_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= SVC_ORDER_NUMBER_MAX &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

sf_status svc_checkout_input_parse(arena *a, const char *body, size_t len, svc_checkout_input *out,
                                   sf_error *e)
{
    return parse_body(a, body, len, false, out, e);
}

sf_status svc_guest_checkout_input_parse(arena *a, const char *body, size_t len,
                                         svc_checkout_input *out, sf_error *e)
{
    return parse_body(a, body, len, true, out, e);
}

/* One parser for both bodies: a guest adds "email" and may not name a saved address. */
static sf_status parse_body(arena *a, const char *body, size_t len, bool guest,
                            svc_checkout_input *out, sf_error *e)
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
            strcmp(k, "shipping_method") && strcmp(k, "payment_method") &&
            (!guest || strcmp(k, "email")))
            sf_field_fail(e, k, "is not a known field");
    }
    json_t *id = json_object_get(root, "shipping_address_id");
    json_t *addr = json_object_get(root, "shipping_address");
    if (guest) {
        json_t *em = json_object_get(root, "email");
        if (!em)
            sf_field_fail(e, "email", "is required");
        else if (!json_is_string(em) || !svc_email_valid(json_string_value(em)))
            sf_field_fail(e, "email", "must be an e-mail address such as ana@example.com");
        else
            out->email = arena_strdup(a, json_string_value(em));
        if (!addr && !id)
            sf_field_fail(e, "shipping_address", "is required");
    }
    if (guest && id)
        /* A guest has no saved addresses: an id could only name someone else's. */
        sf_field_fail(e, "shipping_address_id", "guests give an inline shipping_address");
    else if ((id != NULL) == (addr != NULL) && !(guest && !addr))
        sf_field_fail(e, "shipping_address_id",
                      "give exactly one of shipping_address_id or shipping_address");
    if (guest)
        ; /* any shipping_address_id was refused above */
    else if (id && (!json_is_integer(id) || json_integer_value(id) < 1 ||
                    json_integer_value(id) >= ((json_int_t)1 << 53)))
        sf_field_fail(e, "shipping_address_id", "must be a positive integer below 2^53");
    else if (id && !guest)
        out->address_id = json_integer_value(id);
    if (addr && !json_is_object(addr)) {
        sf_field_fail(e, "shipping_address", "must be an address object");
    } else if (addr) {
        char *text = json_dumps(addr, JSON_COMPACT);
        sf_error ae;
        sf_error_clear(&ae);
        if (svc_address_input_parse(a, text, strlen(text), true, &out->address, &ae) != SF_OK) {
            for (int i = 0; i < ae.nfields; i++)
                sf_field_fail(e, arena_sprintf(a, "shipping_address.%s", ae.fields[i].field), "%s",
                              ae.fields[i].message);
            if (ae.nfields == 0)
                sf_field_fail(e, "shipping_address", "%s", ae.detail);
        }
        free(text);
        out->has_inline = true;
    }
    json_t *sm = json_object_get(root, "shipping_method");
    if (!json_is_string(sm) || json_string_length(sm) < 1 || json_string_length(sm) > 32)
        sf_field_fail(e, "shipping_method", "must be a shipping method code");
    else
        out->shipping_method = arena_strdup(a, json_string_value(sm));
    json_t *pm = json_object_get(root, "payment_method");
    const char *pms = json_string_value(pm);
    if (!pms || (strcmp(pms, "cod") && strcmp(pms, "manual") && strcmp(pms, "card")))
        sf_field_fail(e, "payment_method", "must be cod, manual or card");
    else
        out->payment_method = arena_strdup(a, pms);
    /* The hash of the canonical form: the same request with other whitespace or key
     * order is the same request. */
    char *canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)canon, strlen(canon), md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out->request_hash + 2 * i, 3, "%02x", md[i]);
    free(canon);
    json_decref(root);
    return e->status;
}

sf_status svc_checkout_place(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                             const svc_checkout_input *in, svc_checkout_result *out, sf_error *e)
{
    const svc_checkout_owner owner = {.sub = who->sub};
    return svc_checkout_tx(pool, a, &owner, key, in, out, e);
}

sf_status svc_checkout_tx(db_pool *pool, arena *a, const svc_checkout_owner *owner, const char *key,
                          const svc_checkout_input *in, svc_checkout_result *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    owner_ids ids;
    char *claim = NULL;
    db_idem_key prior;
    sf_status s = resolve_owner(c, a, owner, &ids, e);
    if (s == SF_OK)
        s = idem_claim(c, a, &ids, key, in->request_hash, &claim, &prior, e);
    if (s == SF_OK && !claim) {
        if (strcmp(prior.request_hash, in->request_hash) != 0)
            s = sf_fail(e, SF_INVALID, "idempotency-key-reused",
                        "This Idempotency-Key was used with a different request body.");
        else if (!prior.done)
            s = sf_fail(e, SF_CONFLICT, "conflict",
                        "A request with this Idempotency-Key is in progress; retry shortly.");
        else
            *out = (svc_checkout_result){
                .status = prior.response_status, .body = prior.response_body, .replayed = true};
    } else if (s == SF_OK) {
        s = place_tx(c, a, &ids, key, claim, in, out, e);
        if (s != SF_OK)
            /* Nothing was created: forget the key so a retry runs afresh. */
            idem_release(c, &ids, key, claim);
    }
    db_pool_release(pool, c);
    return s;
}

sf_status svc_order_get(db_pool *pool, arena *a, const auth_principal *who, const char *number,
                        const char **json, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id;
    char *text = NULL;
    sf_status s = claim_guest_orders(c, who, e);
    if (s == SF_OK)
        s = db_customer_id_by_sub(c, who->sub, &customer_id, e);
    if (s == SF_OK)
        s = db_order_json(c, a, customer_id, number, &text, e);
    *json = text;
    db_pool_release(pool, c);
    return s;
}

sf_status svc_orders_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                          const auth_principal *who, const char *cursor, int limit,
                          svc_order_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id, before = 0, *ids = NULL;
    const char *unused;
    sf_status s = claim_guest_orders(c, who, e);
    if (s == SF_OK)
        s = db_customer_id_by_sub(c, who->sub, &customer_id, e);
    /* The cursor is bound to the customer, so one person's cursor is no use to another. */
    if (s == SF_OK && cursor &&
        !svc_cursor_decode(a, cursor_key, cursor, ORDER_CURSOR_SORT, (uint64_t)customer_id, &unused,
                           &before)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        s = SF_INVALID;
    }
    /* One extra row says whether another page exists. */
    if (s == SF_OK)
        s = db_orders_page(c, a, customer_id, before, limit + 1, &ids, &out->items, &out->n, e);
    db_pool_release(pool, c);
    if (s == SF_OK && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->next_cursor = svc_cursor_encode(a, cursor_key, ORDER_CURSOR_SORT,
                                             (uint64_t)customer_id, "", ids[out->n - 1]);
    }
    return s;
}

sf_status svc_order_cancel(db_pool *pool, arena *a, const auth_principal *who, const char *number,
                           const char **json, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id, order_id = 0;
    char *status = NULL, *text = NULL;
    db_order_state o;
    sf_status s = claim_guest_orders(c, who, e);
    if (s == SF_OK)
        s = db_customer_id_by_sub(c, who->sub, &customer_id, e);
    if (s == SF_OK)
        s = db_begin(c, e);
    /* The lock proves the order is the caller's; the state machine does the rest (only
     * pending_payment and paid may be cancelled; the stock returns). */
    if (s == SF_OK)
        s = db_order_lock(c, a, customer_id, number, &order_id, &status, e);
    if (s == SF_OK)
        s = db_order_find(c, a, number, &o, e);
    if (s == SF_OK)
        s = svc_order_apply(c, &o, "cancel", "customer", customer_id, "cancelled by the customer",
                            NULL, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    if (s == SF_OK)
        s = db_order_json(c, a, customer_id, number, &text, e);
    *json = text;
    db_pool_release(pool, c);
    return s;
}

/* --- claiming guest orders -------------------------------------------------------- */

/* Before the caller's orders are read: the guest orders placed with their verified
 * e-mail become theirs (issue #12, docs/checkout.md "Claiming guest orders"). Why here
 * and not only when the profile is copied: a known customer's profile is not copied
 * again, so a guest order they place later would stay out of their list until a PATCH
 * or a restart. Why on every request: with nothing to claim it is one indexed UPDATE
 * that matches nothing (guest_orders_claim_by_sub), cheaper than remembering who might
 * have something. Its own statement, committed before the read, so the read sees it;
 * a failure fails the request like the read's own would (the database is the same). */
static sf_status claim_guest_orders(db_conn *c, const auth_principal *who, sf_error *e)
{
    long claimed = 0;
    return db_guest_orders_claim_by_sub(c, who->sub, &claimed, e);
}

/* --- the transaction -------------------------------------------------------------- */

static sf_status place_tx(db_conn *c, arena *a, const owner_ids *ow, const char *key,
                          const char *claim, const svc_checkout_input *in, svc_checkout_result *out,
                          sf_error *e)
{
    const int64_t customer_id = ow->customer_id;
    svc_cart cart;
    memset(&cart, 0, sizeof cart);
    db_cart row = {0};
    db_order_address to = {0};
    db_shipping_method method = {0};
    svc_order_money money = {0};
    int rate_bp = 0;
    char *token = NULL, *token_hash = NULL;
    sf_status s = db_begin(c, e);
    if (s != SF_OK)
        return s;
    s = idem_hold(c, a, ow, key, claim, e);
    if (s == SF_OK)
        s = lock_cart(c, a, ow, &row, e);
    if (s == SF_OK)
        s = ship_to(c, a, customer_id, in, &to, e);
    /* The money: the same four steps as a quote (quotes.c), through order_pricing.c. */
    if (s == SF_OK)
        s = svc_pricing_cart_load(c, a, &row, customer_id, &cart, e);
    if (s == SF_OK)
        s = svc_pricing_method(c, a, in->shipping_method, cart.currency, &method, e);
    if (s == SF_OK)
        s = svc_pricing_tax_rate(c, to.country, &rate_bp, e);
    if (s == SF_OK)
        svc_order_price(&cart, &method, rate_bp, &money);
    char *guest_number = NULL;
    if (s == SF_OK && !customer_id)
        s = guest_token(c, a, ow->token_key, &guest_number, &token, &token_hash, e);
    db_order_new o = {.customer_id = customer_id,
                      .number = guest_number,
                      .currency = cart.currency,
                      .shipping_method = method.code,
                      .payment_method = in->payment_method,
                      .cart_id = row.id,
                      .guest_email = customer_id ? NULL : in->email,
                      .access_token_hash = token_hash,
                      .ship = to,
                      .subtotal = money.subtotal,
                      .discount_total = money.discount,
                      .shipping_total = money.shipping,
                      .tax_total = money.tax,
                      .total = money.total};
    if (cart.code.present)
        o.discount_code = cart.code.facts.code.code;
    int64_t order_id = 0;
    char *number = NULL, *json = NULL;
    if (s == SF_OK)
        s = db_order_place(c, a, &o, &order_id, &number, e);
    for (size_t i = 0; s == SF_OK && i < cart.nlines; i++) {
        const db_cart_line *l = cart.lines[i].row;
        const char *name = arena_sprintf(a, "%s — %s", l->product_name, l->variant_name);
        s = db_order_line_add(c, a, order_id, l->variant_id, l->sku, name, l->price_amount,
                              l->quantity, e);
    }
    if (s == SF_OK)
        s = db_cart_check_out(c, cart.cart.id, e);
    if (s == SF_OK)
        s = db_order_json(c, a, customer_id, number, &json, e);
    /* The guest's token is shown in this answer only (and its replays): the Order
     * document is one JSON object, so it ends in '}'. */
    if (s == SF_OK && token)
        json =
            arena_sprintf(a, "%.*s,\"access_token\":\"%s\"}", (int)(strlen(json) - 1), json, token);
    if (s == SF_OK)
        s = idem_finish(c, ow, key, json, e);
    /* The shared rows last: every checkout of a variant (or a code) waits for its row
     * lock until the holder commits, so the lock is taken just before COMMIT instead of
     * before the five writes above (docs/benchmarks.md, "Checkout": a hot variant).
     * Nothing above depends on it, and a short line or a used-up code still rolls all
     * of it back. The lock order stays cart, variants, code. */
    if (s == SF_OK)
        s = reserve_stock(c, a, &cart, customer_id, order_id, e);
    if (s == SF_OK)
        s = use_discount(c, &cart, customer_id, e);
    if (s == SF_OK && cart.code.present && customer_id)
        s = db_discount_redeem(c, cart.code.facts.code.id, customer_id, order_id, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    if (s == SF_OK)
        *out = (svc_checkout_result){.status = 201, .body = json, .number = number};
    return s;
}

/* The saved address (404 unless it is the caller's) or the inline one. */
static sf_status ship_to(db_conn *c, arena *a, int64_t customer_id, const svc_checkout_input *in,
                         db_order_address *to, sf_error *e)
{
    memset(to, 0, sizeof *to);
    if (in->has_inline) {
        const svc_address_input *x = &in->address;
        *to = (db_order_address){x->name, x->phone,  x->line1,       x->line2,
                                 x->city, x->region, x->postal_code, x->country};
        return SF_OK;
    }
    db_address ad;
    sf_status s = svc_address_get_owned(c, a, customer_id, in->address_id, &ad, e);
    if (s != SF_OK)
        return s;
    *to = (db_order_address){ad.name_is_null ? NULL : ad.name,
                             ad.phone_is_null ? NULL : ad.phone,
                             ad.line1,
                             ad.line2_is_null ? NULL : ad.line2,
                             ad.city,
                             ad.region_is_null ? NULL : ad.region,
                             ad.postal_code_is_null ? NULL : ad.postal_code,
                             ad.country};
    return SF_OK;
}

/* Every line must be sellable; then one conditional decrement per variant in
 * ascending variant id order (a cart has one line per variant). Short lines make a
 * 409 naming their SKUs; the caller rolls back what was taken. Each decrement carries
 * its ledger context (checkout, the customer, the order) in the same statement, so the
 * ledger adds no statement to checkout (schema/queries/inventory.sql, stock_take). */
static sf_status reserve_stock(db_conn *c, arena *a, const svc_cart *cart, int64_t customer_id,
                               int64_t order_id, sf_error *e)
{
    const char *bad = NULL;
    for (size_t i = 0; i < cart->nlines; i++)
        if (cart->lines[i].problem == SVC_LINE_UNAVAILABLE)
            bad = bad ? arena_sprintf(a, "%s, %s", bad, cart->lines[i].row->sku)
                      : cart->lines[i].row->sku;
    if (bad)
        return sf_fail(e, SF_CONFLICT, "conflict", "These lines are no longer sold: %s.", bad);
    const db_cart_line **order = arena_alloc(a, cart->nlines * sizeof *order);
    for (size_t i = 0; i < cart->nlines; i++)
        order[i] = cart->lines[i].row;
    qsort(order, cart->nlines, sizeof *order, cmp_variant);
    for (size_t i = 0; i < cart->nlines; i++) {
        bool ok = false;
        sf_status s = db_stock_take(c, order[i]->variant_id, order[i]->quantity, customer_id,
                                    order_id, &ok, e);
        if (s != SF_OK)
            return s;
        if (!ok)
            bad = bad ? arena_sprintf(a, "%s, %s", bad, order[i]->sku) : order[i]->sku;
    }
    if (bad)
        return sf_fail(e, SF_CONFLICT, "conflict", "Not enough stock for: %s.", bad);
    return SF_OK;
}

/* Re-judges the cart's code, then takes one use with the conditional increment (its
 * row lock serializes checkouts of the code) and re-counts the customer's uses under
 * that lock. */
static sf_status use_discount(db_conn *c, const svc_cart *cart, int64_t customer_id, sf_error *e)
{
    if (!cart->code.present)
        return SF_OK;
    const db_discount_facts *f = &cart->code.facts;
    if (cart->code.problem != SVC_DISCOUNT_OK)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The discount code %s no longer applies (%s); remove it to check out.",
                       f->code.code, svc_discount_problem_str(cart->code.problem));
    bool ok = false;
    sf_status s = db_discount_use(c, f->code.id, &ok, e);
    if (s != SF_OK)
        return s;
    if (!ok)
        return sf_fail(e, SF_CONFLICT, "conflict", "The discount code %s is used up.",
                       f->code.code);
    if (!f->code.per_customer_limit_is_null && !customer_id)
        /* A guest cannot be counted, so a once-per-customer code needs an account. */
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The discount code %s is limited per customer; sign in to use it.",
                       f->code.code);
    if (!f->code.per_customer_limit_is_null) {
        int64_t uses = 0;
        if ((s = db_discount_customer_uses(c, f->code.id, customer_id, &uses, e)) != SF_OK)
            return s;
        if (uses >= f->code.per_customer_limit)
            return sf_fail(e, SF_CONFLICT, "conflict",
                           "You have already used the discount code %s.", f->code.code);
    }
    return SF_OK;
}

static int cmp_variant(const void *x, const void *y)
{
    int64_t a = (*(const db_cart_line *const *)x)->variant_id;
    int64_t b = (*(const db_cart_line *const *)y)->variant_id;
    return (a > b) - (a < b);
}

/* --- owners ----------------------------------------------------------------------- */

/* A customer by their sub; a guest cart must exist and be nobody's before its key may
 * be claimed (the key row references the cart). Its state is checked under the lock. */
static sf_status resolve_owner(db_conn *c, arena *a, const svc_checkout_owner *owner,
                               owner_ids *ids, sf_error *e)
{
    memset(ids, 0, sizeof *ids);
    if (owner->sub)
        return db_customer_id_by_sub(c, owner->sub, &ids->customer_id, e);
    db_cart cart;
    bool past = false;
    sf_status s = db_cart_find(c, a, owner->cart_id, false, &cart, &past, e);
    if (s == SF_OK && !cart.customer_id_is_null)
        s = SF_NOT_FOUND;
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart.");
    }
    ids->cart_id = owner->cart_id;
    ids->token_key = owner->token_key;
    return s;
}

/* The cart to check out, locked (first in the lock order). A customer's missing cart
 * is an empty one; a guest cart must still be open and unexpired. */
static sf_status lock_cart(db_conn *c, arena *a, const owner_ids *o, db_cart *cart, sf_error *e)
{
    bool past = false;
    sf_status s;
    if (o->customer_id) {
        s = db_cart_find_open_by_customer(c, a, o->customer_id, true, cart, &past, e);
        if (s == SF_NOT_FOUND || (s == SF_OK && past)) {
            sf_error_clear(e);
            return sf_fail(e, SF_CONFLICT, "conflict", "Your cart is empty.");
        }
        return s;
    }
    s = db_cart_find(c, a, o->cart_id, true, cart, &past, e);
    /* Checked out (by another key, or a replay that lost its key row): 409, since the
     * id was the guest's; anything else that is not open answers like a missing cart. */
    if (s == SF_OK && cart->status == DB_CART_STATUS_CHECKED_OUT)
        return sf_fail(e, SF_CONFLICT, "conflict", "This cart has been checked out already.");
    if (s == SF_NOT_FOUND || (s == SF_OK && (past || !cart->customer_id_is_null ||
                                             cart->status != DB_CART_STATUS_OPEN))) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such cart.");
    }
    return s;
}

static sf_status idem_claim(db_conn *c, arena *a, const owner_ids *o, const char *key,
                            const char *hash, char **claim, db_idem_key *prior, sf_error *e)
{
    if (o->customer_id)
        return db_idem_claim(c, a, o->customer_id, key, hash, claim, prior, e);
    return db_cart_idem_claim(c, a, o->cart_id, key, hash, claim, prior, e);
}

static sf_status idem_hold(db_conn *c, arena *a, const owner_ids *o, const char *key,
                           const char *claim, sf_error *e)
{
    if (o->customer_id)
        return db_idem_hold(c, a, o->customer_id, key, claim, e);
    return db_cart_idem_hold(c, a, o->cart_id, key, claim, e);
}

static sf_status idem_finish(db_conn *c, const owner_ids *o, const char *key, const char *body,
                             sf_error *e)
{
    if (o->customer_id)
        return db_idem_finish(c, o->customer_id, key, 201, body, e);
    return db_cart_idem_finish(c, o->cart_id, key, 201, body, e);
}

static void idem_release(db_conn *c, const owner_ids *o, const char *key, const char *claim)
{
    sf_error re;
    sf_error_clear(&re);
    if (o->customer_id)
        db_idem_release(c, o->customer_id, key, claim, &re);
    else
        db_cart_idem_release(c, o->cart_id, key, claim, &re);
}

/* A guest order's number, taken before the INSERT, and its access token
 * (svc_order_token under `key`, the one the e-mail links carry) with the SHA-256 hex of
 * it that the order stores. */
static sf_status guest_token(db_conn *c, arena *a, const unsigned char *key, char **number,
                             char **token, char **hash, sf_error *e)
{
    if (!key)
        return sf_fail(e, SF_INTERNAL, "internal-error", "Could not make an order token.");
    sf_status s = db_order_number_new(c, a, number, e);
    if (s != SF_OK)
        return s;
    unsigned char md[SHA256_DIGEST_LENGTH];
    *token = arena_alloc(a, SVC_ORDER_TOKEN_LEN + 1);
    svc_order_token(key, *number, *token);
    if (strlen(*token) != SVC_ORDER_TOKEN_LEN)
        return sf_fail(e, SF_INTERNAL, "internal-error", "Could not make an order token.");
    SHA256((const unsigned char *)*token, SVC_ORDER_TOKEN_LEN, md);
    *hash = arena_alloc(a, 2 * SHA256_DIGEST_LENGTH + 1);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(*hash + 2 * i, 3, "%02x", md[i]);
    return SF_OK;
}
