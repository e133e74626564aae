/*
 * test_seed.c — `storefront seed [--products N]` against a real PostgreSQL.
 *
 * Works in a database of its own (sf_seed_test_<pid>, created from
 * STOREFRONT_TEST_DATABASE_URL, migrated, dropped at the end). Checks what the shop's
 * users and developers rely on: a catalog big and varied enough to exercise the API
 * (brands, a 3-level category tree, 200+ products with variants, images, categories,
 * sales, stock-outs, dates across a year, searchable specs), a second run that changes
 * nothing and keeps every id, and a synthetic bulk load that is exact, idempotent,
 * deterministic and shaped like a shop (skewed category sizes, searchable names,
 * readable SKUs).
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

static char *query_text(const char *url, const char *sql);
static long query_long(const char *url, const char *sql);
static int timed_seed(const char *url, long n, const char *label);
static void check_catalog_shape(const char *url);
static void check_catalog_content(const char *url);
static void check_discount_codes(const char *url);
static void check_synthetic_content(const char *url);
static void test_sample(const char *url);
static void test_synthetic(const char *url);
static void test_unmigrated(const char *url);

/* Everything a re-run could change, ids and updated_at included: equal fingerprints
 * mean the second seed left every row exactly as it was. */
static const char *fingerprint_sql =
    "SELECT md5(concat("
    "(SELECT string_agg(concat_ws('|', id, slug, name, description, logo_url), ',' ORDER BY id) "
    " FROM brands),"
    "(SELECT string_agg(concat_ws('|', id, parent_id, slug, name, position), ',' ORDER BY id) "
    " FROM categories),"
    "(SELECT string_agg(concat_ws('|', id, slug, name, brand_id, description, status, featured, "
    " price_amount, compare_at_amount, in_stock, created_at, updated_at), ',' ORDER BY id) "
    " FROM products),"
    "(SELECT string_agg(concat_ws('|', id, product_id, sku, name, options::text, price_amount, "
    " compare_at_amount, stock, position), ',' ORDER BY id) FROM product_variants),"
    "(SELECT string_agg(concat_ws('|', id, product_id, url, alt, position), ',' ORDER BY id) "
    " FROM product_images),"
    "(SELECT string_agg(concat_ws('|', product_id, category_id), ',' "
    " ORDER BY product_id, category_id) FROM product_categories),"
    "(SELECT string_agg(concat_ws('|', id, code, kind, percent_off, amount_off, currency, "
    " min_subtotal, starts_at, ends_at, usage_limit, per_customer_limit, times_used, active, "
    " created_at), ',' ORDER BY id) FROM discount_codes)))";

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_seed: STOREFRONT_TEST_DATABASE_URL is not set; it must name a "
                        "PostgreSQL database whose role may CREATE DATABASE\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_seed: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char a[64], b[64];
    snprintf(a, sizeof a, "sf_seed_test_%ld", (long)getpid());
    snprintf(b, sizeof b, "sf_seed_test_%ld_bare", (long)getpid());
    char *url = make_database(admin, base, a);
    char *bare = make_database(admin, base, b);
    CHECK(url && bare);
    if (url && bare) {
        CHECK(sf_migrate(url, stdout) == 0);
        test_sample(url);
        test_synthetic(url);
        test_unmigrated(bare);
    }
    free(url);
    free(bare);
    drop_database(admin, a);
    drop_database(admin, b);
    PQfinish(admin);
    return check_done();
}

static void test_sample(const char *url)
{
    CHECK(timed_seed(url, 0, "sample catalog, first run") == 0);
    check_catalog_shape(url);
    check_catalog_content(url);
    check_discount_codes(url);
    char *before = query_text(url, fingerprint_sql);
    CHECK(timed_seed(url, 0, "sample catalog, second run") == 0);
    char *after = query_text(url, fingerprint_sql);
    CHECK_STR(after, before);
    free(before);
    free(after);

    /* A re-run repairs sample rows someone edited, without changing their ids. */
    long id = query_long(url, "SELECT min(id) FROM product_variants");
    char *edited = query_text(url, "WITH v AS (UPDATE product_variants SET stock = 999 WHERE id = "
                                   "(SELECT min(id) FROM product_variants) RETURNING stock) "
                                   "SELECT stock FROM v");
    CHECK_STR(edited, "999");
    free(edited);
    CHECK(timed_seed(url, 0, "sample catalog, repair run") == 0);
    CHECK(query_long(url, "SELECT stock FROM product_variants WHERE id = "
                          "(SELECT min(id) FROM product_variants)") != 999);
    CHECK(query_long(url, "SELECT min(id) FROM product_variants") == id);

    /* A re-run repairs an edited code but never hands spent uses back. */
    CHECK(query_long(url, "WITH u AS (UPDATE discount_codes SET percent_off = 99, times_used = 3 "
                          "WHERE code = 'WELCOME10' RETURNING 1) SELECT count(*) FROM u") == 1);
    CHECK(timed_seed(url, 0, "sample catalog, discount repair run") == 0);
    CHECK(query_long(url, "SELECT percent_off FROM discount_codes WHERE code = 'WELCOME10'") == 10);
    CHECK(query_long(url, "SELECT times_used FROM discount_codes WHERE code = 'WELCOME10'") == 3);
}

static void test_synthetic(const char *url)
{
    long products = query_long(url, "SELECT count(*) FROM products");
    long variants = query_long(url, "SELECT count(*) FROM product_variants");
    CHECK(timed_seed(url, 1000, "sample + 1000 synthetic") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM products") == products + 1000);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE slug LIKE 'synthetic-%'") == 1000);
    long synth_variants = query_long(url, "SELECT count(*) FROM product_variants") - variants;
    CHECK(synth_variants >= 1300 && synth_variants <= 2000); /* 1 to 3 each, mostly 1 or 2 */
    check_catalog_shape(url); /* every synthetic product has variants, images, categories */
    check_synthetic_content(url);

    char *before = query_text(url, fingerprint_sql);
    CHECK(timed_seed(url, 1000, "sample + 1000 synthetic, second run") == 0);
    char *after = query_text(url, fingerprint_sql);
    CHECK_STR(after, before);
    free(before);
    free(after);
    CHECK(query_long(url, "SELECT count(*) FROM products") == products + 1000);

    /* A larger count adds only the difference. */
    CHECK(timed_seed(url, 1500, "sample + 1500 synthetic") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM products") == products + 1500);
    CHECK(sf_seed(url, -1, stdout) != 0);

    /* Same number, same product: one deleted by hand comes back exactly as it was. */
    static const char *one_sql =
        "SELECT md5(concat_ws('|', p.name, p.description, b.slug, p.status, p.featured, "
        "p.price_amount, p.in_stock, p.category_ids::text, p.image_url, (SELECT string_agg("
        "concat_ws('|', sku, name, options::text, price_amount, stock), ',' ORDER BY position) "
        "FROM product_variants v WHERE v.product_id = p.id))) FROM products p "
        "JOIN brands b ON b.id = p.brand_id WHERE p.slug = 'synthetic-777'";
    char *kept = query_text(url, one_sql);
    CHECK(query_long(url, "WITH d AS (DELETE FROM products WHERE slug = 'synthetic-777' "
                          "RETURNING 1) SELECT count(*) FROM d") == 1);
    CHECK(timed_seed(url, 1500, "sample + 1500 synthetic, one restored") == 0);
    char *restored = query_text(url, one_sql);
    CHECK_STR(restored, kept);
    free(kept);
    free(restored);
    CHECK(query_long(url, "SELECT count(*) FROM products") == products + 1500);
}

/* What makes the synthetic catalog worth measuring with: categories of very different
 * sizes, names and descriptions made of words shoppers search for (some Vietnamese),
 * readable unique SKUs, and the same mix of statuses and stock as a real shop. */
static void check_synthetic_content(const char *url)
{
    static const char *synth = "FROM products WHERE slug LIKE 'synthetic-%'";
    char sql[640];
    /* Category sizes: a few big leaves, a long tail. */
    CHECK(query_long(url, "SELECT count(*) FROM product_categories pc JOIN products p ON "
                          "p.id = pc.product_id JOIN categories k ON k.id = pc.category_id "
                          "WHERE p.slug LIKE 'synthetic-%' AND EXISTS (SELECT 1 FROM "
                          "categories c WHERE c.parent_id = k.id)") == 0);
    static const char *sizes =
        "WITH s AS (SELECT pc.category_id, count(*) AS n FROM product_categories pc JOIN "
        "products p ON p.id = pc.product_id WHERE p.slug LIKE 'synthetic-%' GROUP BY 1) ";
    snprintf(sql, sizeof sql, "%sSELECT count(*) FROM s", sizes);
    CHECK(query_long(url, sql) >= 20);
    snprintf(sql, sizeof sql, "%sSELECT max(n) / min(n) FROM s", sizes);
    CHECK(query_long(url, sql) >= 10);
    snprintf(sql, sizeof sql, "%sSELECT 100 * max(n) / sum(n) FROM s", sizes);
    long top = query_long(url, sql);
    CHECK(top >= 15 && top <= 40);

    /* Search finds products by model, feature and (with accents) Vietnamese name, as the
     * API searches (search_query(), migration 0011: unaccented, joined spellings). */
    static const char *const queries[] = {"mx master 3s",  "k8 pro",  "rtx 4060",    "wi-fi 6e",
                                          "hot-swappable", "backlit", "bàn phím cơ", "usb-c"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) %s AND search @@ search_query('%s')", synth,
                 queries[i]);
        long n = query_long(url, sql);
        if (n <= 0)
            fprintf(stderr, "  full-text search finds no synthetic product for \"%s\"\n",
                    queries[i]);
        CHECK(n > 0);
    }
    snprintf(sql, sizeof sql, "SELECT count(*) %s AND octet_length(name) > char_length(name)",
             synth);
    long vi = query_long(url, sql);
    CHECK(vi > 0 && vi < 1500 / 5);
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT name) * 100 / count(*) %s", synth);
    CHECK(query_long(url, sql) >= 50);

    /* SKUs: brand code, model code, serial, variant code. */
    CHECK(query_long(url, "SELECT count(*) FROM product_variants v JOIN products p ON "
                          "p.id = v.product_id WHERE p.slug LIKE 'synthetic-%' AND v.sku !~ "
                          "'^[A-Z]{3}-[A-Z0-9]{1,15}-[0-9A-Z]{4,}-[A-Z0-9]{1,6}$'") == 0);

    snprintf(sql, sizeof sql, "SELECT count(DISTINCT status) %s", synth);
    CHECK(query_long(url, sql) == 4);
    snprintf(sql, sizeof sql, "SELECT count(*) %s AND featured", synth);
    long featured = query_long(url, sql);
    CHECK(featured > 0 && featured < 1500 / 10);
    snprintf(sql, sizeof sql, "SELECT count(*) %s AND NOT in_stock", synth);
    CHECK(query_long(url, sql) > 0);
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT brand_id) %s", synth);
    CHECK(query_long(url, sql) >= 25);
}

static void test_unmigrated(const char *url)
{
    CHECK(sf_seed(url, 0, stdout) != 0);
}

/* Structure: sizes, tree depth, and every product complete. */
static void check_catalog_shape(const char *url)
{
    CHECK(query_long(url, "SELECT count(*) FROM brands") >= 8);
    CHECK(query_long(url, "SELECT count(*) FROM categories") >= 12);
    CHECK(query_long(url, "SELECT count(*) FROM products") >= 200);
    CHECK(query_long(url, "WITH RECURSIVE t AS (SELECT id, 1 AS depth FROM categories WHERE "
                          "parent_id IS NULL UNION ALL SELECT c.id, t.depth + 1 FROM categories c "
                          "JOIN t ON c.parent_id = t.id) SELECT max(depth) FROM t") >= 3);
    CHECK(query_long(url,
                     "SELECT count(*) FROM products p WHERE (SELECT count(*) FROM "
                     "product_variants v WHERE v.product_id = p.id) NOT BETWEEN 1 AND 4") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM products p WHERE (SELECT count(*) FROM "
                          "product_images i WHERE i.product_id = p.id) NOT BETWEEN 1 AND 3") == 0);
    CHECK(query_long(url,
                     "SELECT count(*) FROM products p WHERE (SELECT count(*) FROM "
                     "product_categories c WHERE c.product_id = p.id) NOT BETWEEN 1 AND 2") == 0);
    /* The denormalised columns agree with the variants, whichever way they were set. */
    CHECK(query_long(url, "SELECT count(*) FROM products p, LATERAL (SELECT min(price_amount) AS "
                          "price, bool_or(stock > 0) AS in_stock FROM product_variants v WHERE "
                          "v.product_id = p.id AND v.active) r WHERE p.price_amount <> r.price OR "
                          "p.in_stock <> r.in_stock OR p.search IS NULL") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM product_variants WHERE price_amount <= 0") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE price_amount <= 0") == 0);
}

/* Variety the storefront needs to show: sales, badges, stock-outs, dates, search. */
static void check_catalog_content(const char *url)
{
    CHECK(query_long(url, "SELECT count(DISTINCT status) FROM products") == 4);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE featured") > 0);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE status = 'sale'") > 0);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE status = 'sale' AND "
                          "(compare_at_amount IS NULL OR compare_at_amount <= price_amount)") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE status <> 'sale' AND "
                          "compare_at_amount IS NOT NULL") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE NOT in_stock") > 0);
    CHECK(query_long(url, "SELECT count(*) FROM product_variants WHERE stock BETWEEN 1 AND 5") > 0);
    CHECK(query_long(url, "SELECT count(*) FROM products WHERE created_at > now() OR "
                          "created_at < now() - interval '366 days'") == 0);
    CHECK(query_long(url, "SELECT extract(day FROM max(created_at) - min(created_at)) "
                          "FROM products") > 300);
    CHECK(query_long(url,
                     "SELECT count(*) FROM product_images i JOIN products p ON "
                     "p.id = i.product_id WHERE i.url NOT LIKE "
                     "'https://images.storefront.example/products/' || p.slug || '-%.jpg'") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM brands WHERE logo_url <> "
                          "'https://images.storefront.example/brands/' || slug || '.png'") == 0);
    CHECK(query_long(url, "SELECT count(*) FROM product_variants WHERE options = '{}'") == 0);
    static const char *const words[] = {"mechanical", "wireless", "rgb", "1tb", "oled", "ssd"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM products WHERE search @@ plainto_tsquery('english', '%s')",
                 words[i]);
        long n = query_long(url, sql);
        if (n <= 0)
            fprintf(stderr, "  full-text search finds nothing for \"%s\"\n", words[i]);
        CHECK(n > 0);
    }
}

/* One sample code per outcome the API distinguishes (see api/db/seed.c). */
static void check_discount_codes(const char *url)
{
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code IN ('WELCOME10', "
                          "'SAVE20', 'EXPIRED5', 'FUTURE15', 'MINI1', 'ONCEPERCUSTOMER', "
                          "'INACTIVE')") == 7);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'WELCOME10' AND "
                          "kind = 'percent' AND percent_off = 10 AND active") == 1);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'SAVE20' AND "
                          "kind = 'fixed' AND amount_off = 2000 AND currency = 'USD' AND "
                          "min_subtotal = 10000") == 1);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'EXPIRED5' AND "
                          "ends_at <= now()") == 1);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'FUTURE15' AND "
                          "starts_at > now()") == 1);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'MINI1' AND "
                          "times_used >= usage_limit") == 1);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'ONCEPERCUSTOMER' "
                          "AND per_customer_limit = 1") == 1);
    CHECK(query_long(url, "SELECT count(*) FROM discount_codes WHERE code = 'INACTIVE' AND "
                          "NOT active") == 1);
}

/* --- helpers ---------------------------------------------------------------------- */

static int timed_seed(const char *url, long n, const char *label)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = sf_seed(url, n, stdout);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("  %s: rc=%d in %.3f s\n", label, rc,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return rc;
}

/* Runs one statement on a connection of its own; returns the first value of the
 * first row (malloc'd) or NULL. Failures are printed. */
static char *query_text(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, sql);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    else
        fprintf(stderr, "test: query failed or empty: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* query_text as a number; -1 when the query failed, so CHECKs on counts fail. */
static long query_long(const char *url, const char *sql)
{
    char *v = query_text(url, sql);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}
