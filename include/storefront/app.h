/*
 * app.h — the long-lived state of a running server, built once at start-up and
 * passed to every handler. The only mutable shared state lives here (pool, metrics).
 */
#ifndef STOREFRONT_APP_H
#define STOREFRONT_APP_H

#include "storefront/config.h"
#include "storefront/db.h"

typedef struct http_metrics http_metrics;

typedef struct sf_app {
    sf_config cfg;
    db_pool *pool;
    http_metrics *metrics;
} sf_app;

#endif
