/*
 * test_outbox.c — the triggers of migration 0015 that write the message outbox, run
 * against a real PostgreSQL in a scratch database (sf_outbox_test_<pid>).
 *
 * What the e-mail and webhook senders rely on: a committed order change has its rows and
 * a rolled-back one has none; an order's first event sees its lines (the trigger is
 * deferred to COMMIT); paid + shipped in one statement are two events in that order; an
 * e-mail and the webhook deliveries of one event share its event_id; refunds keep
 * refunded_total and emit order.refunded once per succeeded refund; product.updated and
 * stock.low are written only for subscribed endpoints and only on the edges they name.
 * An order of a customer with no address on file yet still gets its e-mail row, with the
 * customer instead of the address (0019), made due at once when the address arrives.
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

static PGconn *db;

/* Runs sql; returns the first column of the first row (static buffer), "" when no row,
 * NULL on error (printed). */
static const char *q(const char *sql)
{
    static char buf[4096];
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fprintf(stderr, "test_outbox: %s\n  -> %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    buf[0] = '\0';
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0)
        snprintf(buf, sizeof buf, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return buf;
}

static bool fails(const char *sql)
{
    PGresult *r = PQexec(db, sql);
    bool failed = PQresultStatus(r) == PGRES_FATAL_ERROR;
    PQclear(r);
    return failed;
}

static const char *place_order_sql =
    "WITH o AS (INSERT INTO orders (number, customer_id, currency, subtotal, total, "
    "shipping_method, payment_method, ship_line1, ship_city, ship_country) "
    "VALUES ('SF-000000-%06d', 1, 'USD', 1000, 1000, 'standard', 'manual', 'Street 1', "
    "'Berlin', 'DE') RETURNING id) "
    "INSERT INTO order_lines (order_id, variant_id, sku, name, unit_price, quantity, line_total) "
    "SELECT id, 1, 'SKU-1', 'Thing', 1000, 1, 1000 FROM o";

static void place_order(int n)
{
    char sql[1024];
    snprintf(sql, sizeof sql, place_order_sql, n);
    CHECK(q(sql) != NULL);
}

static void test_commit_and_rollback(void)
{
    CHECK(q("BEGIN") != NULL);
    place_order(1);
    CHECK(q("ROLLBACK") != NULL);
    CHECK_STR(q("SELECT count(*) FROM message_outbox"), "0");

    place_order(2);
    CHECK_STR(q("SELECT count(*) FROM message_outbox"), "1");
    CHECK_STR(q("SELECT event_type || ' ' || channel || ' ' || recipient || ' ' || resource "
                "FROM message_outbox"),
              "order.created email shopper@example.com order:SF-000000-000002");
    /* Deferred to COMMIT: the lines inserted after the order row are in the document. */
    CHECK_STR(q("SELECT json_array_length((payload->'object'->'lines')::json) FROM message_outbox"),
              "1");
    CHECK_STR(q("SELECT payload->'object'->>'email' FROM message_outbox"), "shopper@example.com");
    /* The document never carries the card client secret. */
    CHECK_STR(q("SELECT count(*) FROM message_outbox WHERE payload::text LIKE '%secret%'"), "0");
}

static void test_paid_and_shipped(void)
{
    CHECK(q("INSERT INTO webhook_endpoints (url, secret, event_types) VALUES "
            "('https://partner.example/hook', 'whsec_x', '{order.paid,order.shipped}')") != NULL);
    CHECK(q("UPDATE orders SET paid_at = now(), status = 'shipped', tracking_number = 'TRK1' "
            "WHERE number = 'SF-000000-000002'") != NULL);
    CHECK_STR(q("SELECT string_agg(event_type, ',' ORDER BY id) FROM message_outbox "
                "WHERE channel = 'email'"),
              "order.created,order.paid,order.shipped");
    CHECK_STR(q("SELECT string_agg(event_type, ',' ORDER BY id) FROM message_outbox "
                "WHERE channel = 'webhook'"),
              "order.paid,order.shipped");
    /* One event, one id: the e-mail and the delivery of order.paid share it. */
    CHECK_STR(q("SELECT count(DISTINCT event_id) FROM message_outbox "
                "WHERE event_type = 'order.paid'"),
              "1");
    CHECK_STR(q("SELECT payload->'object'->>'tracking_number' FROM message_outbox "
                "WHERE event_type = 'order.shipped' AND channel = 'email'"),
              "TRK1");
    /* A change that is none of the four events writes nothing. */
    CHECK(q("UPDATE orders SET status = 'delivered' WHERE number = 'SF-000000-000002'") != NULL);
    CHECK_STR(q("SELECT count(*) FROM message_outbox"), "5");
}

static void test_refunds(void)
{
    CHECK(q("INSERT INTO refunds (order_id, amount, currency) "
            "SELECT id, 300, 'USD' FROM orders WHERE number = 'SF-000000-000002'") != NULL);
    CHECK_STR(q("SELECT count(*) FROM message_outbox WHERE event_type = 'order.refunded'"), "0");
    CHECK_STR(q("SELECT refunded_total FROM orders WHERE number = 'SF-000000-000002'"), "0");
    CHECK(q("UPDATE refunds SET status = 'succeeded'") != NULL);
    CHECK_STR(q("SELECT refunded_total FROM orders WHERE number = 'SF-000000-000002'"), "300");
    CHECK_STR(q("SELECT count(*) FROM message_outbox WHERE event_type = 'order.refunded'"), "1");
    CHECK_STR(q("SELECT payload->'refund'->'amount'->>'amount' FROM message_outbox "
                "WHERE event_type = 'order.refunded'"),
              "300");
    CHECK_STR(q("SELECT payload->'object'->'refunded'->>'amount' FROM message_outbox "
                "WHERE event_type = 'order.refunded'"),
              "300");
    /* A succeeded refund that Stripe later reports failed gives the amount back; no new
     * event. */
    CHECK(q("UPDATE refunds SET status = 'failed'") != NULL);
    CHECK_STR(q("SELECT refunded_total FROM orders WHERE number = 'SF-000000-000002'"), "0");
    CHECK_STR(q("SELECT count(*) FROM message_outbox WHERE event_type = 'order.refunded'"), "1");
    /* More than the total cannot be refunded. */
    CHECK(fails("INSERT INTO refunds (order_id, amount, currency, status) "
                "SELECT id, 1001, 'USD', 'succeeded' FROM orders "
                "WHERE number = 'SF-000000-000002'"));
}

static void test_guest_owner(void)
{
    CHECK(fails("INSERT INTO orders (number, customer_id, currency, subtotal, total, "
                "shipping_method, payment_method, ship_line1, ship_city, ship_country) "
                "VALUES ('SF-000000-000009', NULL, 'USD', 1, 1, 'standard', 'cod', 'a', 'b', "
                "'DE')"));
    CHECK(q("INSERT INTO orders (number, customer_id, guest_email, access_token_hash, currency, "
            "subtotal, total, shipping_method, payment_method, ship_line1, ship_city, "
            "ship_country) VALUES ('SF-000000-000010', NULL, 'guest@example.com', "
            "repeat('ab', 32), 'USD', 1, 1, 'standard', 'cod', 'a', 'b', 'DE')") != NULL);
    CHECK_STR(q("SELECT recipient || ' ' || (payload->'object'->>'guest') FROM message_outbox "
                "WHERE resource = 'order:SF-000000-000010'"),
              "guest@example.com true");
}

static void test_address_later(void)
{
    /* A customer with an address: the row names both. */
    CHECK_STR(q("SELECT recipient || ' ' || customer_id FROM message_outbox "
                "WHERE channel = 'email' AND resource = 'order:SF-000000-000002' ORDER BY id "
                "LIMIT 1"),
              "shopper@example.com 1");
    /* No address on file (the Cognito profile copy has not happened): a row all the same. */
    CHECK(q("INSERT INTO customers (cognito_sub) VALUES ('sub-2')") != NULL);
    CHECK(q("WITH o AS (INSERT INTO orders (number, customer_id, currency, subtotal, total, "
            "shipping_method, payment_method, ship_line1, ship_city, ship_country) "
            "SELECT 'SF-000000-000020', id, 'USD', 1, 1, 'standard', 'cod', 'a', 'b', 'DE' "
            "FROM customers WHERE cognito_sub = 'sub-2' RETURNING id) "
            "INSERT INTO order_lines (order_id, variant_id, sku, name, unit_price, quantity, "
            "line_total) SELECT id, 1, 'SKU-1', 'Thing', 1, 1, 1 FROM o") != NULL);
    const char *row = "SELECT coalesce(recipient, '-') || ' ' || (customer_id = (SELECT id FROM "
                      "customers WHERE cognito_sub = 'sub-2')) || ' ' || "
                      "(next_attempt_at <= now()) FROM message_outbox "
                      "WHERE channel = 'email' AND resource = 'order:SF-000000-000020'";
    CHECK_STR(q(row), "- true true");
    /* Waiting (a mailer pushed it back); the address arrives: due at once. */
    CHECK(q("UPDATE message_outbox SET next_attempt_at = now() + interval '10 minutes' "
            "WHERE resource = 'order:SF-000000-000020'") != NULL);
    CHECK_STR(q(row), "- true false");
    CHECK(q("UPDATE customers SET email = 'late@example.com' WHERE cognito_sub = 'sub-2'") != NULL);
    CHECK_STR(q(row), "- true true");
    /* Neither an e-mail row nor a webhook row may lack its target. */
    CHECK(fails("INSERT INTO message_outbox (channel, event_id, event_type, resource, payload) "
                "VALUES ('email', gen_random_uuid(), 'order.created', 'order:x', '{}')"));
}

static void test_product_updated(void)
{
    const char *n = "SELECT count(*) FROM message_outbox WHERE event_type = 'product.updated'";
    CHECK(q("UPDATE products SET name = 'Renamed', revision = revision + 1") != NULL);
    CHECK_STR(q(n), "0"); /* nobody subscribed */
    CHECK(q("INSERT INTO webhook_endpoints (url, secret, event_types) VALUES "
            "('https://erp.example/hook', 'whsec_y', '{product.updated,stock.low}')") != NULL);
    CHECK(q("UPDATE products SET name = 'Renamed again', revision = revision + 1") != NULL);
    CHECK_STR(q(n), "1");
    CHECK_STR(q("SELECT payload->'object'->>'name' FROM message_outbox "
                "WHERE event_type = 'product.updated'"),
              "Renamed again");
    /* A roll-up that leaves the revision alone is not an edit. */
    CHECK(q("UPDATE products SET rating_count = rating_count") != NULL);
    CHECK_STR(q(n), "1");
    /* An inactive endpoint gets nothing. */
    CHECK(q("UPDATE webhook_endpoints SET active = false WHERE url LIKE 'https://erp%'") != NULL);
    CHECK(q("UPDATE products SET revision = revision + 1") != NULL);
    CHECK_STR(q(n), "1");
    CHECK(q("UPDATE webhook_endpoints SET active = true WHERE url LIKE 'https://erp%'") != NULL);
}

static void test_stock_low(void)
{
    const char *n = "SELECT count(*) FROM message_outbox WHERE event_type = 'stock.low'";
    CHECK(q("UPDATE product_variants SET stock = 6 WHERE id = 1") != NULL);
    CHECK_STR(q(n), "0");
    CHECK(q("UPDATE product_variants SET stock = 5 WHERE id = 1") != NULL); /* crosses 5 */
    CHECK_STR(q(n), "1");
    CHECK(q("UPDATE product_variants SET stock = 3 WHERE id = 1") != NULL); /* already low */
    CHECK_STR(q(n), "1");
    CHECK(q("UPDATE product_variants SET stock = 9 WHERE id = 1") != NULL);
    CHECK(q("UPDATE product_variants SET stock = 2 WHERE id = 1") != NULL);
    CHECK_STR(q(n), "2");
    CHECK_STR(q("SELECT payload->'object'->>'stock' || ' ' || resource FROM message_outbox "
                "WHERE event_type = 'stock.low' ORDER BY id DESC LIMIT 1"),
              "2 variant:1");
    CHECK(q("UPDATE shop_settings SET stock_low_threshold = 1") != NULL);
    CHECK(q("UPDATE product_variants SET stock = 9 WHERE id = 1") != NULL);
    CHECK(q("UPDATE product_variants SET stock = 2 WHERE id = 1") != NULL);
    CHECK_STR(q(n), "2");
}

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_outbox: STOREFRONT_TEST_DATABASE_URL is not set\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_outbox: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char name[64];
    snprintf(name, sizeof name, "sf_outbox_test_%ld", (long)getpid());
    char *url = make_database(admin, base, name);
    CHECK(url != NULL);
    FILE *devnull = fopen("/dev/null", "w");
    if (url && sf_migrate(url, devnull) == 0) {
        db = PQconnectdb(url);
        PQsetNoticeProcessor(db, ignore_notice, NULL);
        CHECK(q("INSERT INTO customers (cognito_sub, email) VALUES ('sub-1', "
                "'shopper@example.com')") != NULL);
        CHECK(q("INSERT INTO brands (slug, name) VALUES ('acme', 'Acme')") != NULL);
        CHECK(q("INSERT INTO products (slug, name, brand_id) VALUES ('thing', 'Thing', 1)") !=
              NULL);
        CHECK(q("INSERT INTO product_variants (product_id, sku, name, price_amount, stock) "
                "VALUES (1, 'SKU-1', 'Default', 1000, 10)") != NULL);
        test_commit_and_rollback();
        test_paid_and_shipped();
        test_refunds();
        test_guest_owner();
        test_address_later();
        test_product_updated();
        test_stock_low();
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
