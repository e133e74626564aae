/*
 * test_catalog_version.c — migration 0018's catalog version and the listener of
 * api/db/catalog_version.c, against a real PostgreSQL in a scratch database
 * (sf_catver_test_<pid>).
 *
 * What the catalog cache relies on: every statement that changes a public catalog answer
 * bumps the version (once per transaction, however many rows or tables), a statement
 * that changes nothing public does not (a stock count that stays in its class, a
 * shopper's profile without reviews), the NOTIFY carries the new version, and the
 * listener follows the bumps, drops to 0 when its connection is killed and is exact
 * again after it reconnects.
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
#include "storefront/catalog_version.h"

static PGconn *db;

/* Runs sql; the first column of the first row (static buffer), "" when no row, NULL on
 * error (printed). */
static const char *q(const char *sql)
{
    static char buf[4096];
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        fprintf(stderr, "test_catalog_version: %s\n  -> %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    buf[0] = '\0';
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0)
        snprintf(buf, sizeof buf, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return buf;
}

static long long version(void)
{
    const char *v = q("SELECT version FROM catalog_version");
    return v ? atoll(v) : -1;
}

/* How much sql moved the version. */
static long long bumps(const char *sql)
{
    long long before = version();
    CHECK(q(sql) != NULL);
    return version() - before;
}

static void test_once_per_statement(void)
{
    CHECK(bumps("INSERT INTO brands (slug, name) VALUES ('b1', 'B1'), ('b2', 'B2'), "
                "('b3', 'B3')") == 1);
    CHECK(bumps("UPDATE brands SET description = 'x' WHERE slug LIKE 'b%'") == 1);
    CHECK(bumps("UPDATE brands SET description = 'x' WHERE false") == 0);
    CHECK(bumps("DELETE FROM brands WHERE slug = 'nothing'") == 0);
    /* A product insert fans out into the listing, lexicon and postings tables, a
     * transaction touches several tables: one version each. */
    CHECK(bumps("INSERT INTO products (slug, name, brand_id) SELECT 'p' || g, 'Thing ' || g, 1 "
                "FROM generate_series(1, 50) g") == 1);
    CHECK(bumps("BEGIN; UPDATE products SET featured = true WHERE slug = 'p1'; "
                "UPDATE categories SET name = name; INSERT INTO categories (slug, name) "
                "VALUES ('c1', 'C1'); COMMIT") == 1);
    CHECK(bumps("BEGIN; UPDATE products SET featured = false WHERE slug = 'p1'; ROLLBACK") == 0);
    CHECK(bumps("INSERT INTO product_images (product_id, url) VALUES (1, 'https://x/1.png')") == 1);
    CHECK(bumps("INSERT INTO product_categories (product_id, category_id) VALUES (1, 1)") == 1);
}

static void test_notify_payload(void)
{
    CHECK(q("LISTEN catalog_version") != NULL);
    CHECK(q("UPDATE brands SET name = 'Renamed' WHERE slug = 'b1'") != NULL);
    long long v = version();
    PQconsumeInput(db);
    PGnotify *n = PQnotifies(db);
    CHECK(n != NULL);
    if (n) {
        CHECK_STR(n->relname, "catalog_version");
        char want[32];
        snprintf(want, sizeof want, "%lld", v);
        CHECK_STR(n->extra, want);
        PQfreemem(n);
    }
    CHECK(PQnotifies(db) == NULL); /* one notification for the one bump */
    CHECK(q("UNLISTEN catalog_version") != NULL);
}

static void test_stock_classes(void)
{
    CHECK(q("INSERT INTO product_variants (product_id, sku, name, price_amount, stock) "
            "VALUES (1, 'SKU-1', 'Default', 1000, 10), (1, 'SKU-2', 'Other', 1200, 40)") != NULL);
    const char *set = "UPDATE product_variants SET stock = %d WHERE sku = 'SKU-1'";
    char sql[160];
    struct {
        int stock;
        long long bumps;
    } steps[] = {
        {9, 0}, /* in_stock -> in_stock: a checkout on the hot path */
        {5, 1}, /* -> low_stock */
        {4, 0}, /* low_stock -> low_stock */
        {0, 1}, /* -> out_of_stock (the product stays in stock through SKU-2) */
        {20, 1}, {19, 0},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        snprintf(sql, sizeof sql, set, steps[i].stock);
        CHECK(bumps(sql) == steps[i].bumps);
    }
    /* A checkout of both variants in one statement, both staying in class. */
    CHECK(bumps("UPDATE product_variants SET stock = stock - 1 WHERE product_id = 1") == 0);
    CHECK(bumps("UPDATE product_variants SET revision = revision + 1 WHERE sku = 'SKU-1'") == 0);
    CHECK(bumps("UPDATE product_variants SET price_amount = 1100 WHERE sku = 'SKU-1'") == 1);
    CHECK(bumps("UPDATE product_variants SET active = false WHERE sku = 'SKU-2'") == 1);
}

static void test_customers(void)
{
    CHECK(q("INSERT INTO customers (cognito_sub, email, display_name) VALUES "
            "('sub-1', 'a@example.com', 'Ada'), ('sub-2', 'b@example.com', 'Bob')") != NULL);
    CHECK(bumps("UPDATE customers SET display_name = 'Ada L' WHERE cognito_sub = 'sub-1'") == 0);
    CHECK(bumps("INSERT INTO reviews (product_id, customer_id, rating) VALUES (1, 1, 5)") == 1);
    CHECK(bumps("UPDATE customers SET display_name = 'Ada Lovelace' WHERE cognito_sub = 'sub-1'") ==
          1);
    CHECK(bumps("UPDATE customers SET email = 'ada@example.com' WHERE cognito_sub = 'sub-1'") == 0);
    CHECK(bumps("UPDATE customers SET display_name = 'Bobby' WHERE cognito_sub = 'sub-2'") == 0);
}

/* Waits (bounded: 10 s) until the listener's version is want; true when it got there. */
static bool listener_reaches(db_catalog_listener *l, long long want)
{
    for (int i = 0; i < 1000; i++) {
        if (db_catalog_listener_version(l) == want)
            return true;
        usleep(10 * 1000);
    }
    fprintf(stderr, "test_catalog_version: listener at %lld, want %lld\n",
            (long long)db_catalog_listener_version(l), want);
    return false;
}

static void test_listener(const char *url, PGconn *admin)
{
    db_catalog_listener *l = db_catalog_listener_start(url, "sf-catver-test-listener", 200);
    CHECK(l != NULL);
    if (!l)
        return;
    CHECK(listener_reaches(l, version()));
    CHECK(q("UPDATE brands SET name = 'Again' WHERE slug = 'b1'") != NULL);
    CHECK(listener_reaches(l, version()));

    /* Killed: a change made before it is back is lost as a NOTIFY, and found by the
     * re-read after the reconnect. */
    db_catalog_listener_stats s0, s1;
    db_catalog_listener_stats_get(l, &s0);
    PGresult *r = PQexec(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = 'sf-catver-test-listener'");
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1);
    PQclear(r);
    CHECK(q("UPDATE brands SET name = 'While away' WHERE slug = 'b2'") != NULL);
    long long want = version();
    bool reconnected = false;
    for (int i = 0; i < 1000 && !reconnected; i++) {
        db_catalog_listener_stats_get(l, &s1);
        reconnected = s1.connects > s0.connects;
        if (!reconnected)
            usleep(10 * 1000);
    }
    CHECK(reconnected);
    CHECK(listener_reaches(l, want));
    CHECK(q("UPDATE brands SET name = 'Heard' WHERE slug = 'b2'") != NULL);
    CHECK(listener_reaches(l, version()));
    db_catalog_listener_stop(l);
}

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_catalog_version: STOREFRONT_TEST_DATABASE_URL is not set\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_catalog_version: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char name[64];
    snprintf(name, sizeof name, "sf_catver_test_%ld", (long)getpid());
    char *url = make_database(admin, base, name);
    CHECK(url != NULL);
    FILE *devnull = fopen("/dev/null", "w");
    if (url && sf_migrate(url, devnull) == 0) {
        db = PQconnectdb(url);
        PQsetNoticeProcessor(db, ignore_notice, NULL);
        test_once_per_statement();
        test_notify_payload();
        test_stock_classes();
        test_customers();
        test_listener(url, admin);
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
