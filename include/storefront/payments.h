/*
 * payments.h — the payment provider's webhook (POST /v1/payments/webhook, Stripe
 * compatible) and the sweeper that cancels orders left unpaid.
 *
 * A webhook delivery is trusted only when its Stripe-Signature header carries a v1
 * HMAC-SHA256 (key STRIPE_WEBHOOK_SECRET) of "<t>.<raw body>" and t is within the
 * tolerance. A payment event marks the order paid exactly once: its event id is
 * inserted into payment_events in the same transaction as the transition, so a replay
 * (or a concurrent second delivery) finds the row and changes nothing.
 */
#ifndef STOREFRONT_PAYMENTS_H
#define STOREFRONT_PAYMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/config.h"
#include "storefront/db.h"
#include "storefront/orders.h"
#include "storefront/worker.h"

/* Checks header (the Stripe-Signature value) against body[0..len) with secret at time
 * now: any v1 entry may match (compared in constant time); |now - t| must not exceed
 * tolerance_s. SF_INVALID with code "invalid-signature" otherwise. */
sf_status svc_webhook_verify(const char *secret, int tolerance_s, int64_t now, const char *header,
                             const char *body, size_t len, sf_error *e);

/* What a verified event did. */
typedef enum svc_webhook_outcome {
    SVC_WEBHOOK_APPLIED,       /* the order is now paid */
    SVC_WEBHOOK_DUPLICATE,     /* this event id was handled before: nothing changed */
    SVC_WEBHOOK_ALREADY_PAID,  /* the order was paid already: nothing changed */
    SVC_WEBHOOK_IGNORED,       /* another event type */
    SVC_WEBHOOK_UNKNOWN_ORDER, /* no order with that number (recorded, not retried) */
    SVC_WEBHOOK_NOT_PAYABLE,   /* the order is cancelled or refunded (recorded) */
    SVC_WEBHOOK_MISMATCH,      /* payment_intent.succeeded whose PaymentIntent, amount or
                                  currency is not the order's: not paid (recorded) */
} svc_webhook_outcome;

/* Applies a verified event body {id, type, data:{object:{metadata:{order_number}}}}.
 * payment_intent.succeeded marks the order paid only when the object is the order's
 * stored PaymentIntent for its total (amount_received, else amount) and currency; else
 * the outcome is mismatch. charge.refunded whose charge does not list its refunds (API
 * version 2022-11-15 and later) reads them from Stripe first (cfg; no transaction open):
 * Stripe unreachable is SF_UNAVAILABLE, nothing recorded, so Stripe delivers it again.
 * SF_INVALID ("bad-request") when the body is not such a JSON object. *number is the
 * order number named (or NULL), in a. */
sf_status svc_webhook_apply(db_pool *pool, arena *a, const sf_config *cfg, const char *body,
                            size_t len, svc_webhook_outcome *outcome, const char **event_id,
                            const char **number, sf_error *e);

/* Name of an outcome for the response and the log ("applied", "duplicate", ...). */
const char *svc_webhook_outcome_name(svc_webhook_outcome o);

/* Cancels up to `batch` cash-less orders (not cod) left pending_payment for longer than
 * ttl_s, returning their stock, actor system; *cancelled is how many. One transaction on
 * c, committed or rolled back before it returns. */
sf_status svc_unpaid_sweep(db_conn *c, int ttl_s, int batch, int *cancelled, sf_error *e);

/* The background sweeper, an sf_worker named "sweeper" (worker.h) on a connection of its
 * own: every UNPAID_SWEEP_INTERVAL_SECONDS one batch of svc_unpaid_sweep, and the next
 * batch at once while batches come back full. cfg must outlive it. NULL when it cannot
 * start (logged). Stop with sf_worker_stop. */
sf_worker *svc_sweeper_start(const sf_config *cfg);

/* --- card payments through Stripe (stripe.c, issue #12) -------------------------- */

/* After a checkout answer (fresh or replayed, guest or signed-in) whose order pays by
 * card: makes sure the order has a PaymentIntent (created once per order through
 * Stripe's API with an Idempotency-Key derived from the order, so a retry never
 * creates a second one; its id and client secret stored on the order) and adds
 * "payment": {"provider": "stripe", "payment_intent_id", "client_secret", "status"} to
 * r->body (in a). Other payment methods: r unchanged. SF_UNAVAILABLE (the handler
 * answers 503 with Retry-After) when Stripe cannot be reached or answers 429/5xx: the order
 * stays pending_payment and a retry of the same checkout (same Idempotency-Key)
 * finishes it. */
sf_status svc_card_payment_attach(db_pool *pool, arena *a, const sf_config *cfg,
                                  svc_checkout_result *r, sf_error *e);

/* Before placing an order (both checkouts): SF_UNAVAILABLE when `in` pays by card but
 * card payments are not configured (no STRIPE_API_KEY), so no order is made that could
 * never be paid; SF_OK otherwise. */
sf_status svc_card_payment_ready(const sf_config *cfg, const svc_checkout_input *in, sf_error *e);

/* One round of PaymentIntent cancels (migration 0021, api/service/intent_cancel.c), run
 * by the refund sender's worker on its connection c: leases up to `batch` due cancels of
 * cancelled, unpaid card orders, calls POST /v1/payment_intents/{id}/cancel for each with
 * no transaction open, and records the answer: done with the PaymentIntent's status
 * (`canceled`, or the status that kept it from being cancelled, e.g. `succeeded`), or
 * no answer → tried again after the refunds' backoff (REFUND_RESEND_SECONDS doubled per
 * attempt, capped at REFUND_RESEND_MAX_SECONDS). *leased tells how many were due. */
sf_status svc_intent_cancel_round(const sf_config *cfg, db_conn *c, int batch, int *leased,
                                  sf_error *e);

#endif
