/*
 * webhooks.h — partner webhooks (issue #12, item 5; docs/webhooks.md): the endpoints
 * staff register (webhooks.c), their deliveries and replays (webhook_deliveries.c), the
 * SSRF guard on every target (webhook_target.c) and the signature every delivery
 * carries (webhook_sender.c, which also sends them; see messages.h).
 *
 * Answers are JSON text built by PostgreSQL (schema/queries/webhooks.sql) in the
 * request's arena. `revision` arguments come from If-Match: 0 = any, n = must still be
 * at revision n, else SF_CONFLICT "precondition-failed" (412). Unknown rows are
 * SF_NOT_FOUND.
 */
#ifndef STOREFRONT_WEBHOOKS_H
#define STOREFRONT_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/config.h"
#include "storefront/db.h"
#include "storefront/error.h"

/* The event types an endpoint may subscribe to (NULL-terminated). */
extern const char *const svc_webhook_event_types[];

/* One endpoint or delivery as JSON, with what the handler needs for headers. */
typedef struct svc_webhook_doc {
    const char *json;
    int64_t id;
    int64_t revision; /* endpoints; 0 for deliveries */
    bool replayed;    /* a create answered from its Idempotency-Key */
} svc_webhook_doc;

/* --- endpoints (webhooks.c) ---------------------------------------------------- */

/* {items: [WebhookEndpoint…], next_cursor}, newest first; secrets never shown. A bad
 * cursor is SF_INVALID naming "cursor". */
sf_status svc_webhooks_list(db_pool *pool, const sf_config *cfg, arena *a, int limit,
                            const char *cursor, const char **json, sf_error *e);
/* Registers an endpoint from {url, event_types, description?, active?}: the URL is
 * checked by svc_webhook_target_check (SSRF), the secret ("whsec_" + 64 hex) made
 * here and shown in this answer only. `key` (Idempotency-Key) may be NULL: no
 * idempotency. */
sf_status svc_webhook_create(db_pool *pool, const sf_config *cfg, arena *a,
                             const auth_principal *who, const char *key, const char *body,
                             size_t len, svc_webhook_doc *out, sf_error *e);
sf_status svc_webhook_get(db_pool *pool, arena *a, int64_t id, svc_webhook_doc *out, sf_error *e);
/* Merge-patch of url, event_types, description, active; {"rotate_secret": true} makes
 * a new secret, shown in this answer only. */
sf_status svc_webhook_update(db_pool *pool, const sf_config *cfg, arena *a, int64_t id,
                             int64_t revision, const char *body, size_t len, svc_webhook_doc *out,
                             sf_error *e);
/* Deletes the endpoint and its deliveries. */
sf_status svc_webhook_delete(db_pool *pool, int64_t id, int64_t revision, sf_error *e);

/* --- deliveries (webhook_deliveries.c) ------------------------------------------- */

/* {items: [WebhookDelivery…], next_cursor}, newest first; state NULL = all, else
 * "pending", "sent" or "failed". SF_NOT_FOUND for an unknown endpoint. */
sf_status svc_webhook_deliveries_list(db_pool *pool, const sf_config *cfg, arena *a,
                                      int64_t endpoint_id, const char *state, int limit,
                                      const char *cursor, const char **json, sf_error *e);
sf_status svc_webhook_delivery_get(db_pool *pool, arena *a, int64_t endpoint_id,
                                   int64_t delivery_id, svc_webhook_doc *out, sf_error *e);
/* Queues the delivery again as a new row (replay_of = it, the same event id); *out is
 * the new delivery. */
sf_status svc_webhook_delivery_replay(db_pool *pool, arena *a, int64_t endpoint_id,
                                      int64_t delivery_id, svc_webhook_doc *out, sf_error *e);

/* --- targets and SSRF (webhook_target.c) ------------------------------------------ */

/* A target parsed and resolved: what the sender pins the connection to. */
typedef struct svc_webhook_target {
    char host[256];   /* as in the URL, without brackets */
    int port;         /* explicit or the scheme's */
    char address[64]; /* the first resolved address, text (no brackets) */
    bool ipv6;
} svc_webhook_target;

/* True when an address may be called without the development setting: not loopback,
 * private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10),
 * CGNAT (100.64/10), unspecified, multicast, broadcast, reserved or documentation
 * ranges, nor an IPv4-mapped/compatible/NAT64/6to4 IPv6 form of one of those. */
bool svc_webhook_addr_public(const struct sockaddr *sa);
/* The same for an address written as text (IPv4 dotted or IPv6); false when it is not
 * an address. */
bool svc_webhook_ip_public(const char *ip);

/* Checks a target URL: http(s) only (http and non-public addresses only with
 * allow_private), no user info or fragment, at most 2048 characters; resolves the host
 * and refuses it when ANY address it resolves to is not public. SF_INVALID naming
 * `field` (the registration) with a clear message. On success fills *t (may be NULL). */
sf_status svc_webhook_target_check(const char *url, bool allow_private, const char *field,
                                   svc_webhook_target *t, sf_error *e);

/* --- signatures (webhook_sender.c) --------------------------------------------------- */

#define SVC_WEBHOOK_SIG_MAX 96

/* Storefront-Signature for a body sent at unix time t: "t=<t>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" keyed with the whole secret string>". */
void svc_webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
                      char out[SVC_WEBHOOK_SIG_MAX]);

/* The retry delay after `attempts` failed attempts: 1 s doubling, capped at max_s,
 * then jittered down to a random point in its upper half. `rnd` is any random value. */
int svc_webhook_backoff_ms(int attempts, int max_s, unsigned rnd);

#endif
