/*
 * catalog.c — product search, facets and product categories (db_catalog.h).
 *
 * The search SQL is assembled from fixed fragments, one per filter that is present,
 * so each combination gets its own prepared statement and a plan that uses the right
 * index; a single catch-all statement ("$1 IS NULL OR ...") would be planned once,
 * generically, and scan. Values never enter the text: they are $n parameters.
 */
#include <stdio.h>
#include <string.h>

#include "storefront/db_catalog.h"

#define MAX_PARAMS 16

typedef struct sql_buf {
    char text[4096];
    size_t len;
    const char *params[MAX_PARAMS];
    int nparams;
} sql_buf;

static void add(sql_buf *b, const char *fragment);
static int param(sql_buf *b, const char *value);
static void add_where(sql_buf *b, arena *a, const db_product_filter *f);
static void add_keyset(sql_buf *b, arena *a, const db_product_filter *f);
static void add_order(sql_buf *b, db_product_sort sort);
static const char *sort_key_expr(db_product_sort sort);
static int column_count(const char *list);

static const char *const price_bands =
    "(VALUES (0::bigint, 2500::bigint), (2500, 5000), (5000, 10000), (10000, 25000),"
    " (25000, 50000), (50000, 100000), (100000, 200000), (200000, NULL))";

sf_status db_products_search(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_row **rows, size_t *n, sf_error *e)
{
    sql_buf b = {.len = 0};
    add(&b, "SELECT p.id, p.slug, p.name, p.status, p.currency, b.id, b.slug, b.name,"
            " p.price_amount, p.compare_at_amount, p.featured, p.in_stock, p.rating_count,"
            " p.rating_total, p.image_url, p.image_alt, ");
    add(&b, sort_key_expr(f->sort));
    add(&b, "::text FROM products p JOIN brands b ON b.id = p.brand_id");
    add_where(&b, a, f);
    add_keyset(&b, a, f);
    add_order(&b, f->sort);
    add(&b, arena_sprintf(a, " LIMIT $%d::integer", param(&b, db_param_int64(a, f->limit))));

    PGresult *r = db_exec_sql(c, b.text, b.nparams, b.params, e);
    if (!r)
        return e->status;
    int nr = PQntuples(r);
    db_product_row *out = arena_calloc(a, sizeof *out * (size_t)(nr ? nr : 1));
    for (int i = 0; i < nr; i++) {
        db_product_row *p = &out[i];
        p->id = db_int64(r, i, 0);
        p->slug = db_text(a, r, i, 1);
        p->name = db_text(a, r, i, 2);
        p->status = db_text(a, r, i, 3);
        p->currency = db_text(a, r, i, 4);
        p->brand_id = db_int64(r, i, 5);
        p->brand_slug = db_text(a, r, i, 6);
        p->brand_name = db_text(a, r, i, 7);
        p->price_amount = db_int64(r, i, 8);
        p->compare_at_is_null = PQgetisnull(r, i, 9);
        p->compare_at_amount = db_int64(r, i, 9);
        p->featured = db_bool(r, i, 10);
        p->in_stock = db_bool(r, i, 11);
        p->rating_count = db_int32(r, i, 12);
        p->rating_total = db_int32(r, i, 13);
        p->image_url = db_text(a, r, i, 14);
        p->image_alt = db_text(a, r, i, 15);
        p->sort_key = db_text(a, r, i, 16);
    }
    PQclear(r);
    *rows = out;
    *n = (size_t)nr;
    return SF_OK;
}

sf_status db_products_facets(db_conn *c, arena *a, const db_product_filter *f, db_facet **facets,
                             size_t *n, sf_error *e)
{
    sql_buf b = {.len = 0};
    add(&b, "WITH m AS (SELECT p.id, p.brand_id, p.price_amount, p.category_ids FROM products p");
    add_where(&b, a, f);
    /* A category's count includes its descendants (category_ids carries the
     * ancestors), so it equals what filtering by that category would return. */
    add(&b, ") SELECT 0, c.slug, c.name, count(*), NULL::bigint, NULL::bigint"
            " FROM m CROSS JOIN LATERAL unnest(m.category_ids) AS mc(id)"
            " JOIN categories c ON c.id = mc.id GROUP BY c.slug, c.name"
            " UNION ALL SELECT 1, b.slug, b.name, count(*), NULL, NULL FROM m"
            " JOIN brands b ON b.id = m.brand_id GROUP BY b.slug, b.name"
            " UNION ALL SELECT 2, NULL, NULL, count(m.id), band.lo, band.hi FROM ");
    add(&b, price_bands);
    /* Every band is listed, empty ones with 0, so a price slider has fixed steps. */
    add(&b, " AS band(lo, hi) LEFT JOIN m ON m.price_amount >= band.lo"
            " AND (band.hi IS NULL OR m.price_amount < band.hi) GROUP BY band.lo, band.hi"
            " ORDER BY 1, 5, 4 DESC, 2");
    PGresult *r = db_exec_sql(c, b.text, b.nparams, b.params, e);
    if (!r)
        return e->status;
    int nr = PQntuples(r);
    db_facet *out = arena_calloc(a, sizeof *out * (size_t)(nr ? nr : 1));
    for (int i = 0; i < nr; i++) {
        out[i].kind = (db_facet_kind)db_int32(r, i, 0);
        out[i].slug = db_text(a, r, i, 1);
        out[i].name = db_text(a, r, i, 2);
        out[i].count = db_int64(r, i, 3);
        out[i].min = db_int64(r, i, 4);
        out[i].max = PQgetisnull(r, i, 5) ? -1 : db_int64(r, i, 5);
    }
    PQclear(r);
    *facets = out;
    *n = (size_t)nr;
    return SF_OK;
}

static const db_stmt category_exists_stmt = {"catalog_category_exists",
                                             "SELECT 1 FROM categories WHERE slug = $1", 1};
static const db_stmt brand_exists_stmt = {"catalog_brand_exists",
                                          "SELECT 1 FROM brands WHERE slug = $1", 1};

static sf_status slug_exists(db_conn *c, const db_stmt *st, const char *slug, bool *exists,
                             sf_error *e)
{
    const char *params[] = {slug};
    PGresult *r = db_exec(c, st, params, e);
    if (!r)
        return e->status;
    *exists = PQntuples(r) > 0;
    PQclear(r);
    return SF_OK;
}

sf_status db_category_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e)
{
    return slug_exists(c, &category_exists_stmt, slug, exists, e);
}

sf_status db_brand_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e)
{
    return slug_exists(c, &brand_exists_stmt, slug, exists, e);
}

/* The generated column lists are unqualified, so each table is selected in its own
 * sub-select and the rows decoded with the generated decoders side by side. */
static const db_stmt product_with_brand_stmt = {
    "catalog_product_with_brand",
    "SELECT p.*, b.* FROM (SELECT " DB_PRODUCT_COLUMNS " FROM products WHERE slug = $1) p"
    " CROSS JOIN LATERAL (SELECT " DB_BRAND_COLUMNS " FROM brands WHERE brands.id = p.brand_id) b",
    1};

sf_status db_product_with_brand(db_conn *c, arena *a, const char *slug, db_product *product,
                                db_brand *brand, sf_error *e)
{
    const char *params[] = {slug};
    PGresult *r = db_exec(c, &product_with_brand_stmt, params, e);
    if (!r)
        return e->status;
    sf_status s = SF_OK;
    if (PQntuples(r) == 0) {
        s = sf_fail(e, SF_NOT_FOUND, "not-found", "product not found");
    } else {
        db_product_decode(a, r, 0, 0, product);
        /* The brand's columns follow the product's. */
        db_brand_decode(a, r, 0, column_count(DB_PRODUCT_COLUMNS), brand);
    }
    PQclear(r);
    return s;
}

static const db_stmt product_categories_stmt = {
    "catalog_product_categories",
    "SELECT c.id, c.slug, c.name FROM product_categories pc"
    " JOIN categories c ON c.id = pc.category_id WHERE pc.product_id = $1"
    " ORDER BY c.position, c.name, c.id",
    1};

sf_status db_product_category_refs(db_conn *c, arena *a, int64_t product_id, db_category_ref **refs,
                                   size_t *n, sf_error *e)
{
    const char *params[] = {db_param_int64(a, product_id)};
    PGresult *r = db_exec(c, &product_categories_stmt, params, e);
    if (!r)
        return e->status;
    int nr = PQntuples(r);
    db_category_ref *out = arena_calloc(a, sizeof *out * (size_t)(nr ? nr : 1));
    for (int i = 0; i < nr; i++) {
        out[i].id = db_int64(r, i, 0);
        out[i].slug = db_text(a, r, i, 1);
        out[i].name = db_text(a, r, i, 2);
    }
    PQclear(r);
    *refs = out;
    *n = (size_t)nr;
    return SF_OK;
}

/* --- SQL assembly ----------------------------------------------------------------- */

static void add(sql_buf *b, const char *fragment)
{
    size_t n = strlen(fragment);
    /* Fragments are ours and bounded; 4 KiB holds the largest combination with room. */
    if (b->len + n >= sizeof b->text)
        n = sizeof b->text - b->len - 1;
    memcpy(b->text + b->len, fragment, n);
    b->len += n;
    b->text[b->len] = '\0';
}

static int param(sql_buf *b, const char *value)
{
    b->params[b->nparams++] = value;
    return b->nparams;
}

static void add_where(sql_buf *b, arena *a, const db_product_filter *f)
{
    if (f->q)
        add(b, arena_sprintf(a, " CROSS JOIN websearch_to_tsquery('english', $%d) tsq",
                             param(b, f->q)));
    add(b, " WHERE p.active");
    if (f->q)
        add(b, " AND p.search @@ tsq");
    /* category_ids holds every category of the product with all their ancestors
     * (kept by triggers, GIN-indexed), so "this category and its descendants" is one
     * containment test. An unknown slug gives ARRAY[NULL], which matches nothing. */
    if (f->category)
        add(b, arena_sprintf(a,
                             " AND p.category_ids @> ARRAY[(SELECT id FROM categories"
                             " WHERE slug = $%d)]",
                             param(b, f->category)));
    if (f->brand)
        add(b, arena_sprintf(a, " AND p.brand_id = (SELECT id FROM brands WHERE slug = $%d)",
                             param(b, f->brand)));
    if (f->status)
        add(b, arena_sprintf(a, " AND p.status = $%d::product_status", param(b, f->status)));
    if (f->featured >= 0)
        add(b, arena_sprintf(a, " AND p.featured = $%d::boolean",
                             param(b, db_param_bool(f->featured))));
    if (f->in_stock >= 0)
        add(b, arena_sprintf(a, " AND p.in_stock = $%d::boolean",
                             param(b, db_param_bool(f->in_stock))));
    if (f->min_price >= 0)
        add(b, arena_sprintf(a, " AND p.price_amount >= $%d::bigint",
                             param(b, db_param_int64(a, f->min_price))));
    if (f->max_price >= 0)
        add(b, arena_sprintf(a, " AND p.price_amount <= $%d::bigint",
                             param(b, db_param_int64(a, f->max_price))));
}

static void add_keyset(sql_buf *b, arena *a, const db_product_filter *f)
{
    if (!f->has_after)
        return;
    static const char *const cmp[] = {
        [DB_SORT_RELEVANCE] = " AND (ts_rank(p.search, tsq), p.id) < ($%d::real, $%d::bigint)",
        [DB_SORT_PRICE] = " AND (p.price_amount, p.id) > ($%d::bigint, $%d::bigint)",
        [DB_SORT_PRICE_DESC] = " AND (p.price_amount, p.id) < ($%d::bigint, $%d::bigint)",
        [DB_SORT_NEWEST] = " AND (p.created_at, p.id) < ($%d::timestamptz, $%d::bigint)",
        [DB_SORT_NAME] = " AND (p.name, p.id) > ($%d::text, $%d::bigint)",
    };
    int k = param(b, f->after_key);
    int id = param(b, db_param_int64(a, f->after_id));
    add(b, arena_sprintf(a, cmp[f->sort], k, id));
}

static void add_order(sql_buf *b, db_product_sort sort)
{
    static const char *const order[] = {
        [DB_SORT_RELEVANCE] = " ORDER BY ts_rank(p.search, tsq) DESC, p.id DESC",
        [DB_SORT_PRICE] = " ORDER BY p.price_amount, p.id",
        [DB_SORT_PRICE_DESC] = " ORDER BY p.price_amount DESC, p.id DESC",
        [DB_SORT_NEWEST] = " ORDER BY p.created_at DESC, p.id DESC",
        [DB_SORT_NAME] = " ORDER BY p.name, p.id",
    };
    add(b, order[sort]);
}

/* The sort column as selected, so the last row's value can go into the next cursor
 * exactly as PostgreSQL will compare it (real and timestamptz round-trip as text). */
static const char *sort_key_expr(db_product_sort sort)
{
    switch (sort) {
    case DB_SORT_RELEVANCE: return "ts_rank(p.search, tsq)";
    case DB_SORT_PRICE:
    case DB_SORT_PRICE_DESC: return "p.price_amount";
    case DB_SORT_NEWEST: return "p.created_at";
    case DB_SORT_NAME: return "p.name";
    }
    return "p.id";
}

/* Columns in a generated "a, b, c" select list. */
static int column_count(const char *list)
{
    int n = 1;
    for (; *list; list++)
        n += *list == ',';
    return n;
}
