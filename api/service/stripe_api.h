/*
 * stripe_api.h — the few calls of Stripe's REST API that card payments need
 * (api/service/stripe_api.c): create, retrieve and cancel a PaymentIntent, create a Refund
 * (its later status arrives by webhook), list a PaymentIntent's refunds. Bodies are form-encoded as
 * Stripe's API takes them, authenticated with `Authorization: Bearer <STRIPE_API_KEY>`, with a
 * pinned `Stripe-Version` and, on every POST, an `Idempotency-Key` chosen by the caller from our
 * own ids, so a retry of any call can never create a second PaymentIntent or Refund.
 *
 * Errors, mapped once here: connection failure, timeout, 409 (another request with the
 * same Idempotency-Key still running), 429 and 5xx → SF_UNAVAILABLE ("try again": the
 * outcome is unknown); 401/403 (a wrong or restricted key) → SF_UNAVAILABLE too, logged
 * as a configuration error; any other 4xx (card_error, invalid_request_error,
 * idempotency_error) → SF_CONFLICT with Stripe's error type and message in the detail: a
 * definite refusal, nothing was done.
 * The key and client secrets are never logged.
 */
#ifndef STOREFRONT_STRIPE_API_H
#define STOREFRONT_STRIPE_API_H

#include <jansson.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/config.h"
#include "storefront/error.h"

/* The API version every request pins (Stripe-Version), so an account upgrade on Stripe's
 * side cannot change the shapes read here. */
#define STRIPE_API_VERSION "2024-06-20"

/* The fields read from a PaymentIntent or Refund; strings in the caller's arena, NULL
 * when absent. */
typedef struct stripe_object {
    const char *id;             /* pi_… or re_… */
    const char *status;         /* e.g. requires_payment_method, succeeded, pending */
    const char *client_secret;  /* PaymentIntent only */
    const char *payment_intent; /* Refund only */
    const char *currency;       /* lowercase, as Stripe writes it */
    const char *failure_reason; /* Refund only */
    int64_t amount;             /* minor units */
} stripe_object;

/* POST /v1/payment_intents: amount (minor units) in currency (ISO code, sent
 * lowercase), automatic payment methods, metadata[order_number]. */
sf_status stripe_payment_intent_create(const sf_config *cfg, arena *a, const char *idempotency_key,
                                       int64_t amount, const char *currency,
                                       const char *order_number, stripe_object *out, sf_error *e);

/* GET /v1/payment_intents/{id}. */
sf_status stripe_payment_intent_get(const sf_config *cfg, arena *a, const char *id,
                                    stripe_object *out, sf_error *e);

/* POST /v1/payment_intents/{id}/cancel (no parameters). A PaymentIntent that can no
 * longer be cancelled (succeeded, already canceled) is Stripe's 400
 * payment_intent_unexpected_state: SF_CONFLICT. */
sf_status stripe_payment_intent_cancel(const sf_config *cfg, arena *a, const char *idempotency_key,
                                       const char *id, stripe_object *out, sf_error *e);

/* POST /v1/refunds: amount of payment_intent, metadata[order_number] and
 * metadata[refund_id] (ours); note (may be NULL) goes to metadata[note], and to
 * Stripe's own `reason` when it is one of its values (duplicate, fraudulent,
 * requested_by_customer). */
sf_status stripe_refund_create(const sf_config *cfg, arena *a, const char *idempotency_key,
                               const char *payment_intent, int64_t amount, const char *note,
                               const char *order_number, int64_t refund_id, stripe_object *out,
                               sf_error *e);

/* GET /v1/refunds?payment_intent=…&limit=100, following has_more (starting_after) up to
 * a bound: every refund of the PaymentIntent, newest first, as a new JSON array in
 * *refunds (the caller releases it; NULL on failure). Needed because charge.refunded on
 * API version 2022-11-15 and later no longer lists the charge's refunds. */
sf_status stripe_refund_list(const sf_config *cfg, arena *a, const char *payment_intent,
                             json_t **refunds, sf_error *e);

/* application/x-www-form-urlencoded value encoding (RFC 3986 unreserved kept, every
 * other byte %XX), in a. Exposed for the unit test. */
char *stripe_form_encode(arena *a, const char *s);

#endif
