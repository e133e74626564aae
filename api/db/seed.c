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
 *
 * The statements, and why each is shaped so, are in schema/queries/seed.sql.
 */
#include "storefront/admin.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "seed_catalog.h"
#include "storefront/db.h"
#include "storefront/queries_gen.h"

/* "SFSEEDCA" in ASCII; different from the migrate lock so a seed never waits on it. */
#define SEED_LOCK_KEY INT64_C(6000575110497715009)

static bool tables_exist(db_conn *c);
static bool load_brands(db_conn *c, const seed_brand *brands, size_t count);
static bool load_categories(db_conn *c);
static bool load_products(db_conn *c);
static bool load_discount_codes(db_conn *c);
static bool load_product(db_conn *c, const seed_product *p);
static bool ok_or_report(db_conn *c, sf_status s, const char *what, const char *subject);
static void report_pg_error(db_conn *c, const char *what, const char *subject);
static double seconds_since(const struct timespec *t0);

/* Sample discount codes, one per outcome the API distinguishes (docs/architecture.md,
 * "Discount decisions"). The windows are fixed dates far from today rather than
 * "yesterday" and "next month", so a re-run on another day changes nothing and the
 * codes keep their meaning for years. Each entry is the upsert's parameters; a value
 * left out is NULL (PCT: percent-off codes have no amount or currency; NO_LIMITS:
 * unlimited uses). */
#define PCT       .kind = DB_DISCOUNT_KIND_PERCENT, .amount_off_is_null = true
#define NO_LIMITS .usage_limit_is_null = true, .per_customer_limit_is_null = true

static const q_seed_discount_params seed_discounts[] = {
    {.code = "WELCOME10", PCT, .percent_off = 10, NO_LIMITS, .active = true},
    {.code = "SAVE20",
     .kind = DB_DISCOUNT_KIND_FIXED,
     .percent_off_is_null = true,
     .amount_off = 2000,
     .currency = "USD",
     .min_subtotal = 10000,
     NO_LIMITS,
     .active = true},
    {.code = "EXPIRED5",
     PCT,
     .percent_off = 5,
     .starts_at = "2024-01-01T00:00:00Z",
     .ends_at = "2025-01-01T00:00:00Z",
     NO_LIMITS,
     .active = true},
    {.code = "FUTURE15",
     PCT,
     .percent_off = 15,
     .starts_at = "2099-01-01T00:00:00Z",
     NO_LIMITS,
     .active = true},
    {.code = "MINI1",
     PCT,
     .percent_off = 1,
     .usage_limit = 1,
     .per_customer_limit_is_null = true,
     .times_used = 1,
     .active = true},
    {.code = "ONCEPERCUSTOMER",
     PCT,
     .percent_off = 5,
     .usage_limit_is_null = true,
     .per_customer_limit = 1,
     .active = true},
    {.code = "INACTIVE", PCT, .percent_off = 50, NO_LIMITS, .active = false},
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
    if (db_begin(c, &e) != SF_OK ||
        !ok_or_report(c, q_seed_lock(c, &(q_seed_lock_params){.key = SEED_LOCK_KEY}, &e),
                      "cannot take the seed lock", "") ||
        /* The stock the seed writes enters the inventory ledger as 'seed'. */
        !ok_or_report(
            c,
            q_stock_context_set(c, &(q_stock_context_set_params){.reason = "seed", .note = ""}, &e),
            "cannot set the stock ledger context", ""))
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
            q_seed_analyze(c, &e);
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
    q_seed_tables_exist_row row = {0};
    if (q_seed_tables_exist(c, &row, &e) != SF_OK) {
        report_pg_error(c, "cannot inspect the database", "");
        return false;
    }
    if (!row.exist)
        fprintf(stderr, "seed: the catalog tables do not exist; run `storefront migrate` first\n");
    return row.exist;
}

static bool load_brands(db_conn *c, const seed_brand *brands, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const seed_brand *b = &brands[i];
        char logo[200];
        snprintf(logo, sizeof logo, "https://images.storefront.example/brands/%s.png", b->slug);
        sf_error e;
        sf_error_clear(&e);
        sf_status s = q_seed_brand(
            c,
            &(q_seed_brand_params){
                .slug = b->slug, .name = b->name, .description = b->description, .logo_url = logo},
            &e);
        if (!ok_or_report(c, s, "cannot load brand", b->slug))
            return false;
    }
    return true;
}

/* The table lists parents before children, so each parent's id exists already. */
static bool load_categories(db_conn *c)
{
    for (size_t i = 0; i < seed_categories_count; i++) {
        const seed_category *k = &seed_categories[i];
        sf_error e;
        sf_error_clear(&e);
        sf_status s = q_seed_category(c,
                                      &(q_seed_category_params){.parent_slug = k->parent,
                                                                .slug = k->slug,
                                                                .name = k->name,
                                                                .description = k->description,
                                                                .position = k->position},
                                      &e);
        if (!ok_or_report(c, s, "cannot load category", k->slug))
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
        sf_error e;
        sf_error_clear(&e);
        if (!ok_or_report(c, q_seed_discount(c, &seed_discounts[i], &e),
                          "cannot load discount code", seed_discounts[i].code))
            return false;
    }
    return true;
}

static bool load_product(db_conn *c, const seed_product *p)
{
    sf_error e;
    sf_error_clear(&e);
    db_product_status status;
    if (!db_product_status_parse(p->status, &status)) {
        fprintf(stderr, "seed: product %s has an unknown status %s\n", p->slug, p->status);
        return false;
    }
    q_seed_product_row row = {0};
    sf_status s = q_seed_product(c,
                                 &(q_seed_product_params){.slug = p->slug,
                                                          .name = p->name,
                                                          .brand = p->brand,
                                                          .description = p->description,
                                                          .status = status,
                                                          .featured = p->featured,
                                                          .age_minutes = (int32_t)p->age_minutes},
                                 &row, &e);
    if (!ok_or_report(c, s, "cannot load product", p->slug))
        return false;

    for (int i = 0; i < p->ncategories; i++) {
        s = q_seed_product_category(
            c,
            &(q_seed_product_category_params){.product_id = row.id, .category = p->categories[i]},
            &e);
        if (!ok_or_report(c, s, "cannot categorise product", p->slug))
            return false;
    }
    for (int i = 0; i < p->nimages; i++) {
        s = q_seed_image(c,
                         &(q_seed_image_params){.product_id = row.id,
                                                .url = p->image_url[i],
                                                .alt = p->image_alt[i],
                                                .position = i},
                         &e);
        if (!ok_or_report(c, s, "cannot load image of product", p->slug))
            return false;
    }
    for (int i = 0; i < p->nvariants; i++) {
        const seed_variant *v = &p->variants[i];
        s = q_seed_variant(c,
                           &(q_seed_variant_params){.product_id = row.id,
                                                    .sku = v->sku,
                                                    .name = v->name,
                                                    .options = v->options,
                                                    .price = v->price,
                                                    .compare_at = v->compare_at,
                                                    .compare_at_is_null = v->compare_at == 0,
                                                    .stock = v->stock,
                                                    .position = i},
                           &e);
        if (!ok_or_report(c, s, "cannot load variant", v->sku))
            return false;
    }
    return true;
}

/* True on SF_OK; otherwise prints what failed, for whom, and PostgreSQL's message. */
static bool ok_or_report(db_conn *c, sf_status s, const char *what, const char *subject)
{
    if (s == SF_OK)
        return true;
    report_pg_error(c, what, subject);
    return false;
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
