/*
 * partitions.c — upkeep of the day partitions of `events`: create the days the
 * timestamp window can reach, drop the days past retention. Runs once at start-up
 * (before the server listens, so the first event has its partition) and then hourly in
 * an sf_worker (worker.h), a minute after a failed round.
 *
 * The days are UTC dates computed here from the server clock and passed as
 * parameters: the session's current_date follows its TimeZone, which need not be UTC.
 * Several servers may run this at once; the SQL functions serialise on an advisory
 * lock and skip partitions that exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/clickstream.h"
#include "storefront/db_events.h"

#define AHEAD_DAYS   3
#define INTERVAL_MS  (3600 * 1000)
#define RETRY_MS     (60 * 1000)
#define STATEMENT_MS 60000 /* creating or dropping a partition waits for its lock */

static void utc_day(int64_t t, int offset_days, char out[11]);
static sf_status upkeep(db_conn *c, int max_age_days, int retention_days, int64_t now_s,
                        sf_error *e);
static sf_status upkeep_round(void *ctx, db_conn *c, int *next_ms, sf_error *e);

sf_status cs_partitions_run_once(const char *conninfo, int max_age_days, int retention_days,
                                 int64_t now_s, sf_error *e)
{
    db_conn *c = db_conn_open(conninfo, "storefront-partitions", STATEMENT_MS, e);
    if (!c)
        return e->status;
    sf_status st = upkeep(c, max_age_days, retention_days, now_s, e);
    db_conn_close(c);
    return st;
}

sf_worker *cs_partitions_start(const sf_config *cfg)
{
    /* The first round comes after an interval: main runs the upkeep once before the
     * server listens. */
    sf_worker_spec spec = {
        .name = "partitions",
        .conninfo = cfg->database_url,
        .statement_timeout_ms = STATEMENT_MS,
        .interval_ms = INTERVAL_MS,
        .retry_ms = RETRY_MS,
        .round = upkeep_round,
        .ctx = (void *)cfg,
    };
    return sf_worker_start(&spec);
}

static sf_status upkeep_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    const sf_config *cfg = ctx;
    (void)next_ms;
    return upkeep(c, cfg->events_max_age_days, cfg->events_retention_days, (int64_t)time(NULL), e);
}

static sf_status upkeep(db_conn *c, int max_age_days, int retention_days, int64_t now_s,
                        sf_error *e)
{
    char from[11], to[11], drop[11];
    utc_day(now_s, -max_age_days, from);
    utc_day(now_s, AHEAD_DAYS, to);
    utc_day(now_s, -retention_days, drop);
    int made = 0, dropped = 0;
    sf_status st = db_events_partitions_ensure(c, from, to, &made, e);
    if (st == SF_OK)
        st = db_events_partitions_drop_before(c, drop, &dropped, e);
    if (st == SF_OK && (made || dropped))
        y_log_message(Y_LOG_LEVEL_INFO,
                      "clickstream partitions: %d created (%s..%s), %d dropped (before %s)", made,
                      from, to, dropped, drop);
    return st;
}

/* "YYYY-MM-DD" of the UTC day offset_days from the day holding Unix time t. */
static void utc_day(int64_t t, int offset_days, char out[11])
{
    time_t d = (time_t)(t + (int64_t)offset_days * 86400);
    struct tm tm;
    gmtime_r(&d, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
