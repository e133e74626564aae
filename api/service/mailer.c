/*
 * mailer.c — order e-mails from the outbox through SES (see messages.h).
 * Placeholder until issue #12's e-mail part lands: starts nothing.
 */
#include "storefront/messages.h"

sf_worker *svc_mailer_start(const sf_config *cfg)
{
    (void)cfg;
    return NULL;
}
