/*
 * seed.c — `storefront seed [--products N]`: load the sample catalog and discount codes,
 * and optionally N synthetic products for load tests (seed_synthetic.c: with them come
 * the brands only they use; the sample catalog itself is the same with or without).
 *
 * The sample catalog is a few hundred rows, so it goes in with ordinary parameterized
 * upserts keyed on slug / SKU: that makes the seed idempotent (same rows, same ids on
 * every run) and lets a re-run repair sample rows someone edited by hand. Upserts only
 * write when a value differs, so a second run creates no dead tuples and does not
 * wake the rollup trigger. The synthetic products use COPY (seed_bulk.c) because
 * 100,000 single-row round trips would take minutes.
 *
 * Everything happens in one transaction under an advisory lock: a failed seed leaves
 * nothing behind, and two concurrent seeds cannot interleave (images have no natural
 * key, so interleaving could duplicate them).
 */
#include "storefront/admin.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "seed_catalog.h"
#include "storefront/db.h"

/* "SFSEEDCA" in ASCII; different from the migrate lock so a seed never waits on it. */
#define SEED_LOCK_KEY "6000575110497715009"

static bool tables_exist(db_conn *c);
static bool load_brands(db_conn *c, const seed_brand *brands, size_t count);
static bool load_categories(db_conn *c);
static bool load_products(db_conn *c);
static bool load_discount_codes(db_conn *c);
static bool load_product(db_conn *c, const seed_product *p);
static bool exec_ok(db_conn *c, const db_stmt *st, const char *const *params, const char *what,
                    const char *subject);
static void report_pg_error(db_conn *c, const char *what, const char *subject);
static double seconds_since(const struct timespec *t0);

static const db_stmt st_lock = {"sf_seed_lock", "SELECT pg_advisory_xact_lock($1::bigint)", 1};
static const db_stmt st_tables = {
    "sf_seed_tables",
    "SELECT to_regclass('products') IS NOT NULL AND to_regclass('product_variants') IS NOT NULL"
    " AND to_regclass('discount_codes') IS NOT NULL",
    0};
static const db_stmt st_brand = {
    "sf_seed_brand",
    "INSERT INTO brands (slug, name, description, logo_url) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, "
    "logo_url = EXCLUDED.logo_url "
    "WHERE (brands.name, brands.description, brands.logo_url) IS DISTINCT FROM "
    "(EXCLUDED.name, EXCLUDED.description, EXCLUDED.logo_url)",
    4};
static const db_stmt st_category = {
    "sf_seed_category",
    "INSERT INTO categories (parent_id, slug, name, description, position) "
    "VALUES ((SELECT id FROM categories WHERE slug = $1), $2, $3, $4, $5::int) "
    "ON CONFLICT (slug) DO UPDATE SET parent_id = EXCLUDED.parent_id, name = EXCLUDED.name, "
    "description = EXCLUDED.description, position = EXCLUDED.position "
    "WHERE (categories.parent_id, categories.name, categories.description, categories.position) "
    "IS DISTINCT FROM (EXCLUDED.parent_id, EXCLUDED.name, EXCLUDED.description, "
    "EXCLUDED.position)",
    5};
/* RETURNING gives no row when the conflict update is skipped (nothing changed), hence
 * the fallback SELECT. created_at is set once, on insert: relative to the start of
 * the (UTC) day so that "newest" is meaningful, and never moved by a re-run. */
static const db_stmt st_product = {
    "sf_seed_product",
    "WITH up AS (INSERT INTO products (slug, name, brand_id, description, status, featured, "
    "created_at) VALUES ($1, $2, (SELECT id FROM brands WHERE slug = $3), $4, "
    "$5::product_status, $6::boolean, date_trunc('day', now()) - make_interval(mins => $7::int)) "
    "ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, brand_id = EXCLUDED.brand_id, "
    "description = EXCLUDED.description, status = EXCLUDED.status, "
    "featured = EXCLUDED.featured, active = true, updated_at = now() "
    "WHERE (products.name, products.brand_id, products.description, products.status, "
    "products.featured, products.active) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.brand_id, "
    "EXCLUDED.description, EXCLUDED.status, EXCLUDED.featured, true) RETURNING id) "
    "SELECT id FROM up UNION ALL SELECT id FROM products WHERE slug = $1 LIMIT 1",
    7};
static const db_stmt st_product_category = {
    "sf_seed_product_category",
    "INSERT INTO product_categories (product_id, category_id) "
    "SELECT $1::bigint, id FROM categories WHERE slug = $2 ON CONFLICT DO NOTHING",
    2};
/* Images have no natural key: (product, url) identifies one for the seed's purpose. */
static const db_stmt st_image = {
    "sf_seed_image",
    "INSERT INTO product_images (product_id, url, alt, position) "
    "SELECT $1::bigint, $2, $3, $4::int WHERE NOT EXISTS "
    "(SELECT 1 FROM product_images WHERE product_id = $1::bigint AND url = $2)",
    4};
/* times_used is written on insert only: uses are checkout's business, and a re-run
 * must never hand spent uses back. */
static const db_stmt st_discount = {
    "sf_seed_discount",
    "INSERT INTO discount_codes (code, kind, percent_off, amount_off, currency, min_subtotal, "
    "starts_at, ends_at, usage_limit, per_customer_limit, times_used, active) "
    "VALUES ($1, $2::discount_kind, $3::int, $4::bigint, $5, $6::bigint, $7::timestamptz, "
    "$8::timestamptz, $9::int, $10::int, $11::int, $12::boolean) "
    "ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, percent_off = EXCLUDED.percent_off, "
    "amount_off = EXCLUDED.amount_off, currency = EXCLUDED.currency, "
    "min_subtotal = EXCLUDED.min_subtotal, starts_at = EXCLUDED.starts_at, "
    "ends_at = EXCLUDED.ends_at, usage_limit = EXCLUDED.usage_limit, "
    "per_customer_limit = EXCLUDED.per_customer_limit, active = EXCLUDED.active "
    "WHERE (discount_codes.kind, discount_codes.percent_off, discount_codes.amount_off, "
    "discount_codes.currency, discount_codes.min_subtotal, discount_codes.starts_at, "
    "discount_codes.ends_at, discount_codes.usage_limit, discount_codes.per_customer_limit, "
    "discount_codes.active) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.percent_off, "
    "EXCLUDED.amount_off, EXCLUDED.currency, EXCLUDED.min_subtotal, EXCLUDED.starts_at, "
    "EXCLUDED.ends_at, EXCLUDED.usage_limit, EXCLUDED.per_customer_limit, EXCLUDED.active)",
    12};
static const db_stmt st_variant = {
    "sf_seed_variant",
    "INSERT INTO product_variants (product_id, sku, name, options, price_amount, "
    "compare_at_amount, stock, position) "
    "VALUES ($1::bigint, $2, $3, $4::jsonb, $5::bigint, $6::bigint, $7::int, $8::int) "
    "ON CONFLICT (sku) DO UPDATE SET product_id = EXCLUDED.product_id, name = EXCLUDED.name, "
    "options = EXCLUDED.options, price_amount = EXCLUDED.price_amount, "
    "compare_at_amount = EXCLUDED.compare_at_amount, stock = EXCLUDED.stock, "
    "position = EXCLUDED.position, active = true "
    "WHERE (product_variants.product_id, product_variants.name, product_variants.options, "
    "product_variants.price_amount, product_variants.compare_at_amount, product_variants.stock, "
    "product_variants.position, product_variants.active) IS DISTINCT FROM (EXCLUDED.product_id, "
    "EXCLUDED.name, EXCLUDED.options, EXCLUDED.price_amount, EXCLUDED.compare_at_amount, "
    "EXCLUDED.stock, EXCLUDED.position, true)",
    8};

/* Sample discount codes, one per outcome the API distinguishes (docs/architecture.md,
 * "Discount decisions"). The windows are fixed dates far from today rather than
 * "yesterday" and "next month", so a re-run on another day changes nothing and the
 * codes keep their meaning for years. NULL = no value. */
typedef struct seed_discount {
    const char *code, *kind, *percent_off, *amount_off, *currency, *min_subtotal;
    const char *starts_at, *ends_at, *usage_limit, *per_customer_limit, *times_used, *active;
} seed_discount;

static const seed_discount seed_discounts[] = {
    {"WELCOME10", "percent", "10", NULL, NULL, "0", NULL, NULL, NULL, NULL, "0", "t"},
    {"SAVE20", "fixed", NULL, "2000", "USD", "10000", NULL, NULL, NULL, NULL, "0", "t"},
    {"EXPIRED5", "percent", "5", NULL, NULL, "0", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
     NULL, NULL, "0", "t"},
    {"FUTURE15", "percent", "15", NULL, NULL, "0", "2099-01-01T00:00:00Z", NULL, NULL, NULL, "0",
     "t"},
    {"MINI1", "percent", "1", NULL, NULL, "0", NULL, NULL, "1", NULL, "1", "t"},
    {"ONCEPERCUSTOMER", "percent", "5", NULL, NULL, "0", NULL, NULL, NULL, "1", "0", "t"},
    {"INACTIVE", "percent", "50", NULL, NULL, "0", NULL, NULL, NULL, NULL, "0", "f"},
};

int sf_seed(const char *conninfo, long synthetic_products, FILE *out)
{
    if (!out)
        out = stdout;
    if (synthetic_products < 0) {
        fprintf(stderr, "seed: --products must be 0 or more, got %ld\n", synthetic_products);
        return 1;
    }
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(conninfo, NULL, 0, &e);
    if (!c) {
        fprintf(stderr, "seed: cannot connect to the database: %s\n", e.detail);
        return 1;
    }
    int rc = 1;
    long added = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!tables_exist(c))
        goto out;
    const char *key[] = {SEED_LOCK_KEY};
    if (db_begin(c, &e) != SF_OK || !exec_ok(c, &st_lock, key, "cannot take the seed lock", ""))
        goto out;
    if (!load_brands(c, seed_brands, seed_brands_count) || !load_categories(c) ||
        !load_products(c) || !load_discount_codes(c))
        goto out;
    fprintf(out,
            "sample catalog: %zu brands, %zu categories, %zu products, %zu discount codes "
            "(%.2f s)\n",
            seed_brands_count, seed_categories_count, seed_sample_product_count(),
            sizeof seed_discounts / sizeof seed_discounts[0], seconds_since(&t0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (synthetic_products > 0 &&
        (!load_brands(c, seed_synthetic_brands, seed_synthetic_brands_count) ||
         !seed_bulk_synthetic(c, synthetic_products, &added)))
        goto out;
    if (db_commit(c, &e) != SF_OK) {
        report_pg_error(c, "commit failed", "");
        goto out;
    }
    if (synthetic_products > 0) {
        /* Fresh statistics, so the API's first queries after a bulk load get plans
         * for 100k rows rather than for an empty table. Best effort. */
        if (added > 0)
            db_command(c,
                       "ANALYZE products, product_variants, product_images, "
                       "product_categories",
                       &e);
        fprintf(out, "synthetic products: %ld requested, %ld added, %zu more brands (%.2f s)\n",
                synthetic_products, added, seed_synthetic_brands_count, seconds_since(&t1));
    }
    rc = 0;
out:
    db_rollback(c);
    db_conn_close(c);
    fflush(out);
    return rc;
}

/* --- static helpers --------------------------------------------------------------- */

static bool tables_exist(db_conn *c)
{
    sf_error e;
    sf_error_clear(&e);
    PGresult *r = db_exec(c, &st_tables, NULL, &e);
    if (!r) {
        report_pg_error(c, "cannot inspect the database", "");
        return false;
    }
    bool ok = db_bool(r, 0, 0);
    PQclear(r);
    if (!ok)
        fprintf(stderr, "seed: the catalog tables do not exist; run `storefront migrate` first\n");
    return ok;
}

static bool load_brands(db_conn *c, const seed_brand *brands, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const seed_brand *b = &brands[i];
        char logo[200];
        snprintf(logo, sizeof logo, "https://images.storefront.example/brands/%s.png", b->slug);
        const char *params[] = {b->slug, b->name, b->description, logo};
        if (!exec_ok(c, &st_brand, params, "cannot load brand", b->slug))
            return false;
    }
    return true;
}

/* The table lists parents before children, so each parent's id exists already. */
static bool load_categories(db_conn *c)
{
    for (size_t i = 0; i < seed_categories_count; i++) {
        const seed_category *k = &seed_categories[i];
        char pos[16];
        snprintf(pos, sizeof pos, "%d", k->position);
        const char *params[] = {k->parent, k->slug, k->name, k->description, pos};
        if (!exec_ok(c, &st_category, params, "cannot load category", k->slug))
            return false;
    }
    return true;
}

static bool load_products(db_conn *c)
{
    seed_product p;
    for (size_t i = 0; i < seed_lines_count; i++) {
        const seed_line *line = &seed_lines[i];
        for (int m = 0; m < SEED_MAX_MODELS && line->models[m].suffix; m++) {
            seed_product_sample(line, &line->models[m], &p);
            if (!load_product(c, &p))
                return false;
        }
    }
    return true;
}

static bool load_discount_codes(db_conn *c)
{
    for (size_t i = 0; i < sizeof seed_discounts / sizeof seed_discounts[0]; i++) {
        const seed_discount *d = &seed_discounts[i];
        const char *params[] = {
            d->code,         d->kind,      d->percent_off, d->amount_off,  d->currency,
            d->min_subtotal, d->starts_at, d->ends_at,     d->usage_limit, d->per_customer_limit,
            d->times_used,   d->active};
        if (!exec_ok(c, &st_discount, params, "cannot load discount code", d->code))
            return false;
    }
    return true;
}

static bool load_product(db_conn *c, const seed_product *p)
{
    sf_error e;
    sf_error_clear(&e);
    char age[24], id[24], num[3][24];
    snprintf(age, sizeof age, "%ld", p->age_minutes);
    const char *pp[] = {
        p->slug, p->name, p->brand, p->description, p->status, p->featured ? "t" : "f", age};
    PGresult *r = db_exec(c, &st_product, pp, &e);
    if (!r || PQntuples(r) != 1) {
        report_pg_error(c, "cannot load product", p->slug);
        PQclear(r);
        return false;
    }
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);

    for (int i = 0; i < p->ncategories; i++) {
        const char *params[] = {id, p->categories[i]};
        if (!exec_ok(c, &st_product_category, params, "cannot categorise product", p->slug))
            return false;
    }
    for (int i = 0; i < p->nimages; i++) {
        snprintf(num[0], sizeof num[0], "%d", i);
        const char *params[] = {id, p->image_url[i], p->image_alt[i], num[0]};
        if (!exec_ok(c, &st_image, params, "cannot load image of product", p->slug))
            return false;
    }
    for (int i = 0; i < p->nvariants; i++) {
        const seed_variant *v = &p->variants[i];
        char pos[16];
        snprintf(num[0], sizeof num[0], "%ld", v->price);
        snprintf(num[1], sizeof num[1], "%ld", v->compare_at);
        snprintf(num[2], sizeof num[2], "%d", v->stock);
        snprintf(pos, sizeof pos, "%d", i);
        const char *params[] = {
            id, v->sku, v->name, v->options, num[0], v->compare_at ? num[1] : NULL, num[2], pos};
        if (!exec_ok(c, &st_variant, params, "cannot load variant", v->sku))
            return false;
    }
    return true;
}

static bool exec_ok(db_conn *c, const db_stmt *st, const char *const *params, const char *what,
                    const char *subject)
{
    sf_error e;
    sf_error_clear(&e);
    PGresult *r = db_exec(c, st, params, &e);
    if (!r) {
        report_pg_error(c, what, subject);
        return false;
    }
    PQclear(r);
    return true;
}

static void report_pg_error(db_conn *c, const char *what, const char *subject)
{
    /* libpq's message already ends in a newline. */
    const char *msg = PQerrorMessage(db_conn_pg(c));
    fprintf(stderr, "seed: %s%s%s: %s", what, *subject ? " " : "", subject,
            msg && *msg ? msg : "unknown error\n");
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}
