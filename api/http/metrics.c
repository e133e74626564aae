/*
 * metrics.c — Prometheus counters for /metrics: requests by route and status, a
 * latency histogram per route, pool gauges, build info, and the counters of the
 * clickstream and of every background worker.
 *
 * Counters are relaxed atomics in fixed arrays indexed by route and status slot, so
 * observing a request is a few uncontended increments and never takes a lock.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "storefront/clickstream.h"
#include "storefront/forwarder.h"

static const int status_slots[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                   409, 413, 414, 415, 422, 429, 500, 503, 0 /* other */};
#define NSTATUS ((int)(sizeof status_slots / sizeof status_slots[0]))
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NBUCKETS ((int)(sizeof buckets / sizeof buckets[0]))

typedef struct route_metrics {
    atomic_ullong by_status[NSTATUS];
    atomic_ullong hist[NBUCKETS + 1]; /* last = +Inf */
    atomic_ullong sum_us;
} route_metrics;

struct http_metrics {
    int nroutes; /* plus one slot for unmatched requests */
    route_metrics *routes;
};

static int status_slot(int status);
static void render_forwarder(FILE *f, cs_forwarder *fw);
static void render_workers(FILE *f, const sf_app *app);
static const char *route_label(int i, int nroutes);

http_metrics *http_metrics_new(int nroutes)
{
    http_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nroutes = nroutes;
    m->routes = calloc((size_t)nroutes + 1, sizeof *m->routes);
    if (!m->routes) {
        free(m);
        return NULL;
    }
    return m;
}

void http_metrics_free(http_metrics *m)
{
    if (m)
        free(m->routes);
    free(m);
}

void http_metrics_observe(http_metrics *m, int route_index, int status, double seconds)
{
    route_metrics *r = &m->routes[route_index < 0 ? m->nroutes : route_index];
    atomic_fetch_add_explicit(&r->by_status[status_slot(status)], 1, memory_order_relaxed);
    int b = 0;
    while (b < NBUCKETS && seconds > buckets[b])
        b++;
    atomic_fetch_add_explicit(&r->hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

char *http_metrics_render(const sf_app *app, size_t *len)
{
    http_metrics *m = app->metrics;
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fprintf(f,
            "# HELP storefront_build_info Build information.\n"
            "# TYPE storefront_build_info gauge\n"
            "storefront_build_info{version=\"%s\"} 1\n",
            STOREFRONT_VERSION);
    fprintf(f, "# HELP storefront_http_requests_total HTTP requests by route and status.\n"
               "# TYPE storefront_http_requests_total counter\n");
    for (int i = 0; i <= m->nroutes; i++)
        for (int s = 0; s < NSTATUS; s++) {
            unsigned long long v =
                atomic_load_explicit(&m->routes[i].by_status[s], memory_order_relaxed);
            if (v)
                fprintf(f, "storefront_http_requests_total{route=\"%s\",status=\"%s%d\"} %llu\n",
                        route_label(i, m->nroutes), status_slots[s] ? "" : "other",
                        status_slots[s] ? status_slots[s] : 0, v);
        }
    fprintf(f, "# HELP storefront_http_request_duration_seconds Time spent in the handler.\n"
               "# TYPE storefront_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= m->nroutes; i++) {
        unsigned long long cum = 0;
        const char *label = route_label(i, m->nroutes);
        for (int b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load_explicit(&m->routes[i].hist[b], memory_order_relaxed);
            if (b < NBUCKETS)
                fprintf(f,
                        "storefront_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                        "%llu\n",
                        label, buckets[b], cum);
            else
                fprintf(f,
                        "storefront_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"}"
                        " %llu\n",
                        label, cum);
        }
        fprintf(f, "storefront_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
                (double)atomic_load_explicit(&m->routes[i].sum_us, memory_order_relaxed) / 1e6);
        fprintf(f, "storefront_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
                cum);
    }
    db_pool_stats ps;
    db_pool_stats_get(app->pool, &ps);
    fprintf(f,
            "# HELP storefront_db_pool_connections Pool size.\n"
            "# TYPE storefront_db_pool_connections gauge\n"
            "storefront_db_pool_connections %d\n"
            "# HELP storefront_db_pool_in_use Connections checked out.\n"
            "# TYPE storefront_db_pool_in_use gauge\n"
            "storefront_db_pool_in_use %d\n"
            "# HELP storefront_db_pool_waiting Requests waiting for a connection.\n"
            "# TYPE storefront_db_pool_waiting gauge\n"
            "storefront_db_pool_waiting %d\n"
            "# HELP storefront_db_pool_timeouts_total Acquires that gave up (503).\n"
            "# TYPE storefront_db_pool_timeouts_total counter\n"
            "storefront_db_pool_timeouts_total %llu\n"
            "# HELP storefront_db_pool_connects_total Connections opened (incl. reconnects).\n"
            "# TYPE storefront_db_pool_connects_total counter\n"
            "storefront_db_pool_connects_total %llu\n",
            ps.size, ps.in_use, ps.waiting, (unsigned long long)ps.timeouts_total,
            (unsigned long long)ps.reconnects_total);
    if (app->auth) {
        auth_stats as;
        auth_stats_get(app->auth, &as);
        fprintf(f,
                "# HELP storefront_auth_tokens_total Bearer tokens checked, by outcome (verified = "
                "full "
                "RSA check, cache_hit = accepted from the verified-token cache, rejected).\n"
                "# TYPE storefront_auth_tokens_total counter\n"
                "storefront_auth_tokens_total{outcome=\"verified\"} %llu\n"
                "storefront_auth_tokens_total{outcome=\"cache_hit\"} %llu\n"
                "storefront_auth_tokens_total{outcome=\"rejected\"} %llu\n"
                "# HELP storefront_auth_jwks_fetches_total JWKS fetch attempts.\n"
                "# TYPE storefront_auth_jwks_fetches_total counter\n"
                "storefront_auth_jwks_fetches_total %llu\n"
                "# HELP storefront_auth_jwks_failures_total JWKS fetches that failed.\n"
                "# TYPE storefront_auth_jwks_failures_total counter\n"
                "storefront_auth_jwks_failures_total %llu\n"
                "# HELP storefront_auth_jwks_keys Keys in the current JWKS.\n"
                "# TYPE storefront_auth_jwks_keys gauge\n"
                "storefront_auth_jwks_keys %d\n",
                /* The verifier's `verified` counts every accepted token, cache hits
                 * included; the labels here do not overlap, so they sum to the total. */
                (unsigned long long)(as.verified - as.cache_hits),
                (unsigned long long)as.cache_hits, (unsigned long long)as.rejected,
                (unsigned long long)as.jwks_fetches, (unsigned long long)as.jwks_failures, as.keys);
    }
    if (app->forwarder)
        render_forwarder(f, app->forwarder);
    render_workers(f, app);
    if (app->events) {
        cs_writer_stats cs;
        cs_writer_stats_get(app->events, &cs);
        fprintf(
            f,
            "# HELP storefront_events_stored_total Clickstream events committed as new rows.\n"
            "# TYPE storefront_events_stored_total counter\n"
            "storefront_events_stored_total %llu\n"
            "# HELP storefront_events_duplicates_total Events already stored (same event_id and "
            "timestamp), acknowledged without a new row.\n"
            "# TYPE storefront_events_duplicates_total counter\n"
            "storefront_events_duplicates_total %llu\n"
            "# HELP storefront_events_flushes_total Group-commit flushes that committed.\n"
            "# TYPE storefront_events_flushes_total counter\n"
            "storefront_events_flushes_total %llu\n"
            "# HELP storefront_events_flush_errors_total Flushes that failed (their requests "
            "got 503).\n"
            "# TYPE storefront_events_flush_errors_total counter\n"
            "storefront_events_flush_errors_total %llu\n"
            "# HELP storefront_events_queue_full_total Batches refused with 503: queue full.\n"
            "# TYPE storefront_events_queue_full_total counter\n"
            "storefront_events_queue_full_total %llu\n"
            "# HELP storefront_events_queue_depth Events queued or being flushed.\n"
            "# TYPE storefront_events_queue_depth gauge\n"
            "storefront_events_queue_depth %d\n",
            (unsigned long long)cs.inserted, (unsigned long long)cs.duplicates,
            (unsigned long long)cs.flushes, (unsigned long long)cs.flush_errors,
            (unsigned long long)cs.rejected_full, cs.queue_depth);
    }
    http_cache_render_metrics(f, app);
    http_conn_render_metrics(f, app);
    fclose(f);
    return buf;
}

/* Rounds and failed rounds of every background worker (worker.h), one sample per
 * worker. Worker names are fixed identifiers ([a-z-]), so they need no escaping. */
static void render_workers(FILE *f, const sf_app *app)
{
    if (app->nworkers == 0)
        return;
    sf_worker_stats st[SF_APP_WORKERS_MAX] = {{0}};
    for (int i = 0; i < app->nworkers; i++)
        sf_worker_stats_get(app->workers[i], &st[i]);
    fputs("# HELP storefront_worker_rounds_total Rounds a background worker has run (a round "
          "that could not connect included).\n"
          "# TYPE storefront_worker_rounds_total counter\n",
          f);
    for (int i = 0; i < app->nworkers; i++)
        fprintf(f, "storefront_worker_rounds_total{worker=\"%s\"} %llu\n",
                sf_worker_name(app->workers[i]), st[i].rounds);
    fputs("# HELP storefront_worker_failures_total Rounds that failed (database error, lost "
          "connection, transaction left open); each is retried after a delay.\n"
          "# TYPE storefront_worker_failures_total counter\n",
          f);
    for (int i = 0; i < app->nworkers; i++)
        fprintf(f, "storefront_worker_failures_total{worker=\"%s\"} %llu\n",
                sf_worker_name(app->workers[i]), st[i].failures);
}

/* The Kinesis forwarder's counters (api/clickstream/forwarder.c); only while it runs. */
static void render_forwarder(FILE *f, cs_forwarder *fw)
{
    cs_forwarder_stats s;
    cs_forwarder_stats_get(fw, &s);
    fprintf(f,
            "# HELP storefront_forwarder_records_total Clickstream records sent to Kinesis, by "
            "outcome (forwarded = acknowledged, failed = attempts to retry later).\n"
            "# TYPE storefront_forwarder_records_total counter\n"
            "storefront_forwarder_records_total{outcome=\"forwarded\"} %llu\n"
            "storefront_forwarder_records_total{outcome=\"failed\"} %llu\n"
            "# HELP storefront_forwarder_requests_total PutRecords requests sent.\n"
            "# TYPE storefront_forwarder_requests_total counter\n"
            "storefront_forwarder_requests_total %llu\n"
            "# HELP storefront_forwarder_dropped_total Outbox rows deleted because retention had "
            "dropped their event.\n"
            "# TYPE storefront_forwarder_dropped_total counter\n"
            "storefront_forwarder_dropped_total %llu\n",
            (unsigned long long)s.forwarded, (unsigned long long)s.failed,
            (unsigned long long)s.requests, (unsigned long long)s.dropped);
    if (s.backlog >= 0)
        fprintf(f,
                "# HELP storefront_forwarder_backlog Outbox rows not yet shipped (counted every "
                "few seconds).\n"
                "# TYPE storefront_forwarder_backlog gauge\n"
                "storefront_forwarder_backlog %lld\n",
                (long long)s.backlog);
}

static int status_slot(int status)
{
    for (int i = 0; i < NSTATUS - 1; i++)
        if (status_slots[i] == status)
            return i;
    return NSTATUS - 1;
}

static const char *route_label(int i, int nroutes)
{
    /* Route patterns contain no quotes or backslashes, so they need no escaping. */
    return i < nroutes ? http_routes[i].pattern : "unmatched";
}
