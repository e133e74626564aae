/*
 * test_pool.c — the connection pool against a real PostgreSQL: transparent reconnect
 * after the server drops a session, bounded acquire (503 instead of queueing forever),
 * an unreachable database and the reconnect backoff after it, SQLSTATE mapping, and no
 * transaction leaking to the next borrower. test_pool_threads.c covers the per-thread
 * binding.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "storefront/db.h"

#include <yder.h>

static const db_stmt pid_stmt = {"test_pid", "SELECT pg_backend_pid()::text", 0};
static const db_stmt one_stmt = {"test_one", "SELECT 1", 0};

static void test_reconnect(const char *url)
{
    db_pool_config cfg = {.conninfo = url, .size = 1, .acquire_timeout_ms = 500};
    db_pool *p = db_pool_new(&cfg);
    sf_error e;
    sf_error_clear(&e);
    db_conn *c;
    CHECK(db_pool_acquire(p, &c, &e) == SF_OK);
    PGresult *r = db_exec(c, &pid_stmt, NULL, &e);
    CHECK(r != NULL);
    char pid[32];
    snprintf(pid, sizeof pid, "%s", r ? PQgetvalue(r, 0, 0) : "0");
    PQclear(r);
    db_pool_release(p, c);

    /* Another session kills ours, as a server restart or failover would. */
    db_conn *killer = db_conn_open(url, NULL, 0, &e);
    CHECK(killer != NULL);
    if (killer) {
        const char *params[] = {pid};
        static const db_stmt kill = {"test_kill", "SELECT pg_terminate_backend($1::int)", 1};
        PQclear(db_exec(killer, &kill, params, &e));
        db_conn_close(killer);
    }

    db_pool_stats before;
    db_pool_stats_get(p, &before);
    CHECK(db_pool_acquire(p, &c, &e) == SF_OK);
    r = db_exec(c, &one_stmt, NULL, &e); /* retried once on a new session */
    CHECK(r != NULL);
    PQclear(r);
    db_pool_release(p, c);
    db_pool_stats after;
    db_pool_stats_get(p, &after);
    CHECK(after.reconnects_total == before.reconnects_total + 1);
    db_pool_free(p);
}

static void test_bounded_acquire(const char *url)
{
    db_pool_config cfg = {.conninfo = url, .size = 1, .acquire_timeout_ms = 100};
    db_pool *p = db_pool_new(&cfg);
    sf_error e;
    sf_error_clear(&e);
    db_conn *c, *c2;
    CHECK(db_pool_acquire(p, &c, &e) == SF_OK);
    CHECK(db_pool_acquire(p, &c2, &e) == SF_UNAVAILABLE);
    db_pool_stats s;
    db_pool_stats_get(p, &s);
    CHECK(s.in_use == 1 && s.timeouts_total == 1);

    /* A transaction left open by an error path is rolled back on release. */
    CHECK(db_begin(c, &e) == SF_OK);
    db_pool_release(p, c);
    CHECK(db_pool_acquire(p, &c, &e) == SF_OK);
    CHECK(PQtransactionStatus(db_conn_pg(c)) == PQTRANS_IDLE);
    db_pool_release(p, c);
    db_pool_free(p);
}

static void test_unreachable(void)
{
    db_pool_config cfg = {
        .conninfo = "postgresql://nobody@127.0.0.1:1/none", .size = 2, .acquire_timeout_ms = 100};
    db_pool *p = db_pool_new(&cfg);
    sf_error e;
    sf_error_clear(&e);
    db_conn *c;
    CHECK(db_pool_acquire(p, &c, &e) == SF_UNAVAILABLE);
    CHECK(strcmp(e.code, "service-unavailable") == 0);
    /* The slot went back: the next try fails the same way, it does not time out. */
    CHECK(db_pool_acquire(p, &c, &e) == SF_UNAVAILABLE);
    db_pool_stats s;
    db_pool_stats_get(p, &s);
    CHECK(s.in_use == 0 && s.timeouts_total == 0);
    db_pool_free(p);
}

/* A TCP port on 127.0.0.1 that nothing listens on: bound by the kernel's choice, then
 * closed (another process could take it meanwhile; then the first connect would not be
 * refused and the test fails loudly rather than passing). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* After a failed connect, acquires fail at once without trying to connect until the
 * backoff (100 ms, jittered to 50–100 ms, then doubling up to the cap) has passed;
 * then exactly one new attempt is made. */
static void test_backoff(void)
{
    char url[128];
    snprintf(url, sizeof url, "postgresql://nobody@127.0.0.1:%d/none", free_port());
    db_pool_config cfg = {
        .conninfo = url, .size = 2, .acquire_timeout_ms = 100, .reconnect_backoff_max_ms = 400};
    db_pool *p = db_pool_new(&cfg);
    sf_error e;
    sf_error_clear(&e);
    db_conn *c;
    db_pool_stats s;
    CHECK(db_pool_acquire(p, &c, &e) == SF_UNAVAILABLE);
    double failed_at = now_s();
    db_pool_stats_get(p, &s);
    CHECK(s.connect_attempts_total == 1 && s.database_down && s.refused_total == 0);

    /* Immediate retries: refused, no attempt. The backoff is at least 50 ms and 20
     * refusals take microseconds; should this machine stall past 50 ms, one retry may
     * have tried again, which the second check allows only then. */
    for (int i = 0; i < 20; i++) {
        sf_error_clear(&e);
        CHECK(db_pool_acquire(p, &c, &e) == SF_UNAVAILABLE);
        CHECK(strcmp(e.code, "service-unavailable") == 0);
    }
    double elapsed = now_s() - failed_at;
    db_pool_stats_get(p, &s);
    CHECK(s.connect_attempts_total == 1 || elapsed >= 0.05);
    CHECK(s.refused_total + (s.connect_attempts_total - 1) == 20);
    CHECK(s.in_use == 0 && s.timeouts_total == 0 && s.reconnects_total == 0);

    /* After the backoff one acquire tries again (and fails again). Bounded polling: the
     * cap is 400 ms, so within 5 s there must have been a new attempt. */
    uint64_t attempts = s.connect_attempts_total;
    double until = now_s() + 5;
    while (now_s() < until) {
        db_pool_acquire(p, &c, &e);
        db_pool_stats_get(p, &s);
        if (s.connect_attempts_total > attempts)
            break;
        usleep(10000);
    }
    CHECK(s.connect_attempts_total == attempts + 1);
    CHECK(s.database_down && s.in_use == 0);
    db_pool_free(p);
}

/* The log lines the pool writes, captured through yder's callback (the server's JSON
 * logger is one such callback). */
static char logged[8][512];
static int nlogged;

static void capture(void *cls, const char *app, const time_t date, const unsigned long level,
                    const char *message)
{
    (void)cls, (void)app, (void)date, (void)level;
    if (nlogged < 8)
        snprintf(logged[nlogged++], sizeof logged[0], "%s", message);
}

static bool logged_has(const char *what)
{
    for (int i = 0; i < nlogged; i++)
        if (strstr(logged[i], what))
            return true;
    return false;
}

/* A NOTICE or WARNING from the server reaches the log as one line through the notice
 * receiver (libpq's default would print it raw to stderr). */
static void test_notices(const char *url)
{
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, "test-notices", 0, &e);
    CHECK(c != NULL);
    if (!c)
        return;
    nlogged = 0;
    CHECK(db_command(c, "DO $$BEGIN RAISE NOTICE 'hello from test_notices'; END$$", &e) == SF_OK);
    CHECK(db_command(c, "DO $$BEGIN RAISE WARNING E'two\\nlines'; END$$", &e) == SF_OK);
    CHECK(nlogged == 2);
    CHECK(logged_has("db notice: NOTICE hello from test_notices"));
    CHECK(logged_has("test-notices"));
    CHECK(logged_has("db notice: WARNING two lines"));
    for (int i = 0; i < nlogged; i++)
        CHECK(strchr(logged[i], '\n') == NULL);
    db_conn_close(c);
}

static void test_sqlstate_mapping(const char *url)
{
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, NULL, 0, &e);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK(db_command(c, "CREATE TEMP TABLE t (k int PRIMARY KEY, v int CHECK (v > 0))", &e) ==
          SF_OK);
    const char *one[] = {"1", "1"};
    const char *sql = "INSERT INTO t VALUES ($1::int, $2::int)";
    PGresult *r = db_exec_sql(c, sql, 2, one, &e);
    CHECK(r != NULL);
    PQclear(r);
    CHECK(db_exec_sql(c, sql, 2, one, &e) == NULL && e.status == SF_CONFLICT);
    const char *bad[] = {"2", "-1"};
    sf_error_clear(&e);
    CHECK(db_exec_sql(c, sql, 2, bad, &e) == NULL && e.status == SF_INVALID);
    const char *junk[] = {"x", "1"};
    sf_error_clear(&e);
    CHECK(db_exec_sql(c, sql, 2, junk, &e) == NULL && e.status == SF_INVALID);
    /* SQL text never reaches the client-facing detail. */
    CHECK(strstr(e.detail, "INSERT") == NULL && strstr(e.detail, "syntax") == NULL);
    db_conn_close(c);
}

int main(void)
{
    const char *url = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "STOREFRONT_TEST_DATABASE_URL is not set; run this through make test\n");
        return 1;
    }
    y_init_logs("test_pool", Y_LOG_MODE_CALLBACK, Y_LOG_LEVEL_DEBUG, NULL, NULL);
    y_set_logs_callback(capture, NULL, NULL);
    test_notices(url);
    test_reconnect(url);
    test_bounded_acquire(url);
    test_unreachable();
    test_backoff();
    test_sqlstate_mapping(url);
    return check_done();
}
