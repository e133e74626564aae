/*
 * refunds.h — staff refunds, full or partial (api/service/refunds.c), and their
 * reconciliation from the payment provider's webhooks.
 *
 * A refund is a row in `refunds` (0015). A card order's refund is inserted 'pending'
 * under the order's row lock (so refunds together never exceed what was paid), then
 * Stripe's refund API is called with Idempotency-Key "refund-<id>" and the row takes
 * Stripe's id and status. A cod/manual refund is recorded 'succeeded' at once: staff pay
 * that money back outside the system. A succeeded refund counts in orders.refunded_total
 * (trigger) and emits order.refunded; when the succeeded refunds reach the order total
 * the order moves to `refunded` through the state machine (order_states.c).
 *
 * A card refund whose call to Stripe ends without a definite answer (no connection, a
 * timeout, 409/429/5xx: Stripe may or may not have made it) stays 'pending', still
 * counted against what is left, and the refund sender (refund_sender.c) sends it again
 * under the same Idempotency-Key until Stripe answers: it is never refunded twice. Only a
 * definite refusal (another 4xx) records it 'failed'.
 */
#ifndef STOREFRONT_REFUNDS_H
#define STOREFRONT_REFUNDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "storefront/auth.h"
#include "storefront/config.h"
#include "storefront/db.h"
#include "storefront/worker.h"

#define SVC_REFUND_REASON_MAX 500

/* A parsed POST /v1/admin/orders/{number}/refunds body: amount in minor units (0 = all
 * that is left to refund), reason (NULL = none). */
typedef struct svc_refund_input {
    int64_t amount;
    const char *reason;
} svc_refund_input;

/* Parses {amount?: integer >= 1, reason?: 1..500 characters}; unknown fields and wrong
 * types are field errors in e (SF_INVALID). */
sf_status svc_refund_input_parse(arena *a, const char *body, size_t len, svc_refund_input *out,
                                 sf_error *e);

/* Refunds `in` of order `number` for staff member `who`. key (may be NULL) is the
 * request's Idempotency-Key: the same key on the same order answers the refund it made
 * (*replayed true; a card refund still waiting for Stripe's answer is sent again, under
 * the same Stripe idempotency key); with another body, SF_CONFLICT code
 * "idempotency-key-reused". *json is the Refund (in a). *accepted is true when Stripe's
 * answer is unknown (the refund stays pending and the refund sender sends it again: the
 * HTTP answer is 202). SF_NOT_FOUND: no such order; SF_CONFLICT: the order is unpaid,
 * fully refunded, or the amount exceeds what is left (the detail says how much), or
 * Stripe refused (its message in the detail; the row is kept as failed);
 * SF_UNAVAILABLE: a card order while card payments are not configured (nothing is
 * recorded). */
sf_status svc_refund_create(db_pool *pool, arena *a, const sf_config *cfg,
                            const auth_principal *who, const char *number, const char *key,
                            const svc_refund_input *in, const char **json, bool *replayed,
                            bool *accepted, sf_error *e);

/* The staff action `refund` (POST …/transitions): a refund of everything left, through
 * svc_refund_create, allowed only where the state machine allows `refund` (the same 409
 * otherwise). note becomes the refund's reason. */
sf_status svc_refund_full(db_pool *pool, arena *a, const sf_config *cfg, const auth_principal *who,
                          const char *number, const char *note, sf_error *e);

/* Staff's list of an order's refunds as {"items": [...]} (in a); SF_NOT_FOUND when there
 * is no such order. */
sf_status svc_refund_list(db_pool *pool, arena *a, const char *number, const char **json,
                          sf_error *e);

/* One refund of order `number` as JSON (in a); SF_NOT_FOUND when the order has no
 * refund with that id. */
sf_status svc_refund_get(db_pool *pool, arena *a, const char *number, int64_t id, const char **json,
                         sf_error *e);

/* One card refund to send to Stripe: our id, the order, its PaymentIntent, the amount,
 * the staff reason (may be NULL) and the staff member (0 = none), for the order's
 * history when the refund completes the order. */
typedef struct svc_refund_job {
    int64_t id, amount, actor_id;
    const char *number, *payment_intent, *reason;
} svc_refund_job;

/* Stripe's answer to a refund create: sent (its id and status), refused (a definite
 * 4xx, the reason in failure_reason), or unknown (no answer, 409, 429, 5xx). */
typedef enum svc_refund_outcome {
    SVC_REFUND_SENT,
    SVC_REFUND_REFUSED,
    SVC_REFUND_UNKNOWN,
} svc_refund_outcome;
typedef struct svc_refund_answer {
    svc_refund_outcome outcome;
    const char *provider_refund_id, *status, *failure_reason; /* in the caller's arena */
} svc_refund_answer;

/* POST /v1/refunds for job with Idempotency-Key "refund-<id>", no connection held (the
 * call takes up to STRIPE_TIMEOUT_MS). Never fails: what happened is in *ans; e keeps
 * Stripe's error (the refusal's detail for the caller's answer). */
void svc_refund_call(const sf_config *cfg, arena *a, const svc_refund_job *job,
                     svc_refund_answer *ans, sf_error *e);

/* svc_refund_call for the refund sender. key_old: the refund was first sent long enough
 * ago that Stripe may have pruned its idempotency key (kept at least 24 hours), so the
 * same key no longer guarantees one refund. Then the PaymentIntent's refunds are listed
 * first (GET /v1/refunds?payment_intent=) and the one whose metadata.refund_id is ours is
 * the answer; only when none is there is the refund created. The list failing is an
 * unknown answer (tried again later), never a blind create. */
void svc_refund_resend_call(const sf_config *cfg, arena *a, const svc_refund_job *job, bool key_old,
                            svc_refund_answer *ans, sf_error *e);

/* Records ans on refund job->id in one transaction of its own on c (order row locked
 * first): sent = Stripe's id and status (the order becomes `refunded` when this completes
 * it), refused = failed with the reason, unknown = stays pending, sent again after
 * resend_ms. A row that is no longer pending (a webhook came first) is left as it is. */
sf_status svc_refund_record(db_conn *c, arena *a, const svc_refund_job *job,
                            const svc_refund_answer *ans, int resend_ms, sf_error *e);

/* The delay before the next send of a refund Stripe did not answer after `attempts`
 * sends by the sender: base_s doubled per attempt, at most max_s (seconds). */
int svc_refund_resend_delay_s(int attempts, int base_s, int max_s);

/* The refund sender, an sf_worker named "refunds" (worker.h) on its own connection: sends
 * again the card refunds Stripe has not answered (see above), and cancels the
 * PaymentIntents of cancelled, unpaid card orders (svc_intent_cancel_round). NULL when card
 * payments are not configured, REFUND_RESEND_SECONDS is 0, or it cannot start (logged). Stop with
 * sf_worker_stop. */
sf_worker *svc_refund_sender_start(const sf_config *cfg);

/* Inside the webhook's transaction: applies a Stripe refund object (refund.created,
 * refund.updated, refund.failed, charge.refund.updated, or each refund of the
 * PaymentIntent of a charge.refunded) to our row,
 * found by Stripe's id or by metadata.refund_id; a refund we do not know (made in
 * Stripe's dashboard) is recorded against the order whose PaymentIntent it names.
 * *changed tells whether anything changed; *number is the order's (in a), NULL when no
 * order matches. */
sf_status svc_refund_reconcile(db_conn *c, arena *a, json_t *refund, bool *changed,
                               const char **number, sf_error *e);

#endif
