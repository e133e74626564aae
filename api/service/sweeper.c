/*
 * sweeper.c — the worker that cancels orders left unpaid (see payments.h): every
 * UNPAID_SWEEP_INTERVAL_SECONDS one batch of svc_unpaid_sweep on the worker's own
 * connection, and while a batch comes back full the next one at once. The thread,
 * the sleep, the reconnect and the stop are sf_worker's (worker.h).
 */
#include <yder.h>

#include "storefront/payments.h"

#define SWEEP_BATCH 100

static sf_status sweep_round(void *ctx, db_conn *c, int *next_ms, sf_error *e);

sf_worker *svc_sweeper_start(const sf_config *cfg)
{
    sf_worker_spec spec = {
        .name = "sweeper",
        .conninfo = cfg->database_url,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .interval_ms = cfg->unpaid_sweep_interval_s * 1000,
        .round = sweep_round,
        .ctx = (void *)cfg,
    };
    return sf_worker_start(&spec);
}

/* One batch. A full batch means more orders may be due: no sleep before the next. */
static sf_status sweep_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    const sf_config *cfg = ctx;
    int n = 0;
    if (svc_unpaid_sweep(c, cfg->unpaid_order_ttl_s, SWEEP_BATCH, &n, e) != SF_OK)
        return e->status;
    if (n > 0)
        y_log_message(Y_LOG_LEVEL_INFO, "cancelled %d unpaid order(s)", n);
    if (n == SWEEP_BATCH)
        *next_ms = 0;
    return SF_OK;
}
