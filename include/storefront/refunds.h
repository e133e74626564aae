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
 */
#ifndef STOREFRONT_REFUNDS_H
#define STOREFRONT_REFUNDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "storefront/auth.h"
#include "storefront/config.h"
#include "storefront/db.h"

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
 * (*replayed true; a card refund left pending because Stripe was unreachable is sent
 * again, under the same Stripe idempotency key); with another body, SF_CONFLICT code
 * "idempotency-key-reused". *json is the Refund (in a). SF_NOT_FOUND: no such order;
 * SF_CONFLICT: the order is unpaid, fully refunded, or the amount exceeds what is left
 * (the detail says how much), or Stripe refused (its message in the detail; the row is
 * kept as failed); SF_UNAVAILABLE: Stripe unreachable (without a key the row is marked
 * failed, so nothing stays in doubt; with a key it stays pending for the retry). */
sf_status svc_refund_create(db_pool *pool, arena *a, const sf_config *cfg,
                            const auth_principal *who, const char *number, const char *key,
                            const svc_refund_input *in, const char **json, bool *replayed,
                            sf_error *e);

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

/* Inside the webhook's transaction: applies a Stripe refund object (refund.created,
 * refund.updated, refund.failed, or each refund listed in charge.refunded) to our row,
 * found by Stripe's id or by metadata.refund_id; a refund we do not know (made in
 * Stripe's dashboard) is recorded against the order whose PaymentIntent it names.
 * *changed tells whether anything changed; *number is the order's (in a), NULL when no
 * order matches. */
sf_status svc_refund_reconcile(db_conn *c, arena *a, json_t *refund, bool *changed,
                               const char **number, sf_error *e);

#endif
