/*
 * stripe.c — card payments at checkout (see payments.h): the order's PaymentIntent.
 *
 * The order is committed first (checkout.c); its PaymentIntent is made afterwards,
 * outside any transaction, so Stripe's latency never holds a row lock. Exactly one
 * PaymentIntent per order: the create carries Idempotency-Key "order-<number>-pi", so
 * Stripe answers a repeated create (a retry after a timeout, two replays racing) with
 * the first PaymentIntent, and the store refuses to replace an id with another. Once
 * stored, a replay only re-reads it (GET) for its current status.
 *
 * Stripe down: SF_UNAVAILABLE, nothing stored, the order stays pending_payment; the
 * client retries the same checkout (same Idempotency-Key), the checkout replays its
 * stored answer and this step runs again. The client secret is never logged.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "service/stripe_api.h"
#include "storefront/payments.h"
#include "storefront/queries_gen.h"

static sf_status ensure_intent(db_pool *pool, arena *a, const sf_config *cfg, const char *number,
                               stripe_object *pi, sf_error *e);

sf_status svc_card_payment_ready(const sf_config *cfg, const svc_checkout_input *in, sf_error *e)
{
    if (in->payment_method && strcmp(in->payment_method, "card") == 0 && !cfg->stripe_api_key)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "Card payments are not configured.");
    return SF_OK;
}

sf_status svc_card_payment_attach(db_pool *pool, arena *a, const sf_config *cfg,
                                  svc_checkout_result *r, sf_error *e)
{
    if (r->status != 201 || !r->body)
        return SF_OK;
    json_t *root = json_loads(r->body, 0, NULL);
    const char *pm = json_string_value(json_object_get(root, "payment_method"));
    const char *num = json_string_value(json_object_get(root, "number"));
    if (!json_is_object(root) || !pm || strcmp(pm, "card") != 0 || !num) {
        json_decref(root);
        return SF_OK;
    }
    stripe_object pi;
    sf_status s = ensure_intent(pool, a, cfg, arena_strdup(a, num), &pi, e);
    if (s == SF_OK) {
        json_t *pay = json_pack("{s:s, s:s, s:s, s:s}", "provider", "stripe", "payment_intent_id",
                                pi.id, "client_secret", pi.client_secret, "status",
                                pi.status ? pi.status : "unknown");
        char *text = NULL;
        if (!pay || json_object_set_new(root, "payment", pay) != 0 ||
            !(text = json_dumps(root, JSON_COMPACT)))
            s = sf_fail(e, SF_INTERNAL, "internal-error", "Out of memory.");
        else
            r->body = arena_strdup(a, text);
        free(text);
    }
    json_decref(root);
    return s;
}

/* The order's PaymentIntent: the stored one (re-read for its status) or a new one. */
static sf_status ensure_intent(db_pool *pool, arena *a, const sf_config *cfg, const char *number,
                               stripe_object *pi, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_card_payment_get_row o = {0};
    sf_status s = q_card_payment_get(c, a, &(q_card_payment_get_params){.number = number}, &o, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    if (o.payment_intent_id) {
        s = stripe_payment_intent_get(cfg, a, o.payment_intent_id, pi, e);
        /* The stored secret is the one the SPA must use, whatever the read returned. */
        if (s == SF_OK)
            pi->client_secret = o.payment_client_secret;
        return s;
    }
    /* Only a pending order gets a new PaymentIntent: one the sweeper cancelled while
     * Stripe was down must not become payable again. */
    if (strcmp(o.status, "pending_payment") != 0)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "Order %s is %s: it can no longer be paid by card.", number, o.status);
    s = stripe_payment_intent_create(cfg, a, arena_sprintf(a, "order-%s-pi", number), o.total,
                                     o.currency, number, pi, e);
    if (s != SF_OK)
        return s;
    if (!pi->client_secret)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The payment provider answered without a client secret; try again.");
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    long rows = 0;
    s = q_card_payment_store(c,
                             &(q_card_payment_store_params){.payment_intent_id = pi->id,
                                                            .client_secret = pi->client_secret,
                                                            .number = number},
                             &rows, e);
    db_pool_release(pool, c);
    if (s == SF_OK && rows != 1)
        s = sf_fail(e, SF_INTERNAL, "internal-error", "Order %s already has another PaymentIntent.",
                    number);
    return s;
}
