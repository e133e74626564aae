/*
 * test_pool.c — the connection pool against a real PostgreSQL: transparent reconnect
 * after the server drops a session, bounded acquire (503 instead of queueing forever),
 * an unreachable database, SQLSTATE mapping, and no transaction leaking to the next
 * borrower.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storefront/db.h"

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
    test_reconnect(url);
    test_bounded_acquire(url);
    test_unreachable();
    test_sqlstate_mapping(url);
    return check_done();
}
