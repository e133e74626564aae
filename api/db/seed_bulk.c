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
 *
 * The statements are named queries (schema/queries/seed.sql, "the bulk loader"); only
 * the COPY commands stay here as text: a COPY … FROM STDIN puts the connection in copy
 * mode, which a generated query (one result, then done) cannot drive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_catalog.h"
#include "storefront/db.h"
#include "storefront/queries_gen.h"

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
static bool ok_or_report(db_conn *c, sf_status s, const char *what);

/* The load's settings and staging tables, in this order (seed.sql says why). */
static sf_status (*const setup[])(db_conn *, sf_error *) = {
    q_seed_bulk_utf8,           q_seed_bulk_work_mem,     q_seed_bulk_temp_buffers,
    q_seed_bulk_tmp_products,   q_seed_bulk_tmp_variants, q_seed_bulk_tmp_images,
    q_seed_bulk_tmp_categories, q_seed_bulk_tmp_ids,      q_seed_bulk_tmp_closure,
};
static sf_status (*const copy_start[])(db_conn *, sf_error *) = {
    [COPY_PRODUCTS] = q_seed_bulk_copy_products,
    [COPY_VARIANTS] = q_seed_bulk_copy_variants,
    [COPY_IMAGES] = q_seed_bulk_copy_images,
    [COPY_CATEGORIES] = q_seed_bulk_copy_categories,
};

bool seed_bulk_synthetic(db_conn *c, long count, long *added)
{
    *added = 0;
    sf_error e;
    sf_error_clear(&e);
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
        if (!ok_or_report(c, setup[i](c, &e), "cannot prepare the bulk load"))
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

/* Loads products first..last that do not exist yet; *added gets their number. The
 * statements' why-comments are in seed.sql. */
static bool load_chunk(db_conn *c, long first, long last, long *added)
{
    *added = 0;
    sf_error e;
    sf_error_clear(&e);
    if (!ok_or_report(c, q_seed_bulk_truncate(c, &e), "cannot empty temp tables"))
        return false;
    for (copy_table t = COPY_PRODUCTS; t <= COPY_CATEGORIES; t++)
        if (!copy_table_rows(c, t, first, last))
            return false;
    if (!ok_or_report(c, q_seed_bulk_analyze_staged(c, &e), "cannot analyze temp tables") ||
        !ok_or_report(c, q_seed_bulk_skip_existing(c, &e), "cannot skip existing products"))
        return false;
    long n = 0;
    if (!ok_or_report(c, q_seed_bulk_products(c, &n, &e), "cannot insert products"))
        return false;
    *added = n;
    if (n == 0)
        return true;
    return ok_or_report(c, q_seed_bulk_map_ids(c, &e), "cannot map product ids") &&
           ok_or_report(c, q_seed_bulk_analyze_ids(c, &e), "cannot analyze temp tables") &&
           ok_or_report(c, q_seed_bulk_variants(c, &e), "cannot insert variants") &&
           ok_or_report(c, q_seed_bulk_images(c, &e), "cannot insert images") &&
           ok_or_report(c, q_seed_bulk_categories(c, &e), "cannot categorise products");
}

static long chunk_existing(db_conn *c, long first, long last)
{
    sf_error e;
    sf_error_clear(&e);
    q_seed_bulk_existing_row row = {0};
    if (q_seed_bulk_existing(c, &(q_seed_bulk_existing_params){.first = first, .last = last}, &row,
                             &e) != SF_OK) {
        fprintf(stderr, "seed: cannot count existing products: %s", PQerrorMessage(db_conn_pg(c)));
        return -1;
    }
    return (long)row.n;
}

/* One COPY per table, regenerating the products each time: expanding a product costs
 * a few microseconds, less than holding every table's text in memory at once. */
static bool copy_table_rows(db_conn *c, copy_table t, long first, long last)
{
    PGconn *pg = db_conn_pg(c);
    PGresult *r;
    sf_error e;
    sf_error_clear(&e);
    if (!ok_or_report(c, copy_start[t](c, &e), "cannot start COPY"))
        return false;
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

/* True on SF_OK; otherwise prints what failed and PostgreSQL's message. */
static bool ok_or_report(db_conn *c, sf_status s, const char *what)
{
    if (s == SF_OK)
        return true;
    fprintf(stderr, "seed: %s: %s", what, PQerrorMessage(db_conn_pg(c)));
    return false;
}
