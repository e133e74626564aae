/*
 * refunds.c — staff refunds and their reconciliation from Stripe's webhooks (see
 * refunds.h).
 *
 * Lock order: the order row (refund_order_lock, FOR UPDATE) before any refund row, in
 * every transaction here and in the webhook's, so a staff refund and a webhook for the
 * same order queue instead of deadlocking. The call to Stripe happens between two
 * transactions with no connection held: the pending row committed before it is what a
 * retry (same Idempotency-Key), the refund sender (refund_sender.c) or a late webhook
 * (metadata.refund_id) finds again.
 *
 * Why an unknown outcome stays pending: Stripe may have made the refund even though we
 * never saw its answer. Recording it failed would free its amount for another refund,
 * and the customer could be paid back twice; pending keeps the amount spoken for until
 * Stripe answers the same Idempotency-Key (the sender) or its webhook names the refund.
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

/* Beyond STRIPE_TIMEOUT_MS before the sender may send a refund whose request is still
 * calling Stripe (the request records the answer well within it). */
#define REFUND_CALL_SLACK_MS 60000

static sf_status send_to_stripe(db_pool *pool, arena *a, const sf_config *cfg,
                                const svc_refund_job *job, bool *accepted, sf_error *e);
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
                            bool *accepted, sf_error *e)
{
    *json = NULL;
    *replayed = false;
    *accepted = false;
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
        /* Checked before the row exists: a refund that could never be sent must not
         * wait pending for ever. */
        else if (card && !cfg->stripe_api_key)
            s = sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                        "Card payments are not configured.");
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
        /* Due for the sender only after this request's own call has surely ended; if
         * the server dies before it records Stripe's answer, the sender sends it. */
        long rows = 0;
        if (s == SF_OK && card)
            s = q_refund_schedule_resend(
                c,
                &(q_refund_schedule_resend_params){
                    .delay_ms = cfg->stripe_timeout_ms + REFUND_CALL_SLACK_MS, .id = refund_id},
                &rows, e);
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
        s = send_to_stripe(pool, a, cfg,
                           &(svc_refund_job){.id = refund_id,
                                             .amount = amount,
                                             .actor_id = staff_id,
                                             .number = number,
                                             .payment_intent = pi,
                                             .reason = reason},
                           accepted, e);
    if (s != SF_OK)
        return s;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_refund_json_row row = {0};
    s = q_refund_json(c, a, &(q_refund_json_params){.id = refund_id, .number = number}, &row, e);
    db_pool_release(pool, c);
    *json = row.json;
    /* A webhook may have settled the refund while we recorded "unknown": then it is
     * no longer waiting, and the answer is the usual one. */
    if (s == SF_OK && *accepted) {
        json_t *j = json_loads(row.json, 0, NULL);
        const char *st = json_string_value(json_object_get(j, "status"));
        *accepted = st && strcmp(st, "pending") == 0 &&
                    json_is_null(json_object_get(j, "provider_refund_id"));
        json_decref(j);
    }
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
    bool replayed, accepted;
    /* Accepted (Stripe's answer unknown): the refund is pending and the sender sends it
     * again; the order becomes `refunded` when it succeeds, as for Stripe's `pending`. */
    return svc_refund_create(pool, a, cfg, who, number, NULL, &in, &json, &replayed, &accepted, e);
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

void svc_refund_call(const sf_config *cfg, arena *a, const svc_refund_job *job,
                     svc_refund_answer *ans, sf_error *e)
{
    memset(ans, 0, sizeof *ans);
    stripe_object re;
    sf_status api = stripe_refund_create(
        cfg, a, arena_sprintf(a, "refund-%lld", (long long)job->id), job->payment_intent,
        job->amount, job->reason, job->number, job->id, &re, e);
    if (api == SF_OK) {
        ans->outcome = SVC_REFUND_SENT;
        ans->provider_refund_id = re.id;
        ans->status = status_of(re.status);
        ans->failure_reason = re.failure_reason;
    } else if (api == SF_CONFLICT) {
        /* stripe_api.c maps only definite refusals (4xx but 401/403/409/429) here. */
        ans->outcome = SVC_REFUND_REFUSED;
        ans->status = "failed";
        ans->failure_reason = arena_strdup(a, e->detail);
    } else {
        ans->outcome = SVC_REFUND_UNKNOWN;
        ans->status = "pending";
    }
}

void svc_refund_resend_call(const sf_config *cfg, arena *a, const svc_refund_job *job, bool key_old,
                            svc_refund_answer *ans, sf_error *e)
{
    if (!key_old) {
        svc_refund_call(cfg, a, job, ans, e);
        return;
    }
    memset(ans, 0, sizeof *ans);
    json_t *list = NULL;
    if (stripe_refund_list(cfg, a, job->payment_intent, &list, e) != SF_OK) {
        ans->outcome = SVC_REFUND_UNKNOWN; /* cannot tell: never create blind */
        ans->status = "pending";
        return;
    }
    const char *ours = arena_sprintf(a, "%lld", (long long)job->id);
    json_t *re;
    size_t i;
    bool found = false;
    json_array_foreach(list, i, re)
    {
        const char *mine =
            json_string_value(json_object_get(json_object_get(re, "metadata"), "refund_id"));
        const char *id = json_string_value(json_object_get(re, "id"));
        if (mine && id && strcmp(mine, ours) == 0) {
            ans->outcome = SVC_REFUND_SENT;
            ans->provider_refund_id = arena_strdup(a, id);
            ans->status = status_of(json_string_value(json_object_get(re, "status")));
            const char *why = json_string_value(json_object_get(re, "failure_reason"));
            ans->failure_reason = why ? arena_strdup(a, why) : NULL;
            found = true;
            break;
        }
    }
    json_decref(list);
    /* Not among them: Stripe never made it, and the first call cannot still be running a
     * day later, so a create (under the same key, forgotten or not) makes it once. */
    if (!found)
        svc_refund_call(cfg, a, job, ans, e);
}

sf_status svc_refund_record(db_conn *c, arena *a, const svc_refund_job *job,
                            const svc_refund_answer *ans, int resend_ms, sf_error *e)
{
    long rows = 0;
    sf_status s = db_begin(c, e);
    q_refund_order_lock_row o = {0};
    if (s == SF_OK)
        s = q_refund_order_lock(c, a, &(q_refund_order_lock_params){.number = job->number}, &o, e);
    if (s == SF_OK && ans->outcome == SVC_REFUND_UNKNOWN)
        s = q_refund_schedule_resend(
            c, &(q_refund_schedule_resend_params){.delay_ms = resend_ms, .id = job->id}, &rows, e);
    else if (s == SF_OK)
        s = q_refund_set_provider(
            c,
            &(q_refund_set_provider_params){.provider_refund_id = ans->provider_refund_id,
                                            .status = ans->status,
                                            .failure_reason = ans->failure_reason,
                                            .id = job->id},
            &rows, e);
    if (s == SF_OK && rows == 1 && strcmp(ans->status, "succeeded") == 0)
        s = complete_if_full(c, a, job->number, job->actor_id ? "staff" : "system", job->actor_id,
                             job->reason, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    return s;
}

int svc_refund_resend_delay_s(int attempts, int base_s, int max_s)
{
    long long d = base_s;
    for (int i = 0; i < attempts && d < max_s; i++)
        d *= 2;
    return (int)(d < max_s ? d : max_s);
}

/* Calls Stripe for job and records its answer. A refusal answers SF_CONFLICT with
 * Stripe's message (the row is failed); an unknown outcome answers SF_OK with *accepted
 * (the row stays pending, due for the sender after REFUND_RESEND_SECONDS). */
static sf_status send_to_stripe(db_pool *pool, arena *a, const sf_config *cfg,
                                const svc_refund_job *job, bool *accepted, sf_error *e)
{
    svc_refund_answer ans;
    sf_error api;
    sf_error_clear(&api);
    svc_refund_call(cfg, a, job, &ans, &api);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = svc_refund_record(c, a, job, &ans, cfg->refund_resend_s * 1000, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    if (ans.outcome == SVC_REFUND_REFUSED) {
        *e = api;
        return api.status;
    }
    *accepted = ans.outcome == SVC_REFUND_UNKNOWN;
    return SF_OK;
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
