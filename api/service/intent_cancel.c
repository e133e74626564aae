/*
 * intent_cancel.c — cancels in Stripe the PaymentIntent of a card order cancelled before
 * it was paid (see payments.h, migration 0021, docs/payments.md "Orders left unpaid").
 *
 * Why: the customer's browser still holds the PaymentIntent's client secret. Left open,
 * it could be confirmed after the order was cancelled and its stock returned: the money
 * taken for nothing, and a refund for staff to make by hand. Cancelled, Stripe refuses
 * the confirm.
 *
 * Shaped as the refund resend (refund_sender.c, whose worker runs this round): lease
 * the due rows, call Stripe with no transaction open, record each answer on its own.
 * Every call carries Idempotency-Key "order-<number>-pi-cancel". A refusal is an answer
 * too: the PaymentIntent is read to record the status that kept it open (`succeeded`
 * when the customer paid first: the webhook then reports `not_payable` for staff).
 */
#include <stdio.h>
#include <string.h>
#include <yder.h>

#include "service/stripe_api.h"
#include "storefront/payments.h"
#include "storefront/queries_gen.h"
#include "storefront/refunds.h"

#define LEASE_SLACK_MS 60000 /* beyond the batch's calls before a lease runs out */

static sf_status record(db_conn *c, int64_t order_id, const char *outcome, int delay_ms,
                        sf_error *e);

sf_status svc_intent_cancel_round(const sf_config *cfg, db_conn *c, int batch, int *leased,
                                  sf_error *e)
{
    *leased = 0;
    arena *a = arena_new(8192);
    if (!a)
        return sf_fail(e, SF_INTERNAL, NULL, "out of memory");
    q_intent_cancel_lease_row *rows = NULL;
    size_t n = 0;
    /* Two calls per row at most (the cancel, then a read after a refusal). */
    sf_status s = q_intent_cancel_lease(
        c, a,
        &(q_intent_cancel_lease_params){
            .max_rows = batch, .lease_ms = 2 * batch * cfg->stripe_timeout_ms + LEASE_SLACK_MS},
        &rows, &n, e);
    *leased = (int)n;
    for (size_t i = 0; s == SF_OK && i < n; i++) {
        const q_intent_cancel_lease_row *r = &rows[i];
        stripe_object pi;
        sf_error api;
        sf_error_clear(&api);
        sf_status got =
            stripe_payment_intent_cancel(cfg, a, arena_sprintf(a, "order-%s-pi-cancel", r->number),
                                         r->payment_intent_id, &pi, &api);
        const char *outcome = NULL;
        if (got == SF_OK) {
            outcome = pi.status ? pi.status : "canceled";
        } else if (got == SF_CONFLICT) {
            /* Refused: say why in its own words, or better, the status it is in now. */
            sf_error again;
            sf_error_clear(&again);
            if (stripe_payment_intent_get(cfg, a, r->payment_intent_id, &pi, &again) == SF_OK &&
                pi.status)
                outcome = pi.status;
            else
                outcome = arena_sprintf(a, "%.480s", api.detail[0] ? api.detail : "refused");
        }
        int delay_s =
            svc_refund_resend_delay_s(r->attempts, cfg->refund_resend_s, cfg->refund_resend_max_s);
        s = record(c, r->order_id, outcome, delay_s * 1000, e);
        if (!outcome)
            y_log_message(Y_LOG_LEVEL_WARNING,
                          "payments: PaymentIntent of cancelled order %s: no answer from Stripe "
                          "(try %d), next try in %d s",
                          r->number, (int)r->attempts, delay_s);
        else if (strcmp(outcome, "canceled") != 0)
            y_log_message(
                Y_LOG_LEVEL_WARNING,
                "payments: PaymentIntent %s of cancelled order %s was not cancelled: "
                "%s%s",
                r->payment_intent_id, r->number, outcome,
                strcmp(outcome, "succeeded") == 0 ? " (the customer paid first: refund it)" : "");
        else
            y_log_message(Y_LOG_LEVEL_INFO,
                          "payments: PaymentIntent %s of cancelled order %s cancelled in Stripe",
                          r->payment_intent_id, r->number);
    }
    arena_free(a);
    return s;
}

/* outcome NULL: no answer, due again after delay_ms; else done with that outcome. */
static sf_status record(db_conn *c, int64_t order_id, const char *outcome, int delay_ms,
                        sf_error *e)
{
    long rows = 0;
    if (!outcome)
        return q_intent_cancel_later(
            c, &(q_intent_cancel_later_params){.delay_ms = delay_ms, .order_id = order_id}, &rows,
            e);
    return q_intent_cancel_done(
        c, &(q_intent_cancel_done_params){.outcome = outcome, .order_id = order_id}, &rows, e);
}
