/*
 * seed_bulk.c — bulk-loads synthetic products for `storefront seed --products N`.
 *
 * Why COPY into temp tables and then INSERT ... SELECT: COPY is the fastest way into
 * PostgreSQL, and going through temp tables lets one set-based statement per table
 * skip products that already exist (idempotent re-runs) and resolve brand, category and
 * product ids by join instead of per-row lookups. The catalog's derived data is kept
 * by statement-level triggers with transition tables (0003 and later), which see a
 * whole statement's rows at once: one INSERT per table per chunk is what keeps them
 * cheap, and what they are written for.
 *
 * Why chunks of 100,000 products, all in the caller's one transaction: the
 * product_images and product_categories triggers rewrite every product they touch.
 * Over a million products at once, those rewrites visit heap pages from the whole
 * load, which no longer fit in shared_buffers, and each statement took five to six
 * minutes (the load took 14.7 min; 100k loaded in 44 s). A chunk keeps each
 * statement's working set to recent pages, while every statement still carries
 * 100k+ rows. A chunk whose products all exist is skipped after one indexed count, so
 * a re-run of 1M costs seconds. The transaction stays one: a failure leaves nothing.
 *
 * Why products carry their derived columns on insert: products.price_amount /
 * compare_at_amount / in_stock are normally maintained by the per-row rollup trigger
 * on product_variants. Left alone, it would UPDATE each new product once per variant,
 * i.e. write every product row (and its GIN search entry) two or three times. We write
 * the values the trigger would compute (seed_product.c mirrors its rule), so its
 * UPDATE matches no row and costs an index probe. Likewise image_url / image_alt
 * (first image) and category_ids (categories and their ancestors) go in with the row,
 * so a trigger that skips rows already right has nothing to do. The triggers still run
 * and still have the last word, so a mismatch would cost speed, never correctness.
 * Disabling triggers or session_replication_role would need ownership or superuser
 * and an exclusive lock; we need neither.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_catalog.h"
#include "storefront/db.h"

#define COPY_FLUSH_BYTES (256 * 1024)
/* Products per chunk; every statement of a chunk carries at least this many rows. */
#define CHUNK_PRODUCTS 100000L

typedef struct copy_buf {
    char *data;
    size_t len, cap;
    bool oom;
} copy_buf;

typedef enum copy_table { COPY_PRODUCTS, COPY_VARIANTS, COPY_IMAGES, COPY_CATEGORIES } copy_table;

static bool load_chunk(db_conn *c, long first, long last, long *added);
static long chunk_existing(db_conn *c, long first, long last);
static bool copy_table_rows(db_conn *c, copy_table t, long first, long last);
static void write_rows(copy_buf *b, copy_table t, long n, const seed_product *p);
static void put_text(copy_buf *b, const char *s, char sep);
static void put_long(copy_buf *b, long v, char sep);
static void put_amount_or_null(copy_buf *b, long v, char sep);
static void put_raw(copy_buf *b, const char *s, size_t n);
static bool run(db_conn *c, const char *sql, const char *what);
static long run_count(db_conn *c, const char *sql, const char *what);

/* Settings for one big load, local to the caller's transaction (SET LOCAL needs no
 * privilege): the COPY text is UTF-8 whatever the client environment says; sorts,
 * hash joins and the triggers' transition tables stay in memory instead of spilling,
 * and so do the temp tables (temp_buffers must be set before the session's first
 * temp table, which is the first statement below that makes one). Temp tables vanish
 * at commit. seed_tmp_closure: each category with its ancestors, as category_ids
 * stores them. */
static const char *const setup_sql[] = {
    "SET LOCAL client_encoding = 'UTF8'",
    "SET LOCAL work_mem = '256MB'",
    "SET LOCAL temp_buffers = '256MB'",
    "CREATE TEMP TABLE seed_tmp_products (n bigint, slug text, name text, brand text, "
    "description text, status text, featured boolean, age_minutes int, price bigint, "
    "compare_at bigint, in_stock boolean, image_url text, image_alt text) ON COMMIT DROP",
    "CREATE TEMP TABLE seed_tmp_variants (n bigint, sku text, name text, options jsonb, "
    "price bigint, compare_at bigint, stock int, position int) ON COMMIT DROP",
    "CREATE TEMP TABLE seed_tmp_images (n bigint, url text, alt text, position int) "
    "ON COMMIT DROP",
    "CREATE TEMP TABLE seed_tmp_categories (n bigint, category text) ON COMMIT DROP",
    "CREATE TEMP TABLE seed_tmp_ids (n bigint, id bigint) ON COMMIT DROP",
    "CREATE TEMP TABLE seed_tmp_closure ON COMMIT DROP AS "
    "WITH RECURSIVE anc(slug, id) AS (SELECT slug, id FROM categories UNION "
    "SELECT a.slug, c.parent_id FROM anc a JOIN categories c ON c.id = a.id "
    "WHERE c.parent_id IS NOT NULL) SELECT slug, id FROM anc",
};
static const char *const copy_sql[] = {
    [COPY_PRODUCTS] = "COPY seed_tmp_products FROM STDIN",
    [COPY_VARIANTS] = "COPY seed_tmp_variants FROM STDIN",
    [COPY_IMAGES] = "COPY seed_tmp_images FROM STDIN",
    [COPY_CATEGORIES] = "COPY seed_tmp_categories FROM STDIN",
};

/* How many of products first..last exist: one probe of the slug index each. */
static const db_stmt st_existing = {
    "sf_seed_bulk_existing",
    "SELECT count(*) FROM generate_series($1::bigint, $2::bigint) g "
    "JOIN products p ON p.slug = 'synthetic-' || g",
    2};

bool seed_bulk_synthetic(db_conn *c, long count, long *added)
{
    *added = 0;
    for (size_t i = 0; i < sizeof setup_sql / sizeof setup_sql[0]; i++)
        if (!run(c, setup_sql[i], "cannot prepare the bulk load"))
            return false;
    for (long first = 1; first <= count; first += CHUNK_PRODUCTS) {
        long last = count - first < CHUNK_PRODUCTS ? count : first + CHUNK_PRODUCTS - 1;
        long n = chunk_existing(c, first, last);
        if (n < 0)
            return false;
        if (n == last - first + 1)
            continue;
        if (!load_chunk(c, first, last, &n))
            return false;
        *added += n;
    }
    return true;
}

/* --- static helpers --------------------------------------------------------------- */

/* Loads products first..last that do not exist yet; *added gets their number. */
static bool load_chunk(db_conn *c, long first, long last, long *added)
{
    *added = 0;
    if (!run(c,
             "TRUNCATE seed_tmp_products, seed_tmp_variants, seed_tmp_images, "
             "seed_tmp_categories, seed_tmp_ids",
             "cannot empty temp tables"))
        return false;
    for (copy_table t = COPY_PRODUCTS; t <= COPY_CATEGORIES; t++)
        if (!copy_table_rows(c, t, first, last))
            return false;
    /* Temp tables are never auto-analyzed; without statistics the joins below would
     * be planned for a near-empty table. */
    if (!run(c,
             "ANALYZE seed_tmp_products, seed_tmp_variants, seed_tmp_images, "
             "seed_tmp_categories",
             "cannot analyze temp tables") ||
        !run(c, "DELETE FROM seed_tmp_products t USING products p WHERE p.slug = t.slug",
             "cannot skip existing products"))
        return false;
    /* Ids follow arrival (created_at), as in a shop that has been adding products for
     * a year; the newest index then takes its entries in order, not at random. */
    long n = run_count(
        c,
        "INSERT INTO products (slug, name, brand_id, description, status, featured, "
        "price_amount, compare_at_amount, in_stock, image_url, image_alt, category_ids, "
        "created_at) "
        "SELECT t.slug, t.name, b.id, t.description, t.status::product_status, t.featured, "
        "t.price, t.compare_at, t.in_stock, t.image_url, t.image_alt, coalesce(k.ids, '{}'), "
        "date_trunc('day', now()) - make_interval(mins => t.age_minutes) "
        "FROM seed_tmp_products t JOIN brands b ON b.slug = t.brand "
        "LEFT JOIN (SELECT tc.n, array_agg(DISTINCT cl.id ORDER BY cl.id) AS ids "
        "FROM seed_tmp_categories tc JOIN seed_tmp_closure cl ON cl.slug = tc.category "
        "GROUP BY tc.n) k ON k.n = t.n ORDER BY t.age_minutes DESC, t.n "
        "ON CONFLICT (slug) DO NOTHING",
        "cannot insert products");
    if (n < 0)
        return false;
    *added = n;
    if (n == 0)
        return true;
    return run(c,
               "INSERT INTO seed_tmp_ids SELECT t.n, p.id "
               "FROM seed_tmp_products t JOIN products p ON p.slug = t.slug",
               "cannot map product ids") &&
           run(c, "ANALYZE seed_tmp_ids", "cannot analyze temp tables") &&
           run(c,
               "INSERT INTO product_variants (product_id, sku, name, options, price_amount, "
               "compare_at_amount, stock, position) "
               "SELECT i.id, v.sku, v.name, v.options, v.price, v.compare_at, v.stock, "
               "v.position FROM seed_tmp_variants v JOIN seed_tmp_ids i ON i.n = v.n "
               "ORDER BY i.id, v.position ON CONFLICT (sku) DO NOTHING",
               "cannot insert variants") &&
           run(c,
               "INSERT INTO product_images (product_id, url, alt, position) "
               "SELECT i.id, m.url, m.alt, m.position FROM seed_tmp_images m "
               "JOIN seed_tmp_ids i ON i.n = m.n ORDER BY i.id, m.position",
               "cannot insert images") &&
           run(c,
               "INSERT INTO product_categories (product_id, category_id) "
               "SELECT i.id, k.id FROM seed_tmp_categories t JOIN seed_tmp_ids i ON i.n = t.n "
               "JOIN categories k ON k.slug = t.category ORDER BY i.id "
               "ON CONFLICT DO NOTHING",
               "cannot categorise products");
}

static long chunk_existing(db_conn *c, long first, long last)
{
    char a[24], b[24];
    snprintf(a, sizeof a, "%ld", first);
    snprintf(b, sizeof b, "%ld", last);
    const char *params[] = {a, b};
    sf_error e;
    sf_error_clear(&e);
    PGresult *r = db_exec(c, &st_existing, params, &e);
    if (!r) {
        fprintf(stderr, "seed: cannot count existing products: %s", PQerrorMessage(db_conn_pg(c)));
        return -1;
    }
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

/* One COPY per table, regenerating the products each time: expanding a product costs
 * a few microseconds, less than holding every table's text in memory at once. */
static bool copy_table_rows(db_conn *c, copy_table t, long first, long last)
{
    PGconn *pg = db_conn_pg(c);
    PGresult *r = PQexec(pg, copy_sql[t]);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "seed: cannot start COPY: %s", PQerrorMessage(pg));
        PQclear(r);
        return false;
    }
    PQclear(r);
    copy_buf b = {0};
    seed_product p;
    bool ok = true;
    for (long n = first; n <= last && ok; n++) {
        seed_product_synthetic(n, &p);
        write_rows(&b, t, n, &p);
        if (b.oom)
            ok = false;
        else if (b.len >= COPY_FLUSH_BYTES || n == last) {
            ok = PQputCopyData(pg, b.data, (int)b.len) == 1;
            b.len = 0;
        }
    }
    free(b.data);
    /* Ending with an error message aborts the COPY server-side: nothing half-copied. */
    if (PQputCopyEnd(pg, ok ? NULL : "seed: out of memory or connection lost") != 1)
        ok = false;
    while ((r = PQgetResult(pg)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            if (ok)
                fprintf(stderr, "seed: COPY failed: %s", PQresultErrorMessage(r));
            ok = false;
        }
        PQclear(r);
    }
    if (!ok && b.oom)
        fprintf(stderr, "seed: out of memory while building COPY data\n");
    return ok;
}

/* COPY text format: one line per row, columns separated by tabs, \N for NULL. Each
 * put_* call writes one column followed by `sep`. */
static void write_rows(copy_buf *b, copy_table t, long n, const seed_product *p)
{
    switch (t) {
    case COPY_PRODUCTS:
        put_long(b, n, '\t');
        put_text(b, p->slug, '\t');
        put_text(b, p->name, '\t');
        put_text(b, p->brand, '\t');
        put_text(b, p->description, '\t');
        put_text(b, p->status, '\t');
        put_text(b, p->featured ? "t" : "f", '\t');
        put_long(b, p->age_minutes, '\t');
        put_long(b, p->price, '\t');
        put_amount_or_null(b, p->compare_at, '\t');
        put_text(b, p->in_stock ? "t" : "f", '\t');
        put_text(b, p->image_url[0], '\t');
        put_text(b, p->image_alt[0], '\n');
        break;
    case COPY_VARIANTS:
        for (int v = 0; v < p->nvariants; v++) {
            const seed_variant *sv = &p->variants[v];
            put_long(b, n, '\t');
            put_text(b, sv->sku, '\t');
            put_text(b, sv->name, '\t');
            put_text(b, sv->options, '\t');
            put_long(b, sv->price, '\t');
            put_amount_or_null(b, sv->compare_at, '\t');
            put_long(b, sv->stock, '\t');
            put_long(b, v, '\n');
        }
        break;
    case COPY_IMAGES:
        for (int i = 0; i < p->nimages; i++) {
            put_long(b, n, '\t');
            put_text(b, p->image_url[i], '\t');
            put_text(b, p->image_alt[i], '\t');
            put_long(b, i, '\n');
        }
        break;
    case COPY_CATEGORIES:
        for (int i = 0; i < p->ncategories; i++) {
            put_long(b, n, '\t');
            put_text(b, p->categories[i], '\n');
        }
        break;
    }
}

/* Escapes what COPY text format treats specially, so any string survives. */
static void put_text(copy_buf *b, const char *s, char sep)
{
    const char *run_start = s;
    for (; *s; s++) {
        const char *esc = *s == '\\'   ? "\\\\"
                          : *s == '\t' ? "\\t"
                          : *s == '\n' ? "\\n"
                          : *s == '\r' ? "\\r"
                                       : NULL;
        if (esc) {
            put_raw(b, run_start, (size_t)(s - run_start));
            put_raw(b, esc, 2);
            run_start = s + 1;
        }
    }
    put_raw(b, run_start, (size_t)(s - run_start));
    put_raw(b, &sep, 1);
}

static void put_long(copy_buf *b, long v, char sep)
{
    char tmp[24];
    int k = snprintf(tmp, sizeof tmp, "%ld%c", v, sep);
    put_raw(b, tmp, (size_t)k);
}

/* Money columns where 0 means "none" in seed_product. */
static void put_amount_or_null(copy_buf *b, long v, char sep)
{
    if (v) {
        put_long(b, v, sep);
    } else {
        put_raw(b, "\\N", 2);
        put_raw(b, &sep, 1);
    }
}

static void put_raw(copy_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : COPY_FLUSH_BYTES * 2;
        while (cap < b->len + n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static bool run(db_conn *c, const char *sql, const char *what)
{
    return run_count(c, sql, what) >= 0;
}

/* Runs a fixed statement (no parameters, no values spliced in) and returns the number
 * of rows it affected, or -1 after printing the error. */
static long run_count(db_conn *c, const char *sql, const char *what)
{
    PGconn *pg = db_conn_pg(c);
    PGresult *r = PQexec(pg, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        fprintf(stderr, "seed: %s: %s", what, PQresultErrorMessage(r));
        PQclear(r);
        return -1;
    }
    long n = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}
