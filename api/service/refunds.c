/*
 * refunds.c — staff refunds and their reconciliation from Stripe's webhooks (see
 * refunds.h).
 *
 * Lock order: the order row (refund_order_lock, FOR UPDATE) before any refund row, in
 * every transaction here and in the webhook's, so a staff refund and a webhook for the
 * same order queue instead of deadlocking. The call to Stripe happens between two
 * transactions with no connection held: the pending row committed before it is what a
 * retry (same Idempotency-Key) or a late webhook (metadata.refund_id) finds again.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/stripe_api.h"
#include "storefront/db_addresses.h"
#include "storefront/db_orders.h"
#include "storefront/jsonutil.h"
#include "storefront/order_states.h"
#include "storefront/queries_gen.h"
#include "storefront/refunds.h"
#include "storefront/validate.h"

static sf_status send_to_stripe(db_pool *pool, arena *a, const sf_config *cfg, int64_t refund_id,
                                const char *number, const char *payment_intent, int64_t amount,
                                const char *reason, bool keyed, int64_t staff_id, sf_error *e);
static sf_status complete_if_full(db_conn *c, arena *a, const char *number, const char *actor,
                                  int64_t actor_id, const char *note, sf_error *e);
static const char *status_of(const char *stripe_status);
static bool refundable_status(const char *status);
static const char *request_hash(arena *a, const svc_refund_input *in);

sf_status svc_refund_input_parse(arena *a, const char *body, size_t len, svc_refund_input *out,
                                 sf_error *e)
{
    memset(out, 0, sizeof *out);
    if (!body || !len) /* no body: refund everything left */
        return SF_OK;
    json_t *root = json_parse_body(body, len, e);
    if (!root)
        return e->status;
    if (!json_is_object(root)) {
        json_decref(root);
        return sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "amount") && strcmp(k, "reason"))
            sf_field_fail(e, k, "is not a field of a refund");
    }
    json_t *amount = json_object_get(root, "amount");
    if (amount && !json_is_null(amount)) {
        if (!json_is_integer(amount) || json_integer_value(amount) < 1 ||
            json_integer_value(amount) > 9007199254740991LL)
            sf_field_fail(e, "amount", "must be an integer amount in minor units, at least 1");
        else
            out->amount = (int64_t)json_integer_value(amount);
    }
    json_t *reason = json_object_get(root, "reason");
    if (reason && !json_is_null(reason)) {
        const char *s = json_string_value(reason);
        size_t bytes = s ? json_string_length(reason) : 0, chars = 0;
        for (size_t i = 0; i < bytes; i++)
            chars += ((unsigned char)s[i] & 0xC0) != 0x80;
        if (!s || chars < 1 || chars > SVC_REFUND_REASON_MAX || strlen(s) != bytes)
            sf_field_fail(e, "reason", "must be a string of 1..%d characters",
                          SVC_REFUND_REASON_MAX);
        else if (svc_text_safe(e, "reason", s, true))
            out->reason = arena_strdup(a, s);
    }
    json_decref(root);
    return e->status;
}

sf_status svc_refund_create(db_pool *pool, arena *a, const sf_config *cfg,
                            const auth_principal *who, const char *number, const char *key,
                            const svc_refund_input *in, const char **json, bool *replayed,
                            sf_error *e)
{
    *json = NULL;
    *replayed = false;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t staff_id = 0, refund_id = 0, amount = in->amount;
    const char *hash = key ? request_hash(a, in) : NULL, *reason = in->reason, *pi = NULL;
    bool call_stripe = false;
    q_refund_order_lock_row o = {0};
    /* The staff member's customers.id, for the refund row and the ledger of a restock. */
    sf_status s = db_customer_id_by_sub(c, who->sub, &staff_id, e);
    if (s == SF_OK)
        s = db_begin(c, e);
    if (s != SF_OK) {
        db_pool_release(pool, c);
        return s;
    }
    s = q_refund_order_lock(c, a, &(q_refund_order_lock_params){.number = number}, &o, e);
    if (s == SF_NOT_FOUND)
        sf_fail(e, SF_NOT_FOUND, "not-found", "No order %s.", number);
    q_refund_outstanding_row out = {0};
    if (s == SF_OK)
        s = q_refund_outstanding(c, &(q_refund_outstanding_params){.order_id = o.id}, &out, e);
    bool card = s == SF_OK && strcmp(o.payment_method, "card") == 0;
    if (s == SF_OK && key) {
        q_refund_by_key_row r = {0};
        s = q_refund_by_key(c, a, &(q_refund_by_key_params){.order_id = o.id, .key = key}, &r, e);
        if (s == SF_OK && strcmp(r.request_hash, hash) != 0) {
            s = sf_fail(e, SF_CONFLICT, "idempotency-key-reused",
                        "This Idempotency-Key was used for another refund of order %s.", number);
        } else if (s == SF_OK) {
            refund_id = r.id;
            amount = r.amount;
            reason = r.reason;
            *replayed = true;
            /* Stripe was unreachable the first time: send it again (same Stripe key). */
            call_stripe = card && strcmp(r.status, "pending") == 0 && !r.provider_refund_id;
        } else if (s == SF_NOT_FOUND) {
            sf_error_clear(e);
            s = SF_OK;
        }
    }
    int64_t left = o.total - out.outstanding;
    if (s == SF_OK && !refund_id) {
        if (!o.paid)
            s = sf_fail(e, SF_CONFLICT, "conflict",
                        "Order %s is not paid: there is nothing to refund (cancel it instead).",
                        number);
        else if (left <= 0)
            s = sf_fail(e, SF_CONFLICT, "conflict",
                        "Order %s has nothing left to refund (refunded or pending: %lld of %lld).",
                        number, (long long)out.outstanding, (long long)o.total);
        else if (amount > left)
            s = sf_fail(e, SF_CONFLICT, "conflict",
                        "The amount %lld exceeds what is left to refund on order %s: %lld %s.",
                        (long long)amount, number, (long long)left, o.currency);
        else if (card && !o.payment_intent_id)
            s = sf_fail(e, SF_CONFLICT, "conflict",
                        "Order %s has no Stripe PaymentIntent to refund.", number);
    }
    if (s == SF_OK && !refund_id) {
        if (!amount)
            amount = left;
        q_refund_insert_row row = {0};
        s = q_refund_insert(c,
                            &(q_refund_insert_params){.order_id = o.id,
                                                      .amount = amount,
                                                      .currency = o.currency,
                                                      .status = card ? "pending" : "succeeded",
                                                      .reason = reason,
                                                      .actor_id = staff_id,
                                                      .key = key,
                                                      .request_hash = hash},
                            &row, e);
        refund_id = row.id;
        call_stripe = card;
        /* Money paid by hand was paid back by hand: recorded as done. */
        if (s == SF_OK && !card)
            s = complete_if_full(c, a, number, "staff", staff_id, reason, e);
    }
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    pi = arena_strdup(a, o.payment_intent_id);
    db_pool_release(pool, c);
    if (s == SF_OK && call_stripe)
        s = send_to_stripe(pool, a, cfg, refund_id, number, pi, amount, reason, key != NULL,
                           staff_id, e);
    if (s != SF_OK)
        return s;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_refund_json_row row = {0};
    s = q_refund_json(c, a, &(q_refund_json_params){.id = refund_id, .number = number}, &row, e);
    db_pool_release(pool, c);
    *json = row.json;
    return s;
}

sf_status svc_refund_full(db_pool *pool, arena *a, const sf_config *cfg, const auth_principal *who,
                          const char *number, const char *note, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_order_state o;
    sf_status s = db_order_find(c, a, number, &o, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    /* The state machine's own answer for an order that cannot be refunded. */
    if (!o.paid || !refundable_status(o.status))
        return sf_fail(e, SF_CONFLICT, "conflict", "An order that is %s%s cannot be refund.",
                       o.status, o.paid ? "" : " (unpaid)");
    svc_refund_input in = {.amount = 0, .reason = note};
    const char *json;
    bool replayed;
    return svc_refund_create(pool, a, cfg, who, number, NULL, &in, &json, &replayed, e);
}

sf_status svc_refund_list(db_pool *pool, arena *a, const char *number, const char **json,
                          sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_refund_list_row row = {0};
    sf_status s = q_refund_list(c, a, &(q_refund_list_params){.number = number}, &row, e);
    db_pool_release(pool, c);
    if (s == SF_OK && row.found == 0)
        s = sf_fail(e, SF_NOT_FOUND, "not-found", "No order %s.", number);
    *json = s == SF_OK ? arena_sprintf(a, "{\"items\":%s}", row.json) : NULL;
    return s;
}

sf_status svc_refund_get(db_pool *pool, arena *a, const char *number, int64_t id, const char **json,
                         sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_refund_json_row row = {0};
    sf_status s = q_refund_json(c, a, &(q_refund_json_params){.id = id, .number = number}, &row, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        sf_fail(e, SF_NOT_FOUND, "not-found", "Order %s has no refund %lld.", number,
                (long long)id);
    *json = s == SF_OK ? row.json : NULL;
    return s;
}

sf_status svc_refund_reconcile(db_conn *c, arena *a, json_t *refund, bool *changed,
                               const char **number, sf_error *e)
{
    *changed = false;
    *number = NULL;
    const char *id = json_string_value(json_object_get(refund, "id"));
    const char *st = json_string_value(json_object_get(refund, "status"));
    const char *pi = json_string_value(json_object_get(refund, "payment_intent"));
    const char *why = json_string_value(json_object_get(refund, "failure_reason"));
    const char *ours =
        json_string_value(json_object_get(json_object_get(refund, "metadata"), "refund_id"));
    json_t *amount = json_object_get(refund, "amount");
    if (!id || !st)
        return SF_OK; /* not a refund object: nothing to do */
    const char *status = status_of(st);
    q_refund_find_provider_row r = {0};
    sf_status s = q_refund_find_provider(
        c, a,
        &(q_refund_find_provider_params){.provider_refund_id = id,
                                         .refund_id = ours ? strtoll(ours, NULL, 10) : 0},
        &r, e);
    int64_t actor_id = 0;
    const char *note = NULL;
    if (s == SF_OK) {
        *number = r.number;
        actor_id = r.actor_id;
        note = r.reason;
        /* The order row first (lock order), then the refund. */
        q_refund_order_lock_row o = {0};
        s = q_refund_order_lock(c, a, &(q_refund_order_lock_params){.number = r.number}, &o, e);
        long rows = 0;
        if (s == SF_OK)
            s = q_refund_set_status(
                c,
                &(q_refund_set_status_params){
                    .status = status, .provider_refund_id = id, .failure_reason = why, .id = r.id},
                &rows, e);
        *changed = rows > 0;
    } else if (s == SF_NOT_FOUND && pi) {
        /* Made in Stripe's dashboard: recorded, so the order shows what was refunded. */
        sf_error_clear(e);
        q_refund_order_by_intent_row o = {0};
        s = q_refund_order_by_intent(
            c, a, &(q_refund_order_by_intent_params){.payment_intent_id = pi}, &o, e);
        if (s == SF_NOT_FOUND) {
            sf_error_clear(e);
            return SF_OK;
        }
        if (s != SF_OK || !json_is_integer(amount) || json_integer_value(amount) < 1)
            return s;
        *number = o.number;
        q_refund_order_lock_row lk = {0};
        s = q_refund_order_lock(c, a, &(q_refund_order_lock_params){.number = o.number}, &lk, e);
        q_refund_insert_row row = {0};
        if (s == SF_OK)
            s = q_refund_insert(
                c,
                &(q_refund_insert_params){
                    .order_id = o.id,
                    .amount = (int64_t)json_integer_value(amount),
                    .currency = o.currency,
                    .status = status,
                    .reason =
                        arena_strdup(a, json_string_value(json_object_get(refund, "reason"))
                                            ? json_string_value(json_object_get(refund, "reason"))
                                            : "made in Stripe"),
                    .provider_refund_id = id},
                &row, e);
        *changed = s == SF_OK;
    } else if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return SF_OK;
    }
    /* The order's history names who asked for the refund, whichever of our own answer
     * and this webhook completes it first. */
    if (s == SF_OK && *changed)
        s = complete_if_full(c, a, *number, actor_id ? "staff" : "system", actor_id,
                             note ? note : arena_sprintf(a, "refund %s", id), e);
    return s;
}

/* Calls Stripe for refund `refund_id` and records what it said. Stripe's error stays in e
 * (the caller's answer); the row records it as failed, unless Stripe was unreachable and
 * the request had an Idempotency-Key (then it stays pending for the retry). */
static sf_status send_to_stripe(db_pool *pool, arena *a, const sf_config *cfg, int64_t refund_id,
                                const char *number, const char *payment_intent, int64_t amount,
                                const char *reason, bool keyed, int64_t staff_id, sf_error *e)
{
    stripe_object re;
    sf_status api =
        stripe_refund_create(cfg, a, arena_sprintf(a, "refund-%lld", (long long)refund_id),
                             payment_intent, amount, reason, number, refund_id, &re, e);
    if (api == SF_UNAVAILABLE && keyed)
        return api;
    const char *status = api == SF_OK ? status_of(re.status) : "failed";
    const char *why = api == SF_OK            ? re.failure_reason
                      : api == SF_UNAVAILABLE ? "the payment provider could not be reached"
                                              : arena_strdup(a, e->detail);
    sf_error de;
    sf_error_clear(&de);
    db_conn *c;
    if (db_pool_acquire(pool, &c, &de) != SF_OK) {
        *e = de;
        return de.status;
    }
    long rows = 0;
    sf_status s = db_begin(c, &de);
    q_refund_order_lock_row o = {0};
    if (s == SF_OK)
        s = q_refund_order_lock(c, a, &(q_refund_order_lock_params){.number = number}, &o, &de);
    if (s == SF_OK)
        s = q_refund_set_provider(
            c,
            &(q_refund_set_provider_params){.provider_refund_id = api == SF_OK ? re.id : NULL,
                                            .status = status,
                                            .failure_reason = why,
                                            .id = refund_id},
            &rows, &de);
    if (s == SF_OK && rows == 1 && strcmp(status, "succeeded") == 0)
        s = complete_if_full(c, a, number, "staff", staff_id, reason, &de);
    if (s == SF_OK)
        s = db_commit(c, &de);
    else
        db_rollback(c);
    db_pool_release(pool, c);
    if (s != SF_OK) {
        *e = de;
        return s;
    }
    return api;
}

/* When the succeeded refunds reach the order total, the order becomes `refunded`
 * (stock back if the goods never left), as the staff action would. */
static sf_status complete_if_full(db_conn *c, arena *a, const char *number, const char *actor,
                                  int64_t actor_id, const char *note, sf_error *e)
{
    q_refund_order_lock_row o = {0};
    sf_status s = q_refund_order_lock(c, a, &(q_refund_order_lock_params){.number = number}, &o, e);
    if (s != SF_OK || o.refunded_total < o.total || !o.paid || !refundable_status(o.status))
        return s;
    db_order_state st = {
        .id = o.id, .status = o.status, .payment_method = o.payment_method, .paid = o.paid};
    return svc_order_apply(c, &st, "refund", actor, actor_id, note, NULL, e);
}

/* Stripe's refund statuses on ours: requires_action (and anything new) waits as pending. */
static const char *status_of(const char *stripe_status)
{
    static const char *const same[] = {"succeeded", "failed", "canceled", "pending"};
    for (size_t i = 0; stripe_status && i < sizeof same / sizeof same[0]; i++)
        if (strcmp(stripe_status, same[i]) == 0)
            return same[i];
    return "pending";
}

/* Where the state machine allows `refund` (order_states.c). */
static bool refundable_status(const char *status)
{
    return !strcmp(status, "paid") || !strcmp(status, "fulfilled") || !strcmp(status, "shipped") ||
           !strcmp(status, "delivered");
}

/* SHA-256 of the request's meaning (amount or "rest", reason), hex, in a. */
static const char *request_hash(arena *a, const svc_refund_input *in)
{
    char *text = arena_sprintf(a, "amount=%lld\nreason=%s", (long long)in->amount,
                               in->reason ? in->reason : "\x01");
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)text, strlen(text), md);
    char *hex = arena_alloc(a, 2 * SHA256_DIGEST_LENGTH + 1);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}
