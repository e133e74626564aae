/*
 * test_mail_outbox.c — the mailer's statements (schema/queries/mail.sql) against a real
 * PostgreSQL in a scratch database (sf_mail_test_<pid>), through the generated C the
 * mailer calls.
 *
 * What the mailer relies on: the lease takes only due e-mail rows (never webhook rows),
 * counts the attempt and pushes next_attempt_at ahead so a second lease does not take
 * them again; rows another session has locked are skipped; only the oldest pending row
 * of an order is due (its events arrive in order) until it is sent or failed; a mark
 * with a stale attempts count changes nothing; a retry is due again after its delay.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "db/scratch_db.h"
#include "storefront/admin.h"
#include "storefront/db.h"
#include "storefront/queries_gen.h"

static PGconn *raw; /* for set-up and checks */
static db_conn *mc; /* the mailer's connection */
static arena *a;

static const char *q(const char *sql)
{
    static char buf[4096];
    PGresult *r = PQexec(raw, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fprintf(stderr, "test_mail_outbox: %s\n  -> %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    buf[0] = '\0';
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0)
        snprintf(buf, sizeof buf, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return buf;
}

/* An order for customer 1 (shopper@example.com), committed: one order.created row. */
static void place_order(int n)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO orders (number, customer_id, currency, subtotal, total, "
             "shipping_method, payment_method, ship_line1, ship_city, ship_country) "
             "VALUES ('SF-000000-%06d', 1, 'USD', 1000, 1000, 'standard', 'manual', "
             "'Street 1', 'Berlin', 'DE')",
             n);
    CHECK(q(sql) != NULL);
}

static q_mail_lease_row *lease(int max, size_t *n)
{
    q_mail_lease_row *rows = NULL;
    sf_error e = {0};
    *n = 0;
    CHECK(q_mail_lease(mc, a, &(q_mail_lease_params){.max_rows = max, .lease_ms = 60000}, &rows, n,
                       &e) == SF_OK);
    return rows;
}

static long mark_sent(int64_t id, int attempts)
{
    long changed = -1;
    sf_error e = {0};
    CHECK(q_mail_mark_sent(
              mc, &(q_mail_mark_sent_params){.status = 200, .id = id, .attempts = attempts},
              &changed, &e) == SF_OK);
    return changed;
}

static void test_lease_and_marks(void)
{
    /* A webhook endpoint for order.created: its rows are never the mailer's. */
    CHECK(q("INSERT INTO webhook_endpoints (url, secret, event_types) VALUES "
            "('https://hooks.example.com/x', 'whsec', '{order.created}')") != NULL);
    place_order(1);
    place_order(2);
    CHECK_STR(q("SELECT count(*) FROM message_outbox"), "4");
    size_t n = 0;
    q_mail_lease_row *rows = lease(10, &n);
    CHECK(n == 2);
    for (size_t i = 0; i < n; i++) {
        CHECK_STR(rows[i].event_type, "order.created");
        CHECK_STR(rows[i].recipient, "shopper@example.com");
        CHECK(rows[i].attempts == 1);
        CHECK(strstr(rows[i].payload, "\"number\"") != NULL);
    }
    /* Leased: pushed ahead, not taken again. */
    CHECK_STR(q("SELECT bool_and(next_attempt_at > now() + interval '50 seconds') "
                "FROM message_outbox WHERE channel = 'email'"),
              "t");
    lease(10, &n);
    CHECK(n == 0);
    /* A stale mark (another mailer's attempt) changes nothing; the right one does. */
    CHECK(mark_sent(rows[0].id, 2) == 0);
    CHECK(mark_sent(rows[0].id, 1) == 1);
    CHECK(mark_sent(rows[0].id, 1) == 0); /* only once */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT state || ' ' || last_status || ' ' || (sent_at IS NOT NULL) "
             "FROM message_outbox WHERE id = %lld",
             (long long)rows[0].id);
    CHECK_STR(q(sql), "sent 200 true");

    /* A retry: pending again with its error, due after its delay (0 here). */
    long changed = -1;
    sf_error e = {0};
    CHECK(q_mail_mark_retry(mc,
                            &(q_mail_mark_retry_params){.delay_ms = 0,
                                                        .status_is_null = true,
                                                        .error = "SES unreachable: refused",
                                                        .id = rows[1].id,
                                                        .attempts = 1},
                            &changed, &e) == SF_OK);
    CHECK(changed == 1);
    q_mail_lease_row *again = lease(10, &n);
    CHECK(n == 1 && again[0].id == rows[1].id && again[0].attempts == 2);
    CHECK(mark_sent(again[0].id, 2) == 1);
    CHECK_STR(q("SELECT count(*) FROM message_outbox WHERE channel = 'webhook' AND attempts = 0"),
              "2");
}

/* Created, paid and shipped of one order: one at a time, oldest first; a failed row no
 * longer holds the next back. */
static void test_in_order(void)
{
    place_order(3);
    CHECK(
        q("UPDATE orders SET paid_at = now(), status = 'paid' WHERE number = 'SF-000000-000003'") !=
        NULL);
    CHECK(q("UPDATE orders SET status = 'shipped', tracking_number = 'T1' "
            "WHERE number = 'SF-000000-000003'") != NULL);
    CHECK_STR(q("SELECT string_agg(event_type, ',' ORDER BY id) FROM message_outbox "
                "WHERE channel = 'email' AND state = 'pending'"),
              "order.created,order.paid,order.shipped");
    size_t n = 0;
    q_mail_lease_row *r = lease(10, &n);
    CHECK(n == 1 && strcmp(r[0].event_type, "order.created") == 0);
    CHECK(mark_sent(r[0].id, r[0].attempts) == 1);
    r = lease(10, &n);
    CHECK(n == 1 && strcmp(r[0].event_type, "order.paid") == 0);
    long changed = -1;
    sf_error e = {0};
    CHECK(q_mail_mark_failed(mc,
                             &(q_mail_mark_failed_params){.status = 400,
                                                          .error = "SES answered 400: rejected",
                                                          .id = r[0].id,
                                                          .attempts = r[0].attempts},
                             &changed, &e) == SF_OK);
    CHECK(changed == 1);
    r = lease(10, &n);
    CHECK(n == 1 && strcmp(r[0].event_type, "order.shipped") == 0);
    CHECK(mark_sent(r[0].id, r[0].attempts) == 1);
    CHECK_STR(
        q("SELECT string_agg(event_type || ':' || state, ',' ORDER BY id) FROM message_outbox "
          "WHERE channel = 'email' AND resource = 'order:SF-000000-000003'"),
        "order.created:sent,order.paid:failed,order.shipped:sent");
}

/* Another session holding a row's lock (a mailer mid-lease on another server): skipped,
 * not waited for. */
static void test_skip_locked(void)
{
    place_order(4);
    place_order(5);
    CHECK(q("BEGIN") != NULL);
    CHECK(q("SELECT id FROM message_outbox WHERE resource = 'order:SF-000000-000004' "
            "AND channel = 'email' FOR UPDATE") != NULL);
    size_t n = 0;
    q_mail_lease_row *r = lease(10, &n);
    CHECK(n == 1 && strstr(r[0].payload, "SF-000000-000005") != NULL);
    CHECK(q("ROLLBACK") != NULL);
    r = lease(10, &n);
    CHECK(n == 1 && strstr(r[0].payload, "SF-000000-000004") != NULL);
}

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_mail_outbox: STOREFRONT_TEST_DATABASE_URL is not set\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_mail_outbox: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char name[64];
    snprintf(name, sizeof name, "sf_mail_test_%ld", (long)getpid());
    char *url = make_database(admin, base, name);
    CHECK(url != NULL);
    FILE *devnull = fopen("/dev/null", "w");
    sf_error e = {0};
    if (url && sf_migrate(url, devnull) == 0 && (mc = db_conn_open(url, NULL, 0, &e)) != NULL) {
        raw = PQconnectdb(url);
        PQsetNoticeProcessor(raw, ignore_notice, NULL);
        a = arena_new(8192);
        CHECK(q("INSERT INTO customers (cognito_sub, email) VALUES ('sub-1', "
                "'shopper@example.com')") != NULL);
        test_lease_and_marks();
        test_in_order();
        test_skip_locked();
        arena_free(a);
        db_conn_close(mc);
        PQfinish(raw);
    } else {
        CHECK(!"migrating or connecting to the scratch database failed");
    }
    if (devnull)
        fclose(devnull);
    drop_database(admin, name);
    PQfinish(admin);
    free(url);
    return check_done();
}
