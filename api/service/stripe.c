/*
 * stripe.c — card payments through Stripe's API (see payments.h).
 * Placeholder until issue #12's Stripe part lands: leaves every answer unchanged.
 */
#include "storefront/payments.h"

sf_status svc_card_payment_attach(db_pool *pool, arena *a, const sf_config *cfg,
                                  svc_checkout_result *r, sf_error *e)
{
    (void)pool, (void)a, (void)cfg, (void)r, (void)e;
    return SF_OK;
}

sf_status svc_card_payment_ready(const sf_config *cfg, const svc_checkout_input *in, sf_error *e)
{
    (void)cfg, (void)in, (void)e;
    return SF_OK;
}
