/*
 * sweeper.c — the background thread that cancels orders left unpaid (see payments.h):
 * every UNPAID_SWEEP_INTERVAL_SECONDS it runs svc_unpaid_sweep in batches until a batch
 * comes back short. It borrows a pool connection per batch like a request, and stops
 * promptly when the server does (a condition variable, not a sleep).
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <yder.h>

#include "storefront/payments.h"

#define SWEEP_BATCH 100

struct svc_sweeper {
    db_pool *pool;
    int ttl_s, interval_s;
    bool stopping;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
};

static void *sweep_loop(void *arg);

svc_sweeper *svc_sweeper_start(db_pool *pool, int ttl_s, int interval_s)
{
    svc_sweeper *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    *s = (svc_sweeper){.pool = pool, .ttl_s = ttl_s, .interval_s = interval_s};
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, sweep_loop, s) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    return s;
}

void svc_sweeper_stop(svc_sweeper *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void *sweep_loop(void *arg)
{
    svc_sweeper *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += s->interval_s;
        while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
            ;
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->mu);
        int n = SWEEP_BATCH, total = 0;
        sf_error e;
        while (n == SWEEP_BATCH) {
            sf_error_clear(&e);
            if (svc_unpaid_sweep(s->pool, s->ttl_s, SWEEP_BATCH, &n, &e) != SF_OK) {
                y_log_message(Y_LOG_LEVEL_WARNING, "unpaid-order sweep failed: %s", e.detail);
                break;
            }
            total += n;
        }
        if (total > 0)
            y_log_message(Y_LOG_LEVEL_INFO, "cancelled %d unpaid order(s)", total);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}
