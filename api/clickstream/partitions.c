/*
 * partitions.c — upkeep of the day partitions of `events`: create the days the
 * timestamp window can reach, drop the days past retention. Runs once at start-up
 * (before the server listens, so the first event has its partition) and then hourly.
 *
 * The days are UTC dates computed here from the server clock and passed as
 * parameters: the session's current_date follows its TimeZone, which need not be UTC.
 * Several servers may run this at once; the SQL functions serialise on an advisory
 * lock and skip partitions that exist.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/clickstream.h"
#include "storefront/db_events.h"

#define AHEAD_DAYS 3
#define INTERVAL_S 3600
#define RETRY_S    60

struct cs_partitions {
    char *conninfo;
    int max_age_days, retention_days;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
};

static void utc_day(int64_t t, int offset_days, char out[11]);
static void *upkeep_main(void *arg);

sf_status cs_partitions_run_once(const char *conninfo, int max_age_days, int retention_days,
                                 int64_t now_s, sf_error *e)
{
    char from[11], to[11], drop[11];
    utc_day(now_s, -max_age_days, from);
    utc_day(now_s, AHEAD_DAYS, to);
    utc_day(now_s, -retention_days, drop);
    db_conn *c = db_conn_open(conninfo, "storefront-partitions", 60000, e);
    if (!c)
        return e->status;
    int made = 0, dropped = 0;
    sf_status st = db_events_partitions_ensure(c, from, to, &made, e);
    if (st == SF_OK)
        st = db_events_partitions_drop_before(c, drop, &dropped, e);
    db_conn_close(c);
    if (st == SF_OK && (made || dropped))
        y_log_message(Y_LOG_LEVEL_INFO,
                      "clickstream partitions: %d created (%s..%s), %d dropped (before %s)", made,
                      from, to, dropped, drop);
    return st;
}

cs_partitions *cs_partitions_start(const char *conninfo, int max_age_days, int retention_days)
{
    cs_partitions *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->conninfo = strdup(conninfo);
    p->max_age_days = max_age_days;
    p->retention_days = retention_days;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!p->conninfo || pthread_create(&p->thread, NULL, upkeep_main, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p->conninfo);
        free(p);
        return NULL;
    }
    return p;
}

void cs_partitions_stop(cs_partitions *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->conninfo);
    free(p);
}

/* Hourly; after a failure (database down) again in a minute. */
static void *upkeep_main(void *arg)
{
    cs_partitions *p = arg;
    int wait_s = INTERVAL_S;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += wait_s;
        while (!p->stopping && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
            ;
        if (p->stopping)
            break;
        pthread_mutex_unlock(&p->mu);
        sf_error e;
        sf_error_clear(&e);
        sf_status st = cs_partitions_run_once(p->conninfo, p->max_age_days, p->retention_days,
                                              (int64_t)time(NULL), &e);
        if (st != SF_OK)
            y_log_message(Y_LOG_LEVEL_ERROR, "clickstream partition upkeep failed: %s", e.detail);
        wait_s = st == SF_OK ? INTERVAL_S : RETRY_S;
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* "YYYY-MM-DD" of the UTC day offset_days from the day holding Unix time t. */
static void utc_day(int64_t t, int offset_days, char out[11])
{
    time_t d = (time_t)(t + (int64_t)offset_days * 86400);
    struct tm tm;
    gmtime_r(&d, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
