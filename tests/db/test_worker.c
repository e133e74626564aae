/*
 * test_worker.c — sf_worker (worker.h), the one shape of every background thread,
 * against a real PostgreSQL (STOREFRONT_TEST_DATABASE_URL): rounds run on one kept
 * connection named after the worker; a wake runs a round at once; stop is prompt and
 * waits for the round in progress; a failed round replaces the connection and never
 * runs again before its retry delay, whatever the round asked for; a transaction left
 * open is a failure and is rolled back; an unreachable database counts failed rounds;
 * bad specs are refused.
 *
 * No timing thresholds: "at once" and "prompt" are shown with intervals of an hour, so
 * the test can only finish if wake and stop work (the wait_until guard turns a broken
 * implementation into a failed CHECK instead of a hang).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "storefront/worker.h"

#define HOUR_MS 3600000

static const char *url;

/* What the test rounds saw; one per worker under test. */
typedef struct probe {
    atomic_int calls;      /* rounds entered */
    atomic_int done;       /* rounds returned */
    int fail_first;        /* rounds to fail (returning *next_ms = 0: "more work") */
    bool open_tx_first;    /* the first round leaves a transaction open */
    int sleep_ms;          /* each round waits this long in pg_sleep */
    int pids[8];           /* backend pid seen by each of the first rounds */
    char app_name[64];     /* application_name seen by the first round */
    bool null_conn;        /* a round got c == NULL */
    atomic_bool stopped;   /* on_stop ran */
    int done_when_stopped; /* rounds returned when on_stop ran */
    bool on_stop_had_conn; /* on_stop got the worker's connection */
} probe;

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits for *v >= want; false after 30 s (a hang guard, not a timing assertion). */
static bool wait_until(atomic_int *v, int want)
{
    for (int i = 0; i < 6000; i++) {
        if (atomic_load(v) >= want)
            return true;
        nap_ms(5);
    }
    return false;
}

static const char *scalar(db_conn *c, const char *sql, char *buf, size_t len)
{
    sf_error e;
    sf_error_clear(&e);
    PGresult *r = db_exec_sql(c, sql, 0, NULL, &e);
    if (!r)
        return NULL;
    snprintf(buf, len, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return buf;
}

static sf_status probe_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    probe *p = ctx;
    int n = atomic_fetch_add(&p->calls, 1);
    sf_status s = SF_OK;
    char buf[64];
    if (!c) {
        p->null_conn = true;
    } else {
        const char *pid = scalar(c, "SELECT pg_backend_pid()", buf, sizeof buf);
        if (n < 8)
            p->pids[n] = pid ? atoi(pid) : -1;
        if (n == 0)
            snprintf(p->app_name, sizeof p->app_name, "%s",
                     scalar(c, "SELECT current_setting('application_name')", buf, sizeof buf) ? buf
                                                                                              : "");
        if (p->sleep_ms) {
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT pg_sleep(%g)", p->sleep_ms / 1000.0);
            if (!scalar(c, sql, buf, sizeof buf))
                s = SF_INTERNAL;
        }
        if (n == 0 && p->open_tx_first) {
            db_begin(c, e);
            scalar(c, "SELECT pg_advisory_xact_lock(424242)", buf, sizeof buf);
        }
    }
    if (n < p->fail_first) {
        *next_ms = 0; /* "more work waiting": must not turn a failure into a tight loop */
        s = sf_fail(e, SF_UNAVAILABLE, "test", "test round %d fails", n);
    }
    atomic_fetch_add(&p->done, 1);
    return s;
}

static void probe_stop(void *ctx, db_conn *c)
{
    probe *p = ctx;
    p->done_when_stopped = atomic_load(&p->done);
    p->on_stop_had_conn = c != NULL;
    atomic_store(&p->stopped, true);
}

static sf_worker *start(probe *p, const char *name, const char *conninfo, int interval_ms,
                        int retry_ms, bool at_start)
{
    sf_worker_spec spec = {.name = name,
                           .conninfo = conninfo,
                           .interval_ms = interval_ms,
                           .retry_ms = retry_ms,
                           .run_at_start = at_start,
                           .round = probe_round,
                           .ctx = p,
                           .on_stop = probe_stop};
    return sf_worker_start(&spec);
}

/* Rounds repeat on one kept connection named storefront-<name>. */
static void test_rounds_run(void)
{
    probe p = {0};
    sf_worker *w = start(&p, "test-rounds", url, 10, 0, true);
    CHECK(w != NULL);
    CHECK_STR(sf_worker_name(w), "test-rounds");
    CHECK(wait_until(&p.done, 3));
    sf_worker_stop(w);
    CHECK_STR(p.app_name, "storefront-test-rounds");
    CHECK(p.pids[0] > 0 && p.pids[1] == p.pids[0] && p.pids[2] == p.pids[0]);
    CHECK(atomic_load(&p.stopped));
    CHECK(p.on_stop_had_conn);
}

/* With an hour's interval, only a wake can run a round, and only stop can end it. */
static void test_wake_and_stop(void)
{
    probe p = {0};
    sf_worker *w = start(&p, "test-wake", url, HOUR_MS, 0, false);
    CHECK(w != NULL);
    nap_ms(100);
    CHECK(atomic_load(&p.calls) == 0); /* no round before the first interval */
    sf_worker_wake(w);
    CHECK(wait_until(&p.done, 1));
    sf_worker_wake(w);
    CHECK(wait_until(&p.done, 2));
    sf_worker_stats st;
    sf_worker_stats_get(w, &st);
    CHECK(st.rounds == 2 && st.failures == 0);
    sf_worker_stop(w); /* returns although the next round is an hour away */
    CHECK(atomic_load(&p.calls) == 2);
}

/* Stop during a round: the round finishes (it is never cut short), then on_stop runs. */
static void test_stop_waits_for_round(void)
{
    probe p = {.sleep_ms = 300};
    sf_worker *w = start(&p, "test-inflight", url, HOUR_MS, 0, true);
    CHECK(w != NULL);
    CHECK(wait_until(&p.calls, 1));
    sf_worker_stop(w);
    CHECK(atomic_load(&p.done) == 1);
    CHECK(p.done_when_stopped == 1);
    CHECK(p.on_stop_had_conn);
}

/* A failed round: the next comes on a new connection, after the retry delay although
 * the round asked for none; the old session is closed. */
static void test_failure_reconnects(void)
{
    probe p = {.fail_first = 1};
    sf_worker *w = start(&p, "test-reconnect", url, HOUR_MS, 50, true);
    CHECK(w != NULL);
    CHECK(wait_until(&p.done, 2));
    sf_worker_stats st;
    sf_worker_stats_get(w, &st);
    CHECK(st.rounds == 2 && st.failures == 1);
    sf_worker_stop(w);
    CHECK(p.pids[0] > 0 && p.pids[1] > 0 && p.pids[1] != p.pids[0]);

    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, NULL, 0, &e);
    CHECK(c != NULL);
    if (c) {
        char sql[128], buf[32];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d",
                 p.pids[0]);
        /* The backend may need a moment to exit after the client closed its socket. */
        for (int i = 0; i < 600 && scalar(c, sql, buf, sizeof buf) && strcmp(buf, "0") != 0; i++)
            nap_ms(50);
        CHECK_STR(scalar(c, sql, buf, sizeof buf), "0");
        db_conn_close(c);
    }
}

/* A failing round that asks for no sleep (*next_ms = 0) waits the retry delay, and a
 * wake does not cut that delay short: one round, not thousands. */
static void test_failure_does_not_spin(void)
{
    probe p = {.fail_first = 1000000};
    sf_worker *w = start(&p, "test-nospin", url, 10, HOUR_MS, true);
    CHECK(w != NULL);
    CHECK(wait_until(&p.done, 1));
    sf_worker_wake(w);
    nap_ms(300);
    sf_worker_stats st;
    sf_worker_stats_get(w, &st);
    CHECK(st.rounds == 1 && st.failures == 1);
    sf_worker_stop(w); /* stop does end the retry delay */
    CHECK(atomic_load(&p.calls) == 1);
    CHECK(!p.on_stop_had_conn); /* the failed round's connection was dropped */
}

/* A round that returns SF_OK inside a transaction failed: rolled back (its lock is
 * gone), and the next round runs on a new connection outside any transaction. */
static void test_open_transaction_fails(void)
{
    probe p = {.open_tx_first = true};
    sf_worker *w = start(&p, "test-opentx", url, HOUR_MS, 50, true);
    CHECK(w != NULL);
    CHECK(wait_until(&p.done, 2));
    sf_worker_stats st;
    sf_worker_stats_get(w, &st);
    CHECK(st.rounds == 2 && st.failures == 1);
    sf_worker_stop(w);
    CHECK(p.pids[1] != p.pids[0]);

    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, NULL, 0, &e);
    CHECK(c != NULL);
    if (c) {
        char buf[32];
        CHECK_STR(scalar(c,
                         "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                         "AND objid = 424242",
                         buf, sizeof buf),
                  "0");
        db_conn_close(c);
    }
}

/* No database: every round is a failed round (failures == rounds), the round function
 * is never called, and stop still returns. */
static void test_unreachable(void)
{
    probe p = {0};
    sf_worker *w = start(&p, "test-nodb", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2",
                         10, 20, true);
    CHECK(w != NULL);
    sf_worker_stats st = {0};
    for (int i = 0; i < 6000 && st.failures < 3; i++) {
        nap_ms(5);
        sf_worker_stats_get(w, &st);
    }
    CHECK(st.failures >= 3);
    CHECK(st.failures <= st.rounds);
    sf_worker_stop(w);
    CHECK(atomic_load(&p.calls) == 0);
    CHECK(atomic_load(&p.stopped));
}

/* No conninfo: the round gets NULL and runs. */
static void test_no_connection(void)
{
    probe p = {0};
    sf_worker *w = start(&p, NULL, NULL, 10, 0, true);
    CHECK(w != NULL);
    CHECK_STR(sf_worker_name(w), "worker");
    CHECK(wait_until(&p.done, 2));
    sf_worker_stop(w);
    CHECK(p.null_conn);
}

static void test_refused_specs(void)
{
    probe p = {0};
    CHECK(start(&p, "bad", url, 0, 0, true) == NULL);
    CHECK(start(&p, "bad", url, -1000, 0, true) == NULL);
    CHECK(start(&p, "bad", url, 1000, -1, true) == NULL);
    sf_worker_spec no_round = {.name = "bad", .interval_ms = 1000};
    CHECK(sf_worker_start(&no_round) == NULL);
    CHECK(atomic_load(&p.calls) == 0 && !atomic_load(&p.stopped));
    /* NULL is harmless everywhere. */
    sf_worker_stats st = {1, 1};
    sf_worker_stats_get(NULL, &st);
    CHECK(st.rounds == 0 && st.failures == 0);
    CHECK_STR(sf_worker_name(NULL), "");
    sf_worker_wake(NULL);
    sf_worker_stop(NULL);
}

int main(void)
{
    url = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "STOREFRONT_TEST_DATABASE_URL is not set; run this through make test\n");
        return 1;
    }
    test_rounds_run();
    test_wake_and_stop();
    test_stop_waits_for_round();
    test_failure_reconnects();
    test_failure_does_not_spin();
    test_open_transaction_fails();
    test_unreachable();
    test_no_connection();
    test_refused_specs();
    return check_done();
}
