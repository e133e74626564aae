/*
 * test_webhook_sender.c — the webhook sender's database side against a real PostgreSQL
 * in a scratch database (sf_webhook_test_<pid>): the lease hands out only the oldest
 * pending delivery of each (endpoint, resource), skips inactive endpoints, and keeps a
 * leased row's younger siblings back until it is marked; the marks; and the running
 * sender (svc_webhook_sender_start) re-checking the target before delivery (a URL that
 * now points inside the network is refused, recorded, retried) and giving up on a
 * delivery older than WEBHOOK_MAX_AGE_SECONDS.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "db/scratch_db.h"
#include "storefront/admin.h"
#include "storefront/arena.h"
#include "storefront/messages.h"
#include "storefront/queries_gen.h"
#include "storefront/webhooks.h"

static PGconn *db;

static const char *q(const char *sql)
{
    static char buf[4096];
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fprintf(stderr, "test_webhook_sender: %s\n  -> %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    buf[0] = '\0';
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0)
        snprintf(buf, sizeof buf, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return buf;
}

/* Queues one delivery of `resource` for endpoint `ep`. */
static void queue(int ep, const char *resource)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO message_outbox (channel, event_id, event_type, resource, endpoint_id, "
             "payload) VALUES ('webhook', gen_random_uuid(), 'stock.low', '%s', %d, "
             "'{\"object\": {}}')",
             resource, ep);
    CHECK(q(sql) != NULL);
}

static void test_lease(const char *url)
{
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, "test", 0, &e);
    CHECK(c != NULL);
    if (!c)
        return;
    arena *a = arena_new(4096);
    CHECK(q("INSERT INTO webhook_endpoints (url, secret, event_types) VALUES "
            "('https://a.example/h', 'whsec_a', '{stock.low}'), "
            "('https://b.example/h', 'whsec_b', '{stock.low}')") != NULL);
    CHECK(q("INSERT INTO webhook_endpoints (url, secret, event_types, active) VALUES "
            "('https://c.example/h', 'whsec_c', '{stock.low}', false)") != NULL);
    queue(1, "variant:1"); /* id 1 */
    queue(1, "variant:1"); /* id 2: waits for 1 */
    queue(1, "variant:2"); /* id 3 */
    queue(2, "variant:1"); /* id 4: another endpoint, its own order */
    queue(3, "variant:1"); /* id 5: inactive endpoint, never leased */
    q_webhook_lease_row *rows = NULL;
    size_t n = 0;
    CHECK(q_webhook_lease(c, a, &(q_webhook_lease_params){.max_rows = 10, .lease_ms = 60000}, &rows,
                          &n, &e) == SF_OK);
    CHECK(n == 3);
    bool seen[6] = {false};
    for (size_t i = 0; i < n; i++)
        if (rows[i].id >= 1 && rows[i].id <= 5)
            seen[rows[i].id] = true;
    CHECK(seen[1] && !seen[2] && seen[3] && seen[4] && !seen[5]);
    for (size_t i = 0; i < n; i++) {
        CHECK(rows[i].attempts == 1);
        CHECK(strncmp(rows[i].secret, "whsec_", 6) == 0);
        CHECK(strlen(rows[i].event_id) == 36);
    }
    /* Leased rows are still pending: nothing is due, and 2 stays behind 1. */
    CHECK(q_webhook_lease(c, a, &(q_webhook_lease_params){.max_rows = 10, .lease_ms = 60000}, &rows,
                          &n, &e) == SF_OK);
    CHECK(n == 0);
    /* 1 sent: 2 becomes due. */
    CHECK(q_webhook_mark_sent(c, &(q_webhook_mark_sent_params){.status = 204, .id = 1}, &e) ==
          SF_OK);
    CHECK(q_webhook_lease(c, a, &(q_webhook_lease_params){.max_rows = 10, .lease_ms = 60000}, &rows,
                          &n, &e) == SF_OK);
    CHECK(n == 1 && n == 1 && rows[0].id == 2);
    /* A failed attempt with a delay: pending, not due, the error kept. */
    CHECK(q_webhook_mark_retry(c,
                               &(q_webhook_mark_retry_params){.status = 500,
                                                              .error = "non-2xx answer",
                                                              .delay_ms = 60000,
                                                              .max_age_s = 3600,
                                                              .id = 2},
                               &e) == SF_OK);
    CHECK_STR(q("SELECT state || ' ' || last_status || ' ' || last_error || ' ' || "
                "(next_attempt_at > now() + interval '50 seconds') FROM message_outbox "
                "WHERE id = 2"),
              "pending 500 non-2xx answer true");
    CHECK_STR(q("SELECT state || ' ' || last_status || ' ' || (sent_at IS NOT NULL) "
                "FROM message_outbox WHERE id = 1"),
              "sent 204 true");
    /* Older than the maximum age: failed for good. */
    CHECK(q("UPDATE message_outbox SET created_at = now() - interval '2 hours' WHERE id = 3") !=
          NULL);
    CHECK(q_webhook_mark_retry(c,
                               &(q_webhook_mark_retry_params){.status_is_null = true,
                                                              .error = "timeout",
                                                              .delay_ms = 1000,
                                                              .max_age_s = 3600,
                                                              .id = 3},
                               &e) == SF_OK);
    CHECK_STR(q("SELECT state || ' ' || coalesce(last_status::text, 'null') FROM message_outbox "
                "WHERE id = 3"),
              "failed null");
    CHECK(q("DELETE FROM webhook_endpoints") != NULL);
    arena_free(a);
    db_conn_close(c);
}

/* Polls `sql` until it returns `want` (at most 30 s: a hung sender fails the test). */
static bool eventually(const char *sql, const char *want)
{
    for (int i = 0; i < 600; i++) {
        const char *got = q(sql);
        if (got && strcmp(got, want) == 0)
            return true;
        usleep(50000);
    }
    fprintf(stderr, "test_webhook_sender: %s never returned %s (last: %s)\n", sql, want, q(sql));
    return false;
}

static void test_sender_rechecks_target(const char *url)
{
    /* Registered when it was allowed; now, without the development setting, the
     * sender refuses to call it, records why, and retries. */
    CHECK(q("INSERT INTO webhook_endpoints (id, url, secret, event_types) OVERRIDING SYSTEM VALUE "
            "VALUES (10, 'https://127.0.0.1:9/hook', 'whsec_x', '{stock.low}'), "
            "(11, 'https://169.254.169.254/latest', 'whsec_y', '{stock.low}')") != NULL);
    queue(10, "variant:7");
    queue(11, "variant:8");
    CHECK(q("UPDATE message_outbox SET created_at = now() - interval '2 days' "
            "WHERE endpoint_id = 11") != NULL);
    sf_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.database_url = (char *)url;
    cfg.webhook_allow_private = false;
    cfg.webhook_timeout_ms = 1000;
    cfg.webhook_backoff_max_s = 1;
    cfg.webhook_max_age_s = 3600;
    cfg.webhook_poll_ms = 50;
    sf_worker *w = svc_webhook_sender_start(&cfg);
    CHECK(w != NULL);
    CHECK(eventually("SELECT (attempts >= 2 AND state = 'pending' AND last_status IS NULL AND "
                     "last_error LIKE 'target refused: url resolves to a loopback%')::text "
                     "FROM message_outbox WHERE endpoint_id = 10",
                     "true"));
    /* Too old to retry: failed after its refused attempt. */
    CHECK(eventually("SELECT state || ' ' || (last_error LIKE 'target refused%') "
                     "FROM message_outbox WHERE endpoint_id = 11",
                     "failed true"));
    sf_worker_stop(w);
    /* WEBHOOK_POLL_MS=0: no sender in this process. */
    cfg.webhook_poll_ms = 0;
    CHECK(svc_webhook_sender_start(&cfg) == NULL);
}

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_webhook_sender: STOREFRONT_TEST_DATABASE_URL is not set\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_webhook_sender: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char name[64];
    snprintf(name, sizeof name, "sf_webhook_test_%ld", (long)getpid());
    char *url = make_database(admin, base, name);
    CHECK(url != NULL);
    FILE *devnull = fopen("/dev/null", "w");
    if (url && sf_migrate(url, devnull) == 0) {
        db = PQconnectdb(url);
        PQsetNoticeProcessor(db, ignore_notice, NULL);
        test_lease(url);
        test_sender_rechecks_target(url);
        PQfinish(db);
    } else {
        CHECK(!"migrating the scratch database failed");
    }
    if (devnull)
        fclose(devnull);
    drop_database(admin, name);
    PQfinish(admin);
    free(url);
    return check_done();
}
