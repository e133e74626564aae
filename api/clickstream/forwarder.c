/*
 * forwarder.c — the outbox forwarder thread (see storefront/forwarder.h).
 *
 * One cycle is one transaction on the forwarder's own connection: lock due outbox rows
 * (SKIP LOCKED), send their events as one PutRecords, then in the same transaction
 * delete the rows Kinesis acknowledged and push back the others (attempts + 1, a later
 * next_attempt_at, last_error), and commit. Holding the row locks across the HTTP call
 * is what keeps two servers from shipping one row at the same time. If the process or
 * the database goes away after Kinesis answered and before the commit, the rows stay
 * and are sent again: the only duplicate window (docs/clickstream.md).
 *
 * The thread, the sleep between cycles, the reconnect after a lost connection and the
 * stop are sf_worker's (worker.h): one cycle is one round, a cycle that found rows asks
 * for the next round at once.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "clickstream/kinesis.h"
#include "storefront/db_outbox.h"
#include "storefront/forwarder.h"

#define BACKOFF_BASE_MS 200
#define BACKLOG_EVERY_S 5

struct cs_forwarder {
    const sf_config *cfg;
    kinesis_target target;
    atomic_bool stop; /* set before the worker is stopped: aborts a PutRecords in flight */
    sf_worker *worker;
    /* Used by the worker's thread only: */
    arena *arena;
    unsigned int seed;
    bool failing;   /* the last request failed: log the recovery once */
    time_t counted; /* when the backlog was last counted */
    atomic_ullong forwarded, failed, requests, dropped;
    atomic_llong backlog;
};

/* What one cycle did, to pick the wait before the next. */
typedef struct cycle_result {
    int taken;
    bool aborted;
} cycle_result;

static sf_status forward_round(void *ctx, db_conn *c, int *next_ms, sf_error *e);
static sf_status cycle(cs_forwarder *f, db_conn *c, cycle_result *res, sf_error *e);
static sf_status ship(cs_forwarder *f, db_conn *c, outbox_row *rows, int n, sf_error *e);
static int backoff_ms(cs_forwarder *f, int attempts);
static void ascii_only(char *s);

cs_forwarder *cs_forwarder_start(const sf_config *cfg)
{
    if (!cfg->kinesis_stream)
        return NULL;
    cs_forwarder *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cfg = cfg;
    f->target = (kinesis_target){.endpoint = cfg->kinesis_endpoint,
                                 .region = cfg->aws_region,
                                 .stream = cfg->kinesis_stream,
                                 .access_key = cfg->aws_access_key_id,
                                 .secret_key = cfg->aws_secret_key,
                                 .session_token = cfg->aws_session_token,
                                 .stop = &f->stop};
    f->seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)f;
    atomic_init(&f->backlog, -1);
    f->arena = arena_new(64 * 1024);
    sf_worker_spec spec = {
        .name = "forwarder", /* application_name storefront-forwarder */
        .conninfo = cfg->database_url,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .interval_ms = cfg->forward_poll_ms,
        .retry_ms = cfg->forward_poll_ms,
        .run_at_start = true,
        .round = forward_round,
        .ctx = f,
    };
    if (!f->arena || !(f->worker = sf_worker_start(&spec))) {
        arena_free(f->arena);
        free(f);
        return NULL;
    }
    y_log_message(Y_LOG_LEVEL_INFO, "forwarding clickstream events to Kinesis stream %s at %s",
                  cfg->kinesis_stream, cfg->kinesis_endpoint);
    return f;
}

void cs_forwarder_stop(cs_forwarder *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, true); /* aborts a PutRecords in flight */
    sf_worker_stop(f->worker);
    arena_free(f->arena);
    free(f);
}

void cs_forwarder_notify(cs_forwarder *f)
{
    if (f)
        sf_worker_wake(f->worker);
}

sf_worker *cs_forwarder_worker(cs_forwarder *f)
{
    return f ? f->worker : NULL;
}

void cs_forwarder_stats_get(cs_forwarder *f, cs_forwarder_stats *out)
{
    out->forwarded = atomic_load_explicit(&f->forwarded, memory_order_relaxed);
    out->failed = atomic_load_explicit(&f->failed, memory_order_relaxed);
    out->requests = atomic_load_explicit(&f->requests, memory_order_relaxed);
    out->dropped = atomic_load_explicit(&f->dropped, memory_order_relaxed);
    out->backlog = atomic_load_explicit(&f->backlog, memory_order_relaxed);
}

/* One cycle, then (every few seconds) a count of the backlog for /metrics. A failed
 * cycle has rolled back: its rows are untouched and due again after the retry delay. */
static sf_status forward_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    cs_forwarder *f = ctx;
    cycle_result res = {0};
    if (cycle(f, c, &res, e) != SF_OK)
        return e->status;
    if (res.aborted)
        return SF_OK; /* stopping: the worker runs no further round */
    time_t now = time(NULL);
    if (now - f->counted >= BACKLOG_EVERY_S) {
        int64_t n;
        sf_error ce;
        sf_error_clear(&ce);
        if (db_outbox_count(c, &n, &ce) == SF_OK)
            atomic_store_explicit(&f->backlog, n, memory_order_relaxed);
        f->counted = now;
    }
    /* A cycle that found work goes again at once: more rows may be due. */
    if (res.taken > 0)
        *next_ms = 0;
    return SF_OK;
}

static sf_status cycle(cs_forwarder *f, db_conn *c, cycle_result *res, sf_error *e)
{
    arena_reset(f->arena);
    outbox_row *rows;
    int n = 0;
    if (db_begin(c, e) != SF_OK)
        return e->status;
    if (db_outbox_take(c, f->arena, f->cfg->forward_batch_max, &rows, &n, e) != SF_OK)
        goto fail;
    res->taken = n;
    if (n > 0 && ship(f, c, rows, n, e) != SF_OK) {
        if (e->status == SF_OK) { /* aborted by stop: leave the rows as they were */
            res->aborted = true;
            db_rollback(c);
            return SF_OK;
        }
        goto fail;
    }
    if (db_commit(c, e) != SF_OK)
        return e->status;
    return SF_OK;
fail:
    db_rollback(c);
    return e->status;
}

/* Sends rows[0..] as one PutRecords (as many as fit the request limits; the rest stay
 * locked but untouched until the commit, and come back next cycle) and records the
 * outcome in the outbox. Returns SF_OK, or a database error in e, or — with e still
 * SF_OK — a non-OK status when the stop flag aborted the request. */
static sf_status ship(cs_forwarder *f, db_conn *c, outbox_row *rows, int n, sf_error *e)
{
    arena *a = f->arena;
    kinesis_record *recs = arena_calloc(a, sizeof *recs * (size_t)n);
    int *rec_row = arena_alloc(a, sizeof *rec_row * (size_t)n);
    int64_t *gone = arena_alloc(a, sizeof *gone * (size_t)n);
    int64_t *retry_ids = arena_alloc(a, sizeof *retry_ids * (size_t)n);
    int *retry_ms = arena_alloc(a, sizeof *retry_ms * (size_t)n);
    const char **retry_err = arena_alloc(a, sizeof *retry_err * (size_t)n);
    int nrec = 0, ngone = 0, nretry = 0;
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        if (rows[i].event_gone) { /* dropped by retention: nothing left to ship */
            gone[ngone++] = rows[i].id;
            continue;
        }
        size_t len = strlen(rows[i].json), size = len + strlen(rows[i].part_key);
        if (size > KINESIS_MAX_RECORD_BYTES) {
            /* Cannot happen within the column limits; kept out of the batch so one bad
             * row never blocks the others. */
            retry_ids[nretry] = rows[i].id;
            retry_ms[nretry] = f->cfg->forward_backoff_max_s * 1000;
            retry_err[nretry++] = "event larger than Kinesis' 1 MiB record limit";
            continue;
        }
        if (bytes + size > KINESIS_MAX_REQUEST_BYTES)
            break; /* the rest goes in the next request */
        bytes += size;
        recs[nrec] =
            (kinesis_record){.data = rows[i].json, .len = len, .part_key = rows[i].part_key};
        rec_row[nrec++] = i;
    }
    uint64_t ok = 0, bad = 0;
    if (nrec > 0) {
        char err[256];
        atomic_fetch_add_explicit(&f->requests, 1, memory_order_relaxed);
        kinesis_outcome out = kinesis_put_records(&f->target, recs, (size_t)nrec, err, sizeof err);
        if (out == KINESIS_ABORTED)
            return SF_UNAVAILABLE; /* e stays SF_OK: the caller rolls back and stops */
        if (out == KINESIS_FAILED) {
            ascii_only(err);
            if (!f->failing)
                y_log_message(Y_LOG_LEVEL_WARNING, "forwarder: %s (retrying with backoff)", err);
            f->failing = true;
            char *shared = arena_strdup(a, err);
            for (int k = 0; k < nrec; k++) {
                recs[k].ok = false;
                snprintf(recs[k].err, sizeof recs[k].err, "%s", shared);
            }
        } else if (f->failing) {
            y_log_message(Y_LOG_LEVEL_INFO, "forwarder: Kinesis accepts records again");
            f->failing = false;
        }
        for (int k = 0; k < nrec; k++) {
            const outbox_row *r = &rows[rec_row[k]];
            if (recs[k].ok) {
                gone[ngone++] = r->id;
                ok++;
                continue;
            }
            ascii_only(recs[k].err);
            retry_ids[nretry] = r->id;
            retry_ms[nretry] = backoff_ms(f, r->attempts);
            retry_err[nretry++] = recs[k].err;
            bad++;
        }
    }
    uint64_t dropped = (uint64_t)ngone - ok;
    if (db_outbox_delete(c, a, gone, ngone, e) != SF_OK ||
        db_outbox_retry(c, a, retry_ids, retry_ms, retry_err, nretry, e) != SF_OK)
        return e->status;
    /* Counted before the commit; a failed commit is logged and re-sends these. */
    atomic_fetch_add_explicit(&f->forwarded, ok, memory_order_relaxed);
    atomic_fetch_add_explicit(&f->failed, bad, memory_order_relaxed);
    atomic_fetch_add_explicit(&f->dropped, dropped, memory_order_relaxed);
    return SF_OK;
}

/* Exponential from BACKOFF_BASE_MS, doubled per attempt, capped at
 * FORWARD_BACKOFF_MAX_SECONDS, then "equal jitter" (half fixed, half random) so rows
 * failed together do not all come back at the same instant. */
static int backoff_ms(cs_forwarder *f, int attempts)
{
    long long cap = (long long)f->cfg->forward_backoff_max_s * 1000;
    long long d = BACKOFF_BASE_MS;
    for (int i = 0; i < attempts && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    return (int)(d / 2 + rand_r(&f->seed) % (d / 2 + 1));
}

/* last_error is varchar and error texts may be cut mid-character: keep them ASCII. */
static void ascii_only(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
            *s = '?';
}
