/*
 * writer.c — the clickstream's group-commit writer (cs_writer, clickstream.h).
 *
 * Requests append their batch to one bounded queue and sleep; writer threads (each with
 * its own PostgreSQL connection, never the request pool) take everything queued, up to
 * batch_max events, once the oldest waiter has waited flush_ms or the batch is full,
 * insert it in one statement (one transaction), then wake the waiters of that flush
 * with its outcome. So N concurrent requests cost one commit, and a request is answered
 * only after its events are durable. With two writer threads one flush can fill while
 * the other waits for its commit to reach the disk.
 *
 * The caller's events are only read until the flush that holds them finished (the
 * blocking cs_writer_submit returns then; cs_writer_submit_async calls its on_done
 * then, from the writer thread, and the HTTP side keeps the events in the request's
 * arena until that call), so they are copied shallowly into the flush array, never
 * deep-copied. The bound counts queued and in-flight events: nothing is accepted that
 * the writer could not hold.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/clickstream.h"
#include "storefront/db_events.h"

#define MAX_WRITER_THREADS 8

typedef struct submission {
    const cs_event *ev;
    size_t n;
    struct timespec queued_at;
    sf_status result;
    bool done;
    /* Asynchronous submissions (malloc'd, freed after on_done); NULL for a blocking one,
     * which lives on its submitter's stack. */
    cs_writer_done_fn on_done;
    void *ctx;
    struct submission *next;
} submission;

struct cs_writer {
    cs_writer_config cfg;
    char *conninfo;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* writers: something queued, or stopping */
    pthread_cond_t done_cv; /* submitters: a flush finished */
    submission *head, *tail;
    int queued;    /* events in the queue */
    int in_flight; /* events taken by a flush not yet answered */
    bool stopping;
    int nthreads;
    pthread_t threads[MAX_WRITER_THREADS];
    atomic_ullong inserted, duplicates, flushes, flush_errors, rejected_full;
};

static void *writer_main(void *arg);
static submission *take_batch(cs_writer *w, int *nevents);
static sf_status flush(cs_writer *w, db_conn **conn, bool *staged, cs_event *buf, submission *batch,
                       int n);
static bool past(const struct timespec *t);
static sf_status enqueue_or_fail(cs_writer *w, submission *s, sf_error *e);
static void answer_batch(cs_writer *w, submission *batch, sf_status st, int n);

cs_writer *cs_writer_start(const cs_writer_config *cfg)
{
    cs_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cfg = *cfg;
    w->conninfo = strdup(cfg->conninfo ? cfg->conninfo : "");
    if (w->cfg.batch_max < 1)
        w->cfg.batch_max = 1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->work_cv, &ca);
    pthread_cond_init(&w->done_cv, NULL);
    pthread_condattr_destroy(&ca);
    int want = cfg->threads < 1                    ? 1
               : cfg->threads > MAX_WRITER_THREADS ? MAX_WRITER_THREADS
                                                   : cfg->threads;
    for (int i = 0; i < want; i++) {
        if (pthread_create(&w->threads[i], NULL, writer_main, w) != 0)
            break;
        w->nthreads++;
    }
    if (!w->conninfo || w->nthreads == 0) {
        cs_writer_stop(w);
        return NULL;
    }
    return w;
}

void cs_writer_stop(cs_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->done_cv);
    free(w->conninfo);
    free(w);
}

sf_status cs_writer_submit(cs_writer *w, const cs_event *ev, size_t n, sf_error *e)
{
    if (n == 0)
        return SF_OK;
    submission s = {.ev = ev, .n = n, .result = SF_OK};
    pthread_mutex_lock(&w->mu);
    /* s lives on this stack frame, which stays put until a writer has set s.done: this
     * function returns only after that, so the queue never holds a dangling entry. */
    if (enqueue_or_fail(w, &s, e) != SF_OK) {
        pthread_mutex_unlock(&w->mu);
        return e->status;
    }
    while (!s.done)
        pthread_cond_wait(&w->done_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    if (s.result != SF_OK)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The events could not be stored; send them again.");
    return SF_OK;
}

sf_status cs_writer_submit_async(cs_writer *w, const cs_event *ev, size_t n,
                                 cs_writer_done_fn on_done, void *ctx, sf_error *e)
{
    submission *s = calloc(1, sizeof *s);
    if (!s)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The event queue is full; send the events again shortly.");
    s->ev = ev;
    s->n = n;
    s->result = SF_OK;
    s->on_done = on_done;
    s->ctx = ctx;
    pthread_mutex_lock(&w->mu);
    sf_status st = enqueue_or_fail(w, s, e);
    pthread_mutex_unlock(&w->mu);
    if (st != SF_OK)
        free(s);
    return st;
}

/* Under w->mu: appends s to the queue, or fails (nothing queued) when stopping or when
 * the bound cannot take s->n more events. */
static sf_status enqueue_or_fail(cs_writer *w, submission *s, sf_error *e)
{
    if (w->stopping)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The server is shutting down; send the events again.");
    if ((size_t)w->queued + (size_t)w->in_flight + s->n > (size_t)w->cfg.queue_max) {
        atomic_fetch_add_explicit(&w->rejected_full, 1, memory_order_relaxed);
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The event queue is full; send the events again shortly.");
    }
    clock_gettime(CLOCK_MONOTONIC, &s->queued_at);
    if (w->tail) {
        w->tail->next = s;
    } else {
        /* cppcheck-suppress autoVariables */
        w->head = s;
    }
    /* cppcheck-suppress autoVariables */
    w->tail = s;
    w->queued += (int)s->n;
    pthread_cond_signal(&w->work_cv);
    return SF_OK;
}

void cs_writer_stats_get(cs_writer *w, cs_writer_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    out->inserted = atomic_load_explicit(&w->inserted, memory_order_relaxed);
    out->duplicates = atomic_load_explicit(&w->duplicates, memory_order_relaxed);
    out->flushes = atomic_load_explicit(&w->flushes, memory_order_relaxed);
    out->flush_errors = atomic_load_explicit(&w->flush_errors, memory_order_relaxed);
    out->rejected_full = atomic_load_explicit(&w->rejected_full, memory_order_relaxed);
    pthread_mutex_lock(&w->mu);
    out->queue_depth = w->queued + w->in_flight;
    pthread_mutex_unlock(&w->mu);
}

static void *writer_main(void *arg)
{
    cs_writer *w = arg;
    db_conn *conn = NULL;
    bool staged = false; /* the COPY path's temporary table exists on conn */
    cs_event *buf = malloc((size_t)w->cfg.batch_max * sizeof *buf);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (!w->head)
            break; /* stopping, and everything queued has been taken */
        /* Wait for company: until the oldest waiter's flush_ms is up or a batch is full.
         * While another flush is committing, waiters pile up and go out together. */
        struct timespec deadline = w->head->queued_at;
        deadline.tv_nsec += (long)w->cfg.flush_ms * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        while (w->head && w->queued < w->cfg.batch_max && !w->stopping && !past(&deadline))
            pthread_cond_timedwait(&w->work_cv, &w->mu, &deadline);
        if (!w->head)
            continue; /* another writer took it */
        int n = 0;
        submission *batch = take_batch(w, &n);
        w->in_flight += n;
        pthread_mutex_unlock(&w->mu);

        sf_status st = buf ? flush(w, &conn, &staged, buf, batch, n) : SF_INTERNAL;

        answer_batch(w, batch, st, n);
    }
    pthread_mutex_unlock(&w->mu);
    free(buf);
    db_conn_close(conn);
    return NULL;
}

/* Answers every submission of a finished flush and returns with w->mu held: blocking
 * submitters are woken; asynchronous ones get on_done outside the mutex (it resumes an
 * HTTP connection, which takes libmicrohttpd's own lock), then are freed. */
static void answer_batch(cs_writer *w, submission *batch, sf_status st, int n)
{
    submission *async = NULL;
    pthread_mutex_lock(&w->mu);
    for (submission *s = batch, *next; s; s = next) {
        next = s->next; /* s lives on its submitter's stack: read before waking it */
        s->result = st;
        if (s->on_done) {
            s->next = async;
            async = s;
        } else {
            s->done = true;
        }
    }
    w->in_flight -= n;
    pthread_cond_broadcast(&w->done_cv);
    if (!async)
        return;
    pthread_mutex_unlock(&w->mu);
    for (submission *s = async, *next; s; s = next) {
        next = s->next;
        s->on_done(s->ctx, s->result);
        free(s);
    }
    pthread_mutex_lock(&w->mu);
}

/* Unlinks whole submissions from the head, at least one, until batch_max events. */
static submission *take_batch(cs_writer *w, int *nevents)
{
    submission *first = w->head, *last = NULL;
    int n = 0;
    for (submission *s = w->head; s && (n == 0 || n + (int)s->n <= w->cfg.batch_max); s = s->next) {
        n += (int)s->n;
        last = s;
    }
    if (!last)
        return NULL; /* not reached: callers hold a non-empty queue */
    w->head = last->next;
    if (!w->head)
        w->tail = NULL;
    last->next = NULL;
    w->queued -= n;
    *nevents = n;
    return first;
}

/* One transaction for the whole batch. A lost connection is reopened and the flush
 * tried once more: the insert is idempotent (ON CONFLICT DO NOTHING), so a flush
 * whose COMMIT did reach the server before the connection died stores nothing twice. */
static sf_status flush(cs_writer *w, db_conn **conn, bool *staged, cs_event *buf, submission *batch,
                       int n)
{
    int k = 0;
    for (submission *s = batch; s; s = s->next) {
        memcpy(buf + k, s->ev, s->n * sizeof *buf);
        k += (int)s->n;
    }
    sf_error e;
    sf_status st = SF_UNAVAILABLE;
    for (int attempt = 0; attempt < 2; attempt++) {
        sf_error_clear(&e);
        if (!*conn) {
            *conn = db_conn_open(w->conninfo, "storefront-events-writer",
                                 w->cfg.statement_timeout_ms, &e);
            *staged = false;
        }
        if (!*conn) {
            st = e.status;
            break;
        }
        int64_t inserted = 0;
        if (w->cfg.use_copy) {
            st = db_events_insert_copy(*conn, buf, (size_t)n, w->cfg.outbox, !*staged, &inserted,
                                       &e);
            *staged = *staged || st == SF_OK;
        } else {
            st = db_events_insert(*conn, buf, (size_t)n, w->cfg.outbox, &inserted, &e);
        }
        if (st == SF_OK) {
            atomic_fetch_add_explicit(&w->inserted, (unsigned long long)inserted,
                                      memory_order_relaxed);
            atomic_fetch_add_explicit(&w->duplicates, (unsigned long long)(n - inserted),
                                      memory_order_relaxed);
            atomic_fetch_add_explicit(&w->flushes, 1, memory_order_relaxed);
            return SF_OK;
        }
        bool lost = PQstatus(db_conn_pg(*conn)) != CONNECTION_OK;
        if (lost) {
            db_conn_close(*conn);
            *conn = NULL;
        }
        if (!lost)
            break;
    }
    atomic_fetch_add_explicit(&w->flush_errors, 1, memory_order_relaxed);
    y_log_message(Y_LOG_LEVEL_ERROR, "clickstream flush of %d events failed (%s): %s", n,
                  sf_status_name(st), e.detail);
    return st == SF_OK ? SF_UNAVAILABLE : st;
}

static bool past(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}
