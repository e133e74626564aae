/*
 * webhook_sender.c — partner webhooks from the outbox (see messages.h).
 * Placeholder until issue #12's webhook part lands: starts nothing.
 */
#include "storefront/messages.h"

sf_worker *svc_webhook_sender_start(const sf_config *cfg)
{
    (void)cfg;
    return NULL;
}
