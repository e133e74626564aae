/*
 * payments.c — the payment webhook (signature check and event handling) and the
 * unpaid-order sweep (see payments.h). The state change goes through the one state
 * machine (order_states.c) with actor "system".
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yder.h>

#include "service/stripe_api.h"
#include "storefront/db_orders.h"
#include "storefront/inventory.h"
#include "storefront/order_states.h"
#include "storefront/orders.h"
#include "storefront/payments.h"
#include "storefront/queries_gen.h"
#include "storefront/refunds.h"

#define SIG_HEADER_MAX 4096

static bool hex_decode(const char *hex, size_t n, unsigned char *out);
static bool is_refund_event(const char *type);
static sf_status refund_event_tx(db_conn *c, arena *a, const char *event_id, const char *type,
                                 json_t *object, json_t *listed, const char **number,
                                 svc_webhook_outcome *outcome, sf_error *e);
static sf_status bad_sig(sf_error *e, const char *why);
static sf_status event_tx(db_conn *c, arena *a, const char *event_id, const char *type,
                          const char *number, json_t *object, svc_webhook_outcome *outcome,
                          sf_error *e);
static bool is_session_event(const char *type);
static bool pays_order(arena *a, db_conn *c, const char *number, const char *type, json_t *obj,
                       sf_error *e, sf_status *s);

sf_status svc_webhook_verify(const char *secret, int tolerance_s, int64_t now, const char *header,
                             const char *body, size_t len, sf_error *e)
{
    if (!header || !*header || strlen(header) > SIG_HEADER_MAX)
        return bad_sig(e, "The Stripe-Signature header is missing.");
    /* t=<unix>,v1=<hex>[,v1=<hex>...]; other schemes (v0) are skipped. */
    long long t = -1;
    const char *sigs[16];
    size_t nsig = 0;
    char buf[SIG_HEADER_MAX + 1];
    snprintf(buf, sizeof buf, "%s", header);
    char *save = NULL;
    for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        while (*part == ' ')
            part++;
        if (strncmp(part, "t=", 2) == 0) {
            char *end;
            t = strtoll(part + 2, &end, 10);
            if (end == part + 2 || *end || t < 0)
                return bad_sig(e, "The Stripe-Signature timestamp is malformed.");
        } else if (strncmp(part, "v1=", 3) == 0 && nsig < sizeof sigs / sizeof sigs[0]) {
            sigs[nsig++] = part + 3;
        }
    }
    if (t < 0 || nsig == 0)
        return bad_sig(e, "The Stripe-Signature header needs t= and v1=.");
    if (now - t > tolerance_s || t - now > tolerance_s)
        return bad_sig(e, "The Stripe-Signature timestamp is outside the tolerance.");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "%lld.", t);
    /* The signed payload is "<t>." followed by the raw body, byte for byte. */
    unsigned char *payload = malloc((size_t)plen + len + 1);
    if (!payload)
        return sf_fail(e, SF_INTERNAL, "internal-error", "Out of memory.");
    memcpy(payload, prefix, (size_t)plen);
    if (len)
        memcpy(payload + plen, body, len);
    bool ok = HMAC(EVP_sha256(), secret, (int)strlen(secret), payload, (size_t)plen + len, mac,
                   &maclen) != NULL;
    free(payload);
    if (!ok)
        return sf_fail(e, SF_INTERNAL, "internal-error", "HMAC failed.");
    bool match = false;
    for (size_t i = 0; i < nsig; i++) {
        unsigned char want[EVP_MAX_MD_SIZE];
        /* Every candidate is compared in constant time; no early exit on a match. */
        if (strlen(sigs[i]) == 2 * (size_t)maclen && hex_decode(sigs[i], maclen, want) &&
            CRYPTO_memcmp(want, mac, maclen) == 0)
            match = true;
    }
    return match ? SF_OK : bad_sig(e, "No v1 signature matches the body.");
}

sf_status svc_webhook_apply(db_pool *pool, arena *a, const sf_config *cfg, const char *body,
                            size_t len, svc_webhook_outcome *outcome, const char **event_id,
                            const char **number, sf_error *e)
{
    *outcome = SVC_WEBHOOK_IGNORED;
    *event_id = *number = NULL;
    json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *id = json_object_get(root, "id"), *type = json_object_get(root, "type");
    if (!json_is_object(root) || !json_is_string(id) || json_string_length(id) < 1 ||
        json_string_length(id) > 255 || !json_is_string(type)) {
        json_decref(root);
        return sf_fail(e, SF_INVALID, "bad-request",
                       "The body must be an event object with string id and type.");
    }
    *event_id = arena_strdup(a, json_string_value(id));
    const char *ty = arena_strdup(a, json_string_value(type));
    json_t *object = json_object_get(json_object_get(root, "data"), "object");
    json_t *num = json_object_get(json_object_get(object, "metadata"), "order_number");
    if (json_is_string(num))
        *number = arena_strdup(a, json_string_value(num));
    bool refund_event = is_refund_event(ty);
    if (!refund_event && strcmp(ty, "payment_intent.succeeded") != 0 && !is_session_event(ty)) {
        json_decref(root);
        return SF_OK;
    }
    if (*number && !svc_order_number_valid(*number))
        *number = NULL;
    if (!refund_event && !*number)
        *outcome = SVC_WEBHOOK_UNKNOWN_ORDER;
    /* charge.refunded: from API version 2022-11-15 the charge no longer lists its
     * refunds; they are read from Stripe here, before any connection or transaction is
     * taken (a slow Stripe holds no lock). Unreachable: 503, nothing recorded, and
     * Stripe delivers the event again later. */
    json_t *listed = NULL;
    const char *pi = json_string_value(json_object_get(object, "payment_intent"));
    if (!strcmp(ty, "charge.refunded") &&
        !json_is_array(json_object_get(json_object_get(object, "refunds"), "data")) && pi &&
        stripe_refund_list(cfg, a, pi, &listed, e) != SF_OK) {
        json_decref(root);
        return e->status;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK) {
        json_decref(listed);
        json_decref(root);
        return e->status;
    }
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = refund_event ? refund_event_tx(c, a, *event_id, ty, object, listed, number, outcome, e)
                         : event_tx(c, a, *event_id, ty, *number, object, outcome, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    db_pool_release(pool, c);
    json_decref(listed);
    json_decref(root);
    return s;
}

const char *svc_webhook_outcome_name(svc_webhook_outcome o)
{
    switch (o) {
    case SVC_WEBHOOK_APPLIED: return "applied";
    case SVC_WEBHOOK_DUPLICATE: return "duplicate";
    case SVC_WEBHOOK_ALREADY_PAID: return "already_paid";
    case SVC_WEBHOOK_IGNORED: return "ignored";
    case SVC_WEBHOOK_UNKNOWN_ORDER: return "unknown_order";
    case SVC_WEBHOOK_NOT_PAYABLE: return "not_payable";
    case SVC_WEBHOOK_MISMATCH: return "mismatch";
    }
    return "ignored";
}

/* The dedupe row first: a concurrent delivery of the same event waits on its primary
 * key until this transaction ends, then inserts nothing and answers "duplicate". */
static sf_status event_tx(db_conn *c, arena *a, const char *event_id, const char *type,
                          const char *number, json_t *object, svc_webhook_outcome *outcome,
                          sf_error *e)
{
    bool inserted = false;
    if (db_payment_event_record(c, event_id, type, number, &inserted, e) != SF_OK)
        return e->status;
    if (!inserted) {
        *outcome = SVC_WEBHOOK_DUPLICATE;
        return SF_OK;
    }
    if (!number)
        return SF_OK; /* unknown_order, recorded so a retry is a duplicate */
    db_order_state o;
    sf_status s = db_order_find(c, a, number, &o, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        *outcome = SVC_WEBHOOK_UNKNOWN_ORDER;
        return SF_OK;
    }
    if (s != SF_OK)
        return s;
    /* A Checkout Session completes before an asynchronous method (a bank debit) has
     * paid: only payment_status "paid" pays. */
    if (is_session_event(type)) {
        const char *ps = json_string_value(json_object_get(object, "payment_status"));
        if (!ps || strcmp(ps, "paid") != 0) {
            y_log_message(Y_LOG_LEVEL_INFO,
                          "payment webhook: %s %s for order %s has payment_status %s: not paid "
                          "yet (checkout.session.async_payment_succeeded pays it)",
                          type, event_id, number, ps ? ps : "(none)");
            return SF_OK; /* ignored, recorded */
        }
    }
    /* Anyone who can get a signed event through (a PaymentIntent of another order, one
     * made for a smaller amount, a session for another total, a test of the metadata)
     * must not mark this order paid. */
    if (!pays_order(a, c, number, type, object, e, &s)) {
        if (s == SF_OK)
            *outcome = SVC_WEBHOOK_MISMATCH;
        return s;
    }
    if (o.paid || strcmp(o.status, "paid") == 0) {
        *outcome = SVC_WEBHOOK_ALREADY_PAID;
        return SF_OK;
    }
    s = svc_order_apply(c, &o, "mark_paid", "system", 0, arena_sprintf(a, "%s %s", type, event_id),
                        NULL, e);
    if (s == SF_CONFLICT) { /* cancelled or refunded: keep the record, change nothing */
        sf_error_clear(e);
        *outcome = SVC_WEBHOOK_NOT_PAYABLE;
        return SF_OK;
    }
    if (s == SF_OK)
        *outcome = SVC_WEBHOOK_APPLIED;
    return s;
}

/* Checkout Session events that can pay an order: completed (card: already paid) and
 * async_payment_succeeded (a delayed method that has now paid). */
static bool is_session_event(const char *type)
{
    return !strcmp(type, "checkout.session.completed") ||
           !strcmp(type, "checkout.session.async_payment_succeeded");
}

/* True when event object obj pays order number in full: its amount (a PaymentIntent's
 * amount_received, else amount; a Checkout Session's amount_total) and currency are the
 * order's total and currency, and a PaymentIntent is the one stored for the order. *s is
 * set on a database error. */
static bool pays_order(arena *a, db_conn *c, const char *number, const char *type, json_t *obj,
                       sf_error *e, sf_status *s)
{
    q_card_payment_get_row o = {0};
    *s = q_card_payment_get(c, a, &(q_card_payment_get_params){.number = number}, &o, e);
    if (*s != SF_OK)
        return false;
    bool intent = !is_session_event(type);
    const char *id = json_string_value(json_object_get(obj, "id"));
    const char *cur = json_string_value(json_object_get(obj, "currency"));
    json_t *amount = json_object_get(obj, intent ? "amount_received" : "amount_total");
    if (intent && !json_is_integer(amount))
        amount = json_object_get(obj, "amount");
    bool ok = (!intent || (id && o.payment_intent_id && strcmp(id, o.payment_intent_id) == 0)) &&
              json_is_integer(amount) && json_integer_value(amount) == o.total && cur &&
              o.currency && strcasecmp(cur, o.currency) == 0;
    if (!ok)
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "payment webhook: %s %s for order %s is not its PaymentIntent/total (%lld "
                      "%s, order has %s %lld %s): not paid",
                      type, id ? id : "(no id)", number,
                      json_is_integer(amount) ? (long long)json_integer_value(amount) : -1LL,
                      cur ? cur : "-", o.payment_intent_id ? o.payment_intent_id : "-",
                      (long long)o.total, o.currency);
    return ok;
}

/* Refund events (issue #12): refund.created / .updated / .failed and
 * charge.refund.updated carry a refund; charge.refunded carries the charge (its refunds
 * listed on older API versions, else read from Stripe: svc_webhook_apply). */
static bool is_refund_event(const char *type)
{
    return !strcmp(type, "refund.created") || !strcmp(type, "refund.updated") ||
           !strcmp(type, "refund.failed") || !strcmp(type, "charge.refund.updated") ||
           !strcmp(type, "charge.refunded");
}

/* The dedupe row first, as for payments; then each refund of the event (for
 * charge.refunded, each refund of its PaymentIntent: `listed` when read from Stripe) is
 * applied to ours (refunds.c). Outcome: applied when a refund changed, ignored when it
 * already said so (or there are no refunds), unknown_order when no order matches. */
static sf_status refund_event_tx(db_conn *c, arena *a, const char *event_id, const char *type,
                                 json_t *object, json_t *listed, const char **number,
                                 svc_webhook_outcome *outcome, sf_error *e)
{
    bool inserted = false;
    if (db_payment_event_record(c, event_id, type, *number, &inserted, e) != SF_OK)
        return e->status;
    if (!inserted) {
        *outcome = SVC_WEBHOOK_DUPLICATE;
        return SF_OK;
    }
    json_t *list = listed ? listed : json_object_get(json_object_get(object, "refunds"), "data");
    bool charge = strcmp(type, "charge.refunded") == 0;
    size_t n = charge ? json_array_size(list) : 1;
    bool any_order = false;
    for (size_t i = 0; i < n; i++) {
        bool changed = false;
        const char *order = NULL;
        sf_status s = svc_refund_reconcile(c, a, charge ? json_array_get(list, i) : object,
                                           &changed, &order, e);
        if (s != SF_OK)
            return s;
        if (order) {
            any_order = true;
            *number = order;
        }
        if (changed)
            *outcome = SVC_WEBHOOK_APPLIED;
    }
    if (!any_order && n > 0)
        *outcome = SVC_WEBHOOK_UNKNOWN_ORDER;
    return SF_OK;
}

static bool hex_decode(const char *hex, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned int b;
        if (sscanf(hex + 2 * i, "%2x", &b) != 1 || !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
            return false;
        out[i] = (unsigned char)b;
    }
    return true;
}

static sf_status bad_sig(sf_error *e, const char *why)
{
    return sf_fail(e, SF_INVALID, "invalid-signature", "%s", why);
}

sf_status svc_unpaid_sweep(db_conn *c, int ttl_s, int batch, int *cancelled, sf_error *e)
{
    *cancelled = 0;
    /* One transaction, so the ledger rows of the returned stock say why (expired). The
     * batch restocks many orders in one statement, so its rows name no single order:
     * the orders are the ones order_events shows cancelled by the system then. */
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = svc_stock_context(c, "expired", 0, 0, NULL, e);
    if (s == SF_OK)
        s = db_unpaid_cancel_batch(c, ttl_s, batch, cancelled, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    if (s != SF_OK)
        *cancelled = 0;
    return s;
}
