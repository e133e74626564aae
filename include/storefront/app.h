/*
 * app.h — the long-lived state of a running server, built once at start-up and
 * passed to every handler. The only mutable shared state lives here (pool, metrics).
 */
#ifndef STOREFRONT_APP_H
#define STOREFRONT_APP_H

#include "storefront/auth.h"
#include "storefront/config.h"
#include "storefront/db.h"
#include "storefront/worker.h"

#define SF_APP_WORKERS_MAX 16

typedef struct http_metrics http_metrics;
typedef struct cs_writer cs_writer;
typedef struct cs_forwarder cs_forwarder;
typedef struct cs_rate cs_rate;
typedef struct http_cache http_cache;
typedef struct http_server http_server;

typedef struct sf_app {
    sf_config cfg;
    db_pool *pool;
    http_metrics *metrics;
    auth_verifier *auth;  /* NULL when Cognito is not configured: protected routes 503 */
    cs_writer *events;    /* the clickstream's group-commit writer (clickstream.h) */
    cs_rate *events_rate; /* anonymous ingestion limit per client address (clickstream.h) */
    /* Hashes of subs known to have a customer row (direct-mapped, lossy), so the
     * "create on first request" check costs the database once per person per process. */
    _Atomic unsigned long long *known_subs;
    size_t known_subs_len;
    /* Customer-profile retry pacing (customer_profile.h), known_subs_len slots. */
    _Atomic unsigned long long *profile_retry;
    /* The clickstream's outbox forwarder to Kinesis (forwarder.h); NULL when
     * KINESIS_STREAM is unset. /metrics reads its counters. */
    cs_forwarder *forwarder;
    /* Every background worker that runs (worker.h), in start order: partition upkeep,
     * sweeper, analytics refresher, forwarder, mailer, webhook sender — those that
     * started; a NULL one (off, or failed to start) is not listed. Filled before the
     * HTTP server starts and left alone until it stops; /metrics reads their counters.
     * The forwarder's entry is owned by `forwarder` (stopped through cs_forwarder_stop). */
    sf_worker *workers[SF_APP_WORKERS_MAX];
    int nworkers;
    /* The catalog response cache (api/http/cache.c, docs/caching.md); it runs even with
     * CATALOG_CACHE_BYTES=0 (no bodies kept, (version, key) ETags still answered); NULL
     * only when it could not start: handlers answer every request. */
    http_cache *cache;
    /* The running HTTP server (api/http/mhd.c), for its /metrics samples; NULL before
     * http_server_start and after http_server_stop. */
    http_server *http;
} sf_app;

#endif
