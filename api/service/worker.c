/*
 * worker.c — the periodic background thread every worker uses (see worker.h).
 *
 * Why one helper: six workers had each grown their own copy of "thread, condition
 * variable on the monotonic clock, own connection, reconnect after a failure, stop
 * promptly", and the copies had drifted (one borrowed pool connections, one never
 * reconnected, one retried a broken database in a tight loop). Here it is written once.
 *
 * Locking: mu guards stopping and woken only; a round runs without it, so wake and stop
 * never wait for a round. The counters are atomics read by /metrics at any time.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/worker.h"

#define WORKER_LOG_REPEAT_S 60 /* the same failure is logged again at most this often */

struct sf_worker {
    sf_worker_spec spec;
    char *name, *conninfo, *app_name;
    bool stopping, woken;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    _Atomic unsigned long long rounds, failures;
    char last_error[256]; /* empty while healthy; only the worker's thread touches it */
    time_t last_logged;
};

static void *worker_loop(void *arg);
static void worker_free(sf_worker *w);
static int run_round(sf_worker *w, db_conn **conn, bool *failed);
static bool left_in_transaction(db_conn *c);
static void log_failure(sf_worker *w, const char *what);

sf_worker *sf_worker_start(const sf_worker_spec *spec)
{
    const char *name = spec->name ? spec->name : "worker";
    if (!spec->round || spec->interval_ms <= 0 || spec->retry_ms < 0) {
        y_log_message(Y_LOG_LEVEL_ERROR, "%s: not started: %s", name,
                      !spec->round ? "no round function"
                                   : "interval must be positive and retry not negative");
        return NULL;
    }
    sf_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->spec = *spec;
    w->name = strdup(name);
    w->conninfo = spec->conninfo ? strdup(spec->conninfo) : NULL;
    size_t n = strlen("storefront-") + strlen(name) + 1;
    w->app_name = malloc(n);
    if (!w->name || (spec->conninfo && !w->conninfo) || !w->app_name) {
        worker_free(w);
        return NULL;
    }
    snprintf(w->app_name, n, "storefront-%s", w->name);
    w->spec.name = w->name;
    w->spec.conninfo = w->conninfo;
    w->woken = spec->run_at_start;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->thread, NULL, worker_loop, w) != 0) {
        y_log_message(Y_LOG_LEVEL_ERROR, "%s: cannot start its thread", w->name);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        worker_free(w);
        return NULL;
    }
    return w;
}

const char *sf_worker_name(const sf_worker *w)
{
    return w ? w->name : "";
}

void sf_worker_wake(sf_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->woken = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void sf_worker_stop(sf_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    worker_free(w);
}

void sf_worker_stats_get(sf_worker *w, sf_worker_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    /* failures first: rounds is incremented before failures, so a rounds read after
     * it can only be larger, and failures <= rounds holds for every reader. */
    out->failures = atomic_load(&w->failures);
    out->rounds = atomic_load(&w->rounds);
}

static void worker_free(sf_worker *w)
{
    free(w->name);
    free(w->conninfo);
    free(w->app_name);
    free(w);
}

/* Logs a failure unless it is the one logged less than a minute ago. */
static void log_failure(sf_worker *w, const char *what)
{
    time_t now = time(NULL);
    if (strncmp(w->last_error, what, sizeof w->last_error - 1) == 0 &&
        now - w->last_logged < WORKER_LOG_REPEAT_S)
        return;
    snprintf(w->last_error, sizeof w->last_error, "%s", what);
    w->last_logged = now;
    y_log_message(Y_LOG_LEVEL_WARNING, "%s: %s", w->name, what);
}

/* True when the round returned with its connection inside a transaction (or still
 * running a command): committing or rolling back is the round's job, and a transaction
 * left open would hold its locks and snapshot until the next round. */
static bool left_in_transaction(db_conn *c)
{
    PGTransactionStatusType ts = PQtransactionStatus(db_conn_pg(c));
    return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
}

/* One round, opening the connection first when the worker has none. Returns the
 * milliseconds to sleep before the next; *failed tells whether the round failed. */
static int run_round(sf_worker *w, db_conn **conn, bool *failed)
{
    int next_ms = w->spec.interval_ms;
    int retry_ms = w->spec.retry_ms > 0 ? w->spec.retry_ms : w->spec.interval_ms;
    sf_error e;
    sf_error_clear(&e);
    sf_status s;
    char why[300] = "";
    if (w->conninfo && !*conn &&
        !(*conn = db_conn_open(w->conninfo, w->app_name, w->spec.statement_timeout_ms, &e))) {
        snprintf(why, sizeof why, "no database connection: %s", e.detail);
        s = SF_UNAVAILABLE;
    } else {
        s = w->spec.round(w->spec.ctx, *conn, &next_ms, &e);
        if (s == SF_OK && *conn && left_in_transaction(*conn)) {
            db_rollback(*conn);
            s = SF_INTERNAL;
            snprintf(why, sizeof why, "the round left a transaction open (rolled back)");
        } else if (s != SF_OK) {
            snprintf(why, sizeof why, "%s", e.detail[0] ? e.detail : sf_status_name(s));
        }
    }
    /* rounds before failures: see sf_worker_stats_get. */
    atomic_fetch_add(&w->rounds, 1);
    *failed = s != SF_OK;
    if (*failed) {
        atomic_fetch_add(&w->failures, 1);
        log_failure(w, why);
        /* The connection may be broken or inside an aborted transaction: a new one. */
        if (*conn) {
            db_conn_close(*conn);
            *conn = NULL;
        }
        /* Whatever the round asked for (0 after a full batch, say), no tight loop. */
        return retry_ms;
    }
    if (w->last_error[0]) {
        y_log_message(Y_LOG_LEVEL_INFO, "%s: working again", w->name);
        w->last_error[0] = '\0';
    }
    /* A connection the server dropped after the round finished: reopen quietly. */
    if (*conn && PQstatus(db_conn_pg(*conn)) != CONNECTION_OK) {
        db_conn_close(*conn);
        *conn = NULL;
    }
    return next_ms < 0 ? 0 : next_ms;
}

static void *worker_loop(void *arg)
{
    sf_worker *w = arg;
    db_conn *conn = NULL;
    int sleep_ms = w->spec.interval_ms;
    bool backoff = false; /* after a failure a wake does not end the sleep; stop does */
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        if (sleep_ms > 0 && (backoff || !w->woken)) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += sleep_ms / 1000;
            until.tv_nsec += (long)(sleep_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            /* 0 = signalled (or spurious): look at the flags again; else timed out. */
            while (!w->stopping && (backoff || !w->woken) &&
                   pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
                ;
        }
        if (w->stopping)
            break;
        w->woken = false;
        pthread_mutex_unlock(&w->mu);
        sleep_ms = run_round(w, &conn, &backoff);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    if (w->spec.on_stop)
        w->spec.on_stop(w->spec.ctx, conn);
    if (conn)
        db_conn_close(conn);
    return NULL;
}
