/*
 * messages.h — the senders of the transactional outbox (message_outbox, migration
 * 0015; docs/messages.md): order e-mails through Amazon SES (mailer.c) and partner
 * webhooks (webhook_sender.c). Rows are written by triggers in the transaction that
 * changed the order, product or stock; each sender is an sf_worker (worker.h) on its
 * own connection that takes due rows of its channel, sends them, and marks them.
 */
#ifndef STOREFRONT_MESSAGES_H
#define STOREFRONT_MESSAGES_H

#include "storefront/config.h"
#include "storefront/worker.h"

/* The e-mail sender; NULL when SES is not configured (then e-mail rows wait in the
 * outbox, nothing is lost) or it cannot start (logged). Stop with sf_worker_stop. */
sf_worker *svc_mailer_start(const sf_config *cfg);

/* The webhook sender; NULL when it cannot start (logged). Stop with sf_worker_stop. */
sf_worker *svc_webhook_sender_start(const sf_config *cfg);

#endif
