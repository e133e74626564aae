/*
 * analytics_refresher.c — the worker that keeps the analytics rollups fresh: every
 * ANALYTICS_REFRESH_SECONDS it calls analytics_refresh() on a connection of its own (not
 * a pool slot, and without the request statement timeout: the first refresh over a big
 * store can take minutes). Thread, sleep, reconnect and stop are sf_worker's.
 */
#include <yder.h>

#include "storefront/analytics.h"
#include "storefront/db_analytics.h"

static sf_status refresh_round(void *ctx, db_conn *c, int *next_ms, sf_error *e);

sf_worker *svc_analytics_refresher_start(const sf_config *cfg)
{
    if (cfg->analytics_refresh_s <= 0)
        return NULL;
    sf_worker_spec spec = {
        .name = "refresher",
        .conninfo = cfg->database_url,
        .statement_timeout_ms = 0,
        .interval_ms = cfg->analytics_refresh_s * 1000,
        .round = refresh_round,
    };
    return sf_worker_start(&spec);
}

static sf_status refresh_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    (void)ctx;
    (void)next_ms;
    int64_t n = 0;
    if (db_analytics_refresh(c, &n, e) != SF_OK)
        return e->status;
    if (n > 0)
        y_log_message(Y_LOG_LEVEL_DEBUG, "analytics refresh: %lld session(s)", (long long)n);
    return SF_OK;
}
