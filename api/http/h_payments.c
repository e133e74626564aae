/*
 * h_payments.c — POST /v1/payments/webhook: the payment provider's events (Stripe
 * compatible). Public (no bearer): the Stripe-Signature header is the authentication,
 * checked over the raw body byte for byte before anything is parsed. 503 while
 * STRIPE_WEBHOOK_SECRET is unset. Every verified event answers 200 (the provider retries
 * anything else), with what it did in `outcome`.
 */
#include <time.h>

#include "http/http.h"
#include "storefront/payments.h"

void h_payments_webhook(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    const sf_config *cfg = &c->app->cfg;
    if (!cfg->stripe_webhook_secret) {
        http_send_problem(c, SF_UNAVAILABLE, "service-unavailable",
                          "Payment webhooks are not configured.");
        return;
    }
    /* The raw bytes as received: the signature covers them exactly. */
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    const char *sig = u_map_get_case(c->req->map_header, "Stripe-Signature");
    svc_webhook_outcome outcome;
    const char *event_id, *number;
    if (svc_webhook_verify(cfg->stripe_webhook_secret, cfg->stripe_webhook_tolerance_s,
                           (int64_t)time(NULL), sig, body, len, &e) != SF_OK ||
        svc_webhook_apply(c->app->pool, c->a, cfg, body, len, &outcome, &event_id, &number, &e) !=
            SF_OK) {
        if (e.status == SF_UNAVAILABLE)
            c->retry_after = 5;
        http_send_error(c, &e);
        return;
    }
    if (outcome == SVC_WEBHOOK_UNKNOWN_ORDER || outcome == SVC_WEBHOOK_NOT_PAYABLE ||
        outcome == SVC_WEBHOOK_MISMATCH)
        y_log_message(Y_LOG_LEVEL_WARNING, "payment webhook %s: event %s order %s",
                      svc_webhook_outcome_name(outcome), event_id, number ? number : "(none)");
    jw w;
    jw_init(&w, 128);
    jw_obj_begin(&w);
    jw_key(&w, "received");
    jw_bool(&w, true);
    jw_key(&w, "outcome");
    jw_str(&w, svc_webhook_outcome_name(outcome));
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}
