/*
 * refund_sender.c — sends again the card refunds Stripe never answered (see refunds.h,
 * docs/payments.md "When Stripe does not answer"), on the one worker shape (worker.h).
 *
 * Why: a refund whose call ended without a definite answer (no connection, a timeout,
 * 409/429/5xx) may or may not exist in Stripe. It stays pending, counted against what is
 * left to refund, so staff cannot pay the customer a second time; this worker finishes
 * it. Every send carries the same Idempotency-Key "refund-<id>" as the first, so Stripe
 * makes the refund at most once and answers a repeat with the refund it made.
 *
 * A round: lease the due refunds (refund_resend_lease: SKIP LOCKED, send_attempts + 1,
 * resend_at pushed past the round's calls, so another server or a crash mid-round cannot
 * send one twice at once), then, with no transaction open, call Stripe for each and record
 * its answer in a transaction of its own (svc_refund_record: order row first). Unknown
 * again: next try after REFUND_RESEND_SECONDS doubled per attempt, capped at
 * REFUND_RESEND_MAX_SECONDS. Stripe's idempotency keys last at least 24 hours: a refund
 * first sent more than 23 hours ago is looked for among the PaymentIntent's refunds
 * before it is sent again (svc_refund_resend_call), so a pruned key cannot make a second
 * refund.
 *
 * Each round then cancels in Stripe the PaymentIntents of card orders cancelled before
 * they were paid (intent_cancel.c).
 */
#include <stdio.h>
#include <yder.h>

#include "storefront/payments.h"
#include "storefront/queries_gen.h"
#include "storefront/refunds.h"

#define RESEND_BATCH   8
#define LEASE_SLACK_MS 60000 /* beyond the batch's calls before a lease runs out */
#define KEY_LIFETIME_S 86400 /* Stripe keeps an idempotency key at least this long */
/* Older than this, a refund is looked for in Stripe before it is sent again: an hour
 * before its key may go, so clock skew and a long round never cross the line. */
#define KEY_LOOKUP_AGE_S (KEY_LIFETIME_S - 3600)
#define POLL_MAX_MS      5000 /* due refunds are looked for at least this often */

static sf_status resend_round(void *ctx, db_conn *c, int *next_ms, sf_error *e);

sf_worker *svc_refund_sender_start(const sf_config *cfg)
{
    if (!cfg->stripe_api_key || cfg->refund_resend_s == 0) {
        y_log_message(Y_LOG_LEVEL_INFO, "refunds: %s, this process sends no refunds again",
                      cfg->stripe_api_key ? "REFUND_RESEND_SECONDS=0" : "STRIPE_API_KEY unset");
        return NULL;
    }
    int poll = cfg->refund_resend_s * 1000;
    sf_worker_spec spec = {
        .name = "refunds",
        .conninfo = cfg->database_url,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .interval_ms = poll < POLL_MAX_MS ? poll : POLL_MAX_MS,
        .run_at_start = true,
        .round = resend_round,
        .ctx = (void *)cfg,
    };
    return sf_worker_start(&spec);
}

/* One batch; a full batch may have more behind it: the next round at once. */
static sf_status resend_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    const sf_config *cfg = ctx;
    arena *a = arena_new(16384);
    if (!a)
        return sf_fail(e, SF_INTERNAL, NULL, "out of memory");
    q_refund_resend_lease_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_refund_resend_lease(
        c, a,
        &(q_refund_resend_lease_params){.max_rows = RESEND_BATCH,
                                        .lease_ms =
                                            RESEND_BATCH * cfg->stripe_timeout_ms + LEASE_SLACK_MS,
                                        .key_age_s = KEY_LOOKUP_AGE_S},
        &rows, &n, e);
    for (size_t i = 0; s == SF_OK && i < n; i++) {
        const q_refund_resend_lease_row *r = &rows[i];
        svc_refund_job job = {.id = r->id,
                              .amount = r->amount,
                              .actor_id = r->actor_id,
                              .number = r->number,
                              .payment_intent = r->payment_intent_id,
                              .reason = r->reason};
        svc_refund_answer ans;
        sf_error api;
        sf_error_clear(&api);
        if (!job.payment_intent) /* cannot happen for a card refund; never loop on it */
            ans = (svc_refund_answer){.outcome = SVC_REFUND_REFUSED,
                                      .status = "failed",
                                      .failure_reason = "the order has no PaymentIntent"};
        else
            svc_refund_resend_call(cfg, a, &job, r->key_old, &ans, &api);
        int delay_s = svc_refund_resend_delay_s(r->send_attempts, cfg->refund_resend_s,
                                                cfg->refund_resend_max_s);
        s = svc_refund_record(c, a, &job, &ans, delay_s * 1000, e);
        if (ans.outcome == SVC_REFUND_UNKNOWN)
            y_log_message(Y_LOG_LEVEL_WARNING,
                          "refunds: refund %lld of order %s: no answer from Stripe (send %d), "
                          "next try in %d s%s",
                          (long long)r->id, r->number, (int)r->send_attempts, delay_s,
                          r->key_old ? "; unanswered for over a day: check Stripe's status" : "");
        else
            y_log_message(Y_LOG_LEVEL_INFO, "refunds: refund %lld of order %s sent again: %s%s%s",
                          (long long)r->id, r->number, ans.status, ans.failure_reason ? ", " : "",
                          ans.failure_reason ? ans.failure_reason : "");
    }
    arena_free(a);
    /* The same worker cancels the PaymentIntents of cancelled card orders: the same
     * conditions (a Stripe key, one process that sends) and the same backoff. */
    int cancels = 0;
    if (s == SF_OK)
        s = svc_intent_cancel_round(cfg, c, RESEND_BATCH, &cancels, e);
    if (s == SF_OK && (n == RESEND_BATCH || cancels == RESEND_BATCH))
        *next_ms = 0;
    return s;
}
