/*
 * analytics_refresher.c — the background thread that keeps the analytics rollups fresh:
 * every ANALYTICS_REFRESH_SECONDS it calls analytics_refresh() on a connection of its own
 * (not a pool slot, and without the request statement timeout: the first refresh over a
 * big store can take minutes). It stops promptly with the server (a condition variable).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/analytics.h"
#include "storefront/db_analytics.h"

struct svc_analytics_refresher {
    char *conninfo;
    int interval_s;
    bool stopping;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
};

static void *refresh_loop(void *arg);
static void refresh_once(svc_analytics_refresher *r, db_conn **conn);

svc_analytics_refresher *svc_analytics_refresher_start(const char *conninfo, int interval_s)
{
    if (interval_s <= 0)
        return NULL;
    svc_analytics_refresher *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->conninfo = strdup(conninfo);
    r->interval_s = interval_s;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!r->conninfo || pthread_create(&r->thread, NULL, refresh_loop, r) != 0) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r->conninfo);
        free(r);
        return NULL;
    }
    return r;
}

void svc_analytics_refresher_stop(svc_analytics_refresher *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r->conninfo);
    free(r);
}

static void *refresh_loop(void *arg)
{
    svc_analytics_refresher *r = arg;
    db_conn *conn = NULL;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += r->interval_s;
        while (!r->stopping && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0)
            ;
        if (r->stopping)
            break;
        pthread_mutex_unlock(&r->mu);
        refresh_once(r, &conn);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    if (conn)
        db_conn_close(conn);
    return NULL;
}

/* One refresh; a failed connection is dropped and reopened next time. */
static void refresh_once(svc_analytics_refresher *r, db_conn **conn)
{
    sf_error e;
    sf_error_clear(&e);
    if (!*conn && !(*conn = db_conn_open(r->conninfo, "storefront-analytics", 0, &e))) {
        y_log_message(Y_LOG_LEVEL_WARNING, "analytics refresh: no connection: %s", e.detail);
        return;
    }
    int64_t n = 0;
    if (db_analytics_refresh(*conn, &n, &e) != SF_OK) {
        y_log_message(Y_LOG_LEVEL_WARNING, "analytics refresh failed: %s", e.detail);
        db_conn_close(*conn);
        *conn = NULL;
        return;
    }
    if (n > 0)
        y_log_message(Y_LOG_LEVEL_DEBUG, "analytics refresh: %lld session(s)", (long long)n);
}
