/*
 * listing_fixture.h — what tests/db/test_listing.c builds its checks from: a seeded
 * random number generator, a growing string buffer, small libpq helpers that report
 * failures through CHECK, and a random catalog (category tree, brands, products with
 * variants and categories) written with plain SQL, so the catalog triggers see the same
 * statements an admin tool or a bulk load would send.
 *
 * Header-only, like scratch_db.h: each db test file is its own executable.
 */
#ifndef STOREFRONT_TEST_LISTING_FIXTURE_H
#define STOREFRONT_TEST_LISTING_FIXTURE_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storefront/catalog.h"

#define FIX_BRANDS 5

/* One test run: the connection the test writes and asks the oracle through, the pool the
 * service reads through, and the random state of the current iteration. */
typedef struct fix_ctx {
    PGconn *pg;
    db_pool *pool;
    unsigned char cursor_key[32];
    uint64_t rng;
    int ncat;      /* categories c1..c<ncat>, ids 1..ncat */
    int next_slug; /* products added after the catalog is built: w<next_slug> */
} fix_ctx;

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* splitmix64: tiny, and every iteration is reproducible from its seed alone. */
static uint64_t fix_rand64(fix_ctx *t)
{
    uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int fix_rand(fix_ctx *t, int n)
{
    return (int)(fix_rand64(t) % (uint64_t)n);
}

static void sb_printf(strbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return;
        b->s = s;
        b->cap = cap;
        b->s[b->len] = '\0';
    }
}

static void sb_free(strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* Runs sql with text parameters; NULL (and a CHECK failure with the server's message)
 * unless it succeeds. The caller clears the result. */
static PGresult *fix_query(fix_ctx *t, const char *sql, int nparams, const char *const *params)
{
    PGresult *r = PQexecParams(t->pg, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "  SQL failed: %s  in: %.300s\n", PQresultErrorMessage(r), sql);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Runs one or more statements without parameters. */
static bool fix_exec(fix_ctx *t, const char *sql)
{
    PGresult *r = PQexec(t->pg, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  SQL failed: %s  in: %.300s\n", PQresultErrorMessage(r), sql);
    PQclear(r);
    return ok;
}

/* The first column of the first row as a number (-1 when the query fails). */
static long long fix_scalar(fix_ctx *t, const char *sql)
{
    PGresult *r = fix_query(t, sql, 0, NULL);
    long long v = r && PQntuples(r) > 0 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* Words product names are made of: few, so names repeat (ties in the name sort) and
 * differ in case (the collation decides, on both sides of the comparison). */
static const char *const fix_words[] = {
    "Mechanical", "Keyboard", "Wireless", "Mouse",   "Gaming", "Laptop", "Pro",
    "Mini",       "USB-C",    "Hub",      "Monitor", "Stand",  "Router", "Wi-Fi",
    "Headset",    "mouse",    "keyboard", "Ultra",   "Dock",   "Cable",
};
#define FIX_NWORDS (sizeof fix_words / sizeof fix_words[0])

/* Prices on and around the facet band edges, so ties and band boundaries are common. */
static const int64_t fix_prices[] = {0,     999,    2499,   2500,   2501,  4999,  5000,
                                     9999,  10000,  24999,  25000,  49999, 50000, 99999,
                                     99999, 100000, 199999, 200000, 350000};
#define FIX_NPRICES (sizeof fix_prices / sizeof fix_prices[0])

static const char *const fix_statuses[] = {"regular", "new", "hot", "sale"};

static int64_t fix_random_price(fix_ctx *t)
{
    if (fix_rand(t, 4) == 0)
        return fix_rand(t, 300000);
    return fix_prices[fix_rand(t, (int)FIX_NPRICES)];
}

/* Empties the catalog and everything derived from it (TRUNCATE fires no row or
 * statement triggers, so the derived tables are emptied with it). */
static bool fix_reset(fix_ctx *t)
{
    return fix_exec(
        t, "TRUNCATE brands, categories, products, product_listing, "
           "listing_facet_counts, search_lexicon, search_postings RESTART IDENTITY CASCADE");
}

/* Adds n random products (slugs <prefix><first>..) in three statements, as a bulk load
 * would: products with price and in_stock as their variants will say, then the
 * variants (the roll-up, once per statement since 0013, then has nothing to write), then
 * 1-3 categories each. Returns how many were added, -1 on failure. */
static int fix_add_products(fix_ctx *t, const char *prefix, int first, int n)
{
    strbuf prod = {0}, var = {0}, cat = {0};
    sb_printf(&prod, "INSERT INTO products (slug, name, brand_id, status, featured, active, "
                     "price_amount, in_stock, created_at) VALUES ");
    sb_printf(&var, "INSERT INTO product_variants (product_id, sku, name, price_amount, stock) "
                    "SELECT p.id, v.sku, 'V', v.price, v.stock FROM (VALUES ");
    sb_printf(&cat, "INSERT INTO product_categories (product_id, category_id) "
                    "SELECT p.id, v.c FROM (VALUES ");
    for (int i = 0; i < n; i++) {
        int num = first + i;
        int nwords = 1 + fix_rand(t, 3);
        char name[160] = "";
        for (int w = 0; w < nwords; w++) {
            if (w)
                strcat(name, " ");
            strcat(name, fix_words[fix_rand(t, (int)FIX_NWORDS)]);
        }
        int nvar = 1 + fix_rand(t, 3);
        int64_t min_price = -1;
        bool in_stock = false;
        for (int v = 0; v < nvar; v++) {
            int64_t price = fix_random_price(t);
            int stock = fix_rand(t, 3) == 0 ? 0 : fix_rand(t, 20);
            min_price = min_price < 0 || price < min_price ? price : min_price;
            in_stock = in_stock || stock > 0;
            sb_printf(&var, "%s('%s%d', '%s%d-%d', %lld::bigint, %d)", i || v ? ", " : "", prefix,
                      num, prefix, num, v + 1, (long long)price, stock);
        }
        /* A small range of times, to the microsecond now and then: ties in "newest"
         * are common and the cursor must carry sub-second precision. */
        int hour = fix_rand(t, 60), usec = fix_rand(t, 3) == 0 ? fix_rand(t, 1000000) : 0;
        sb_printf(&prod,
                  "%s('%s%d', '%s', %d, '%s', %s, %s, %lld, %s, "
                  "'2026-01-%02d %02d:00:00.%06d+00')",
                  i ? ", " : "", prefix, num, name, 1 + fix_rand(t, FIX_BRANDS),
                  fix_statuses[fix_rand(t, 4)], fix_rand(t, 4) == 0 ? "true" : "false",
                  fix_rand(t, 7) == 0 ? "false" : "true", (long long)min_price,
                  in_stock ? "true" : "false", 1 + hour / 24, hour % 24, usec);
        int ncats = 1 + fix_rand(t, 3);
        for (int c = 0; c < ncats; c++)
            sb_printf(&cat, "%s('%s%d', %d::bigint)", i || c ? ", " : "", prefix, num,
                      1 + fix_rand(t, t->ncat));
    }

    sb_printf(&var, ") v(slug, sku, price, stock) JOIN products p ON p.slug = v.slug");
    /* The same category drawn twice for one product is one row. */
    sb_printf(&cat, ") v(slug, c) JOIN products p ON p.slug = v.slug ON CONFLICT DO NOTHING");
    bool ok = fix_exec(t, prod.s) && fix_exec(t, var.s);
    ok = ok && fix_exec(t, cat.s);
    sb_free(&prod);
    sb_free(&var);
    sb_free(&cat);
    return ok ? n : -1;
}

/* A fresh random catalog: FIX_BRANDS brands, 10-20 categories in a tree of depth <= 3,
 * nproducts products. Brands and categories get ids 1..n (the identity sequences are
 * moved past them, so later inserts get fresh ids). */
static bool fix_build_catalog(fix_ctx *t, int nproducts)
{
    if (!fix_reset(t))
        return false;
    static const char *const brand_names[FIX_BRANDS] = {"Acme", "Globex", "Initech", "Umbrella",
                                                        "Hooli"};
    strbuf b = {0};
    sb_printf(&b, "INSERT INTO brands (id, slug, name) OVERRIDING SYSTEM VALUE VALUES ");
    for (int i = 0; i < FIX_BRANDS; i++)
        sb_printf(&b, "%s(%d, 'b%d', '%s')", i ? ", " : "", i + 1, i + 1, brand_names[i]);
    sb_printf(&b, "; INSERT INTO categories (id, parent_id, slug, name) OVERRIDING SYSTEM "
                  "VALUE VALUES ");
    t->ncat = 10 + fix_rand(t, 11);
    int depth[32] = {0};
    for (int i = 1; i <= t->ncat; i++) {
        int parent = 0;
        if (i > 1 && fix_rand(t, 4) != 0) {
            int p = 1 + fix_rand(t, i - 1);
            if (depth[p] < 2)
                parent = p;
        }
        depth[i] = parent ? depth[parent] + 1 : 0;
        char pbuf[16];
        snprintf(pbuf, sizeof pbuf, "%d", parent);
        sb_printf(&b, "%s(%d, %s, 'c%d', 'Section %d')", i > 1 ? ", " : "", i,
                  parent ? pbuf : "NULL", i, i);
    }
    sb_printf(&b,
              "; SELECT setval(pg_get_serial_sequence('brands', 'id'), %d); "
              "SELECT setval(pg_get_serial_sequence('categories', 'id'), %d)",
              FIX_BRANDS, t->ncat);
    bool ok = fix_exec(t, b.s);
    sb_free(&b);
    t->next_slug = 1;
    return ok && fix_add_products(t, "p", 1, nproducts) == nproducts;
}

#endif
