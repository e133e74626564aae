/*
 * test_pool_threads.c — the pool's per-thread binding against a real PostgreSQL: each
 * thread keeps one connection of its own across many checkouts (one connect per
 * thread, no sharing), more threads than connections share the rest through the
 * bounded wait, a slot is unbound when its thread exits, and a thread that outlives
 * its pool starts clean on the next one. Threads record what they saw in their own
 * struct (CHECK's counters are not thread-safe) and main checks it after the join.
 * Also built with ThreadSanitizer (tests/CMakeLists.txt, tsan/test_pool_threads).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "storefront/db.h"

#define ROUNDS 200

static const db_stmt one_stmt = {"test_threads_one", "SELECT 1", 0};

typedef struct worker {
    db_pool *pool;
    int rounds;
    int hold_us;         /* keep the connection this long each round */
    db_conn *first;      /* the connection of the first round */
    int same, ok, fails; /* rounds that got `first` again, that ran SELECT 1, that failed */
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < w->rounds; i++) {
        sf_error e;
        sf_error_clear(&e);
        db_conn *c;
        if (db_pool_acquire(w->pool, &c, &e) != SF_OK) {
            w->fails++;
            continue;
        }
        if (!w->first)
            w->first = c;
        if (c == w->first)
            w->same++;
        PGresult *r = db_exec(c, &one_stmt, NULL, &e);
        if (r && strcmp(PQgetvalue(r, 0, 0), "1") == 0)
            w->ok++;
        PQclear(r);
        if (w->hold_us)
            usleep((useconds_t)w->hold_us);
        db_pool_release(w->pool, c);
    }
    return NULL;
}

static void run_threads(worker *ws, int n)
{
    pthread_t t[16];
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, run, &ws[i]);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

/* As many threads as connections: every thread binds one, keeps it for every round,
 * and the pool opened exactly one connection per thread. */
static void test_binding(const char *url)
{
    enum { N = 4 };
    db_pool_config cfg = {.conninfo = url, .size = N, .acquire_timeout_ms = 5000};
    db_pool *p = db_pool_new(&cfg);
    worker ws[N];
    memset(ws, 0, sizeof ws);
    for (int i = 0; i < N; i++)
        ws[i] = (worker){.pool = p, .rounds = ROUNDS};
    run_threads(ws, N);
    for (int i = 0; i < N; i++) {
        CHECK(ws[i].fails == 0 && ws[i].ok == ROUNDS);
        CHECK(ws[i].same == ROUNDS); /* never handed another thread's connection */
        for (int j = 0; j < i; j++)
            CHECK(ws[i].first != ws[j].first);
    }
    db_pool_stats s;
    db_pool_stats_get(p, &s);
    CHECK(s.in_use == 0 && s.waiting == 0 && s.timeouts_total == 0);
    CHECK(s.reconnects_total == N);
    CHECK(s.acquired_total == (uint64_t)N * ROUNDS);
    CHECK(s.bound == 0); /* the threads exited: their slots were unbound */
    db_pool_free(p);
}

/* More threads than connections, each holding its connection a little: the threads
 * without a slot of their own borrow through the bounded wait and all succeed, and
 * the pool never opens more than its size. */
static void test_more_threads_than_connections(const char *url)
{
    enum { N = 6, SIZE = 2 };
    db_pool_config cfg = {.conninfo = url, .size = SIZE, .acquire_timeout_ms = 10000};
    db_pool *p = db_pool_new(&cfg);
    worker ws[N];
    for (int i = 0; i < N; i++)
        ws[i] = (worker){.pool = p, .rounds = 40, .hold_us = 500};
    run_threads(ws, N);
    uint64_t total = 0;
    for (int i = 0; i < N; i++) {
        CHECK(ws[i].fails == 0 && ws[i].ok == 40);
        total += (uint64_t)ws[i].ok;
    }
    db_pool_stats s;
    db_pool_stats_get(p, &s);
    CHECK(s.in_use == 0 && s.waiting == 0 && s.timeouts_total == 0);
    CHECK(s.reconnects_total == SIZE);
    CHECK(s.acquired_total == total);
    db_pool_free(p);
}

/* A nested acquire on a thread whose own connection is out borrows the other one, and
 * once both are out the next waits acquire_timeout_ms and gets SF_UNAVAILABLE. */
static void test_nested_and_exhausted(const char *url)
{
    db_pool_config cfg = {.conninfo = url, .size = 2, .acquire_timeout_ms = 100};
    db_pool *p = db_pool_new(&cfg);
    sf_error e;
    sf_error_clear(&e);
    db_conn *a = NULL, *b = NULL, *c = NULL;
    CHECK(db_pool_acquire(p, &a, &e) == SF_OK);
    CHECK(db_pool_acquire(p, &b, &e) == SF_OK);
    CHECK(a != b);
    CHECK(db_pool_acquire(p, &c, &e) == SF_UNAVAILABLE);
    CHECK(strcmp(e.code, "service-unavailable") == 0);
    db_pool_stats s;
    db_pool_stats_get(p, &s);
    CHECK(s.in_use == 2 && s.timeouts_total == 1 && s.bound == 1);
    db_pool_release(p, b);
    db_pool_release(p, a);
    /* The thread's own connection comes back first. */
    db_conn *again = NULL;
    CHECK(db_pool_acquire(p, &again, &e) == SF_OK && again == a);
    db_pool_release(p, again);
    db_pool_stats_get(p, &s);
    CHECK(s.in_use == 0);
    db_pool_free(p);
}

typedef struct outlive {
    const char *url;
    int ok;
} outlive;

/* One thread uses a pool, the pool is freed while the thread lives, and the thread
 * uses a new pool (often at the same address): the stale binding must not be used
 * (ASan would see the freed slot), and the new pool binds afresh. */
static void *outlive_run(void *arg)
{
    outlive *o = arg;
    for (int round = 0; round < 3; round++) {
        db_pool_config cfg = {.conninfo = o->url, .size = 1, .acquire_timeout_ms = 2000};
        db_pool *p = db_pool_new(&cfg);
        sf_error e;
        sf_error_clear(&e);
        db_conn *c;
        if (db_pool_acquire(p, &c, &e) == SF_OK) {
            PGresult *r = db_exec(c, &one_stmt, NULL, &e);
            if (r)
                o->ok++;
            PQclear(r);
            db_pool_release(p, c);
        }
        db_pool_stats s;
        db_pool_stats_get(p, &s);
        if (s.bound != 1 || s.reconnects_total != 1)
            o->ok = -100;
        db_pool_free(p);
    }
    return NULL;
}

static void test_pool_freed_before_thread_exits(const char *url)
{
    outlive o = {.url = url};
    pthread_t t;
    pthread_create(&t, NULL, outlive_run, &o);
    pthread_join(t, NULL);
    CHECK(o.ok == 3);
}

/* A slot bound to a thread that exited is bound again by the next thread. */
static void test_rebind_after_exit(const char *url)
{
    db_pool_config cfg = {.conninfo = url, .size = 1, .acquire_timeout_ms = 2000};
    db_pool *p = db_pool_new(&cfg);
    for (int i = 0; i < 3; i++) {
        worker w = {.pool = p, .rounds = 5};
        run_threads(&w, 1);
        CHECK(w.ok == 5 && w.same == 5);
    }
    db_pool_stats s;
    db_pool_stats_get(p, &s);
    CHECK(s.bound == 0 && s.in_use == 0);
    CHECK(s.reconnects_total == 1); /* the connection outlived its threads */
    db_pool_free(p);
}

int main(void)
{
    const char *url = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "STOREFRONT_TEST_DATABASE_URL is not set; run this through make test\n");
        return 1;
    }
    test_binding(url);
    test_more_threads_than_connections(url);
    test_nested_and_exhausted(url);
    test_pool_freed_before_thread_exits(url);
    test_rebind_after_exit(url);
    return check_done();
}
