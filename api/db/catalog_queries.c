/*
 * catalog_queries.c — product listing, search, facets, suggestions and product detail
 * (db_catalog.h).
 *
 * Cost follows the page, not the catalog (migration 0011): a list walks one btree of
 * product_listing — (list key, sort column, id), the key being 0 for the whole catalog or
 * a category id — in the requested order and stops after limit + 1 rows; a relevance
 * search ranks a bounded candidate set (100 per tier); facets of a plain category page
 * are read from maintained counters, and any other facet request counts at most
 * FACET_SAMPLE matches and says so.
 *
 * The list, search and facets are assembled from the :fragment constants of
 * schema/queries/catalog.sql (sql_frag, sqlbuf.h), one per filter that is present, so
 * each combination gets its own prepared statement and a plan that uses the right index;
 * a single catch-all statement ("$1 IS NULL OR ...") would be planned once, generically,
 * and scan. Values never enter the text: they are $n parameters. Rows are decoded by the
 * generated product_row / facet_row shape decoders. The fixed statements (suggestions,
 * slug checks, detail) are named queries of the same file.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "storefront/db_catalog.h"
#include "storefront/queries_gen.h"

#include "sqlbuf.h"

/* Facets over more matches than this are counted over the first FACET_SAMPLE + 1. */
#define FACET_SAMPLE 1000

static void add_listing_where(sql_buf *b, arena *a, const db_product_filter *f);
static void add_product_filters(sql_buf *b, arena *a, const db_product_filter *f);
static void add_column_filters(sql_buf *b, arena *a, const db_product_filter *f, const char *t,
                               const char *price);
static void add_keyset(sql_buf *b, arena *a, const db_product_filter *f, const char *key_expr,
                       const char *id_expr);
static const char *listing_sort_column(db_product_sort sort);
static bool sort_descending(db_product_sort sort);
static sf_status decode_rows(PGresult *r, arena *a, db_product_row **rows, size_t *n, sf_error *e);
static sf_status decode_facets(PGresult *r, arena *a, db_product_facets *out, sf_error *e);

/* Name, value pairs for sql_frag (NULL-terminated). */
#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

sf_status db_products_search(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_row **rows, size_t *n, sf_error *e)
{
    sql_buf b = {.len = 0};
    const char *limit = arena_sprintf(a, "%d", f->limit);
    if (f->q && f->sort == DB_SORT_RELEVANCE) {
        /* Candidates per tier, each tier's filters after it, then the ranked page
         * (schema/queries/catalog.sql, search_*). */
        sql_frag(&b, q_frag_search_named_tier, NULL, KV("q", f->q));
        add_product_filters(&b, a, f);
        sql_frag(&b, q_frag_search_other_tiers, NULL, NULL);
        add_product_filters(&b, a, f);
        sql_frag(&b, q_frag_search_ranked, NULL, NULL);
        add_product_filters(&b, a, f);
        sql_frag(&b, q_frag_search_select, NULL, NULL);
        sql_frag(&b, q_frag_product_row_columns, NULL, NULL);
        sql_frag(&b, q_frag_search_from, NULL, NULL);
        add_keyset(&b, a, f, "r.score", "p.id");
        sql_frag(&b, q_frag_search_order, KV("limit", limit), NULL);
    } else {
        /* Walk the listing index in order; only the page's rows are joined to products. */
        const char *col = listing_sort_column(f->sort);
        const char *dir = sort_descending(f->sort) ? " DESC" : "";
        sql_frag(&b, q_frag_frag_select, NULL, NULL);
        sql_frag(&b, q_frag_product_row_columns, NULL, NULL);
        sql_frag(&b, q_frag_list_walk, KV("col", col), NULL);
        if (f->q)
            sql_frag(&b, q_frag_list_q, NULL, KV("q", f->q));
        add_listing_where(&b, a, f);
        add_keyset(&b, a, f, arena_sprintf(a, "l.%s", col), "l.product_id");
        sql_frag(&b, q_frag_list_page, KV("col", col, "dir", dir, "limit", limit), NULL);
    }
    PGresult *r = sql_buf_exec(c, &b, e);
    if (!r)
        return e->status;
    return decode_rows(r, a, rows, n, e);
}

sf_status db_products_facets(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_facets *out, sf_error *e)
{
    sql_buf b = {.len = 0};
    bool plain = !f->q && !f->brand && !f->status && f->featured < 0 && f->in_stock < 0 &&
                 f->min_price < 0 && f->max_price < 0;
    const char *sample = arena_sprintf(a, "%d", FACET_SAMPLE + 1);
    if (plain) {
        /* A category page (or the whole catalog) unfiltered: the counters are exact. */
        if (f->category)
            sql_frag(&b, q_frag_facets_exact_category, NULL, KV("category", f->category));
        else
            sql_frag(&b, q_frag_facets_exact_all, NULL, NULL);
        sql_frag(&b, q_frag_facets_exact, NULL, NULL);
    } else if (f->q) {
        sql_frag(&b, q_frag_facets_sample_q_walk, NULL, KV("q", f->q));
        add_product_filters(&b, a, f);
        sql_frag(&b, q_frag_facets_sample_q_rest, KV("sample", sample), KV("q", f->q));
        add_product_filters(&b, a, f);
        sql_frag(&b, q_frag_facets_sample_q_end, KV("sample", sample), NULL);
        sql_frag(&b, q_frag_facets_count, NULL, NULL);
    } else {
        sql_frag(&b, q_frag_facets_sample, NULL, NULL);
        add_product_filters(&b, a, f);
        sql_frag(&b, q_frag_facets_sample_end, KV("sample", sample), NULL);
        sql_frag(&b, q_frag_facets_count, NULL, NULL);
    }
    PGresult *r = sql_buf_exec(c, &b, e);
    if (!r)
        return e->status;
    return decode_facets(r, a, out, e);
}

sf_status db_search_suggestions(db_conn *c, arena *a, const char *q, int limit,
                                db_suggestion **items, size_t *n, sf_error *e)
{
    q_catalog_suggestions_row *v = NULL;
    size_t rows = 0;
    sf_status s = q_catalog_suggestions(
        c, a, &(q_catalog_suggestions_params){.q = q, .max_products = limit}, &v, &rows, e);
    if (s != SF_OK)
        return s;
    db_suggestion *out = arena_calloc(a, sizeof *out * (rows ? rows : 1));
    for (size_t i = 0; i < rows; i++)
        out[i] = (db_suggestion){.kind = (db_suggestion_kind)v[i].kind,
                                 .slug = v[i].slug,
                                 .name = v[i].name,
                                 .brand_name = v[i].brand_name};
    *items = out;
    *n = rows;
    return SF_OK;
}

/* SF_NOT_FOUND from a check is an answer (false), not an error. */
static sf_status exists_answer(sf_status s, bool *exists, sf_error *e)
{
    *exists = s == SF_OK;
    if (s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    return SF_OK;
}

sf_status db_category_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e)
{
    q_category_slug_exists_row row;
    return exists_answer(
        q_category_slug_exists(c, &(q_category_slug_exists_params){.slug = slug}, &row, e), exists,
        e);
}

sf_status db_brand_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e)
{
    q_brand_slug_exists_row row;
    return exists_answer(
        q_brand_slug_exists(c, &(q_brand_slug_exists_params){.slug = slug}, &row, e), exists, e);
}

static const char *json_text(arena *a, json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? arena_strdup(a, s) : NULL;
}

static json_t *json_array_text(const char *text, size_t *n)
{
    json_t *arr = json_loads(text, 0, NULL);
    *n = json_is_array(arr) ? json_array_size(arr) : 0;
    return arr;
}

sf_status db_product_detail(db_conn *c, arena *a, const char *slug, db_product_detail_row *out,
                            sf_error *e)
{
    memset(out, 0, sizeof *out);
    q_product_detail_row row = {0};
    sf_status s = q_product_detail(c, a, &(q_product_detail_params){.slug = slug}, &row, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "product not found");
    }
    if (s != SF_OK)
        return s;
    out->product = row.product;
    out->brand = row.brand;
    size_t n;
    json_t *images = json_array_text(row.images, &n);
    out->images = arena_calloc(a, sizeof *out->images * (n + 1));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(images, i);
        out->images[i].id = json_integer_value(json_object_get(o, "id"));
        out->images[i].url = (char *)json_text(a, o, "url");
        out->images[i].alt = (char *)json_text(a, o, "alt");
    }
    out->nimages = n;
    json_t *variants = json_array_text(row.variants, &n);
    out->variants = arena_calloc(a, sizeof *out->variants * (n + 1));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(variants, i);
        db_product_variant *v = &out->variants[i];
        v->id = json_integer_value(json_object_get(o, "id"));
        v->product_id = out->product.id;
        v->sku = (char *)json_text(a, o, "sku");
        v->name = (char *)json_text(a, o, "name");
        v->options = (char *)json_text(a, o, "options");
        v->price_amount = json_integer_value(json_object_get(o, "price"));
        v->compare_at_amount_is_null = json_is_null(json_object_get(o, "compare_at"));
        v->compare_at_amount = json_integer_value(json_object_get(o, "compare_at"));
        v->currency = (char *)json_text(a, o, "currency");
        v->stock = (int32_t)json_integer_value(json_object_get(o, "stock"));
        v->active = true;
    }
    out->nvariants = n;
    json_t *cats = json_array_text(row.categories, &n);
    out->categories = arena_calloc(a, sizeof *out->categories * (n + 1));
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(cats, i);
        out->categories[i].id = json_integer_value(json_object_get(o, "id"));
        out->categories[i].slug = json_text(a, o, "slug");
        out->categories[i].name = json_text(a, o, "name");
    }
    out->ncategories = n;
    json_decref(images);
    json_decref(variants);
    json_decref(cats);
    return SF_OK;
}

/* --- SQL assembly ----------------------------------------------------------------- */

/* Filters on a product_listing row `l`: the list key, then the column filters; outside
 * the price sorts the price range is the opaque CASE (filter_price_opaque_*). */
static void add_listing_where(sql_buf *b, arena *a, const db_product_filter *f)
{
    if (f->category)
        sql_frag(b, q_frag_list_key_category, NULL, KV("category", f->category));
    else
        sql_frag(b, q_frag_list_key_all, NULL, NULL);
    bool price_sort = f->sort == DB_SORT_PRICE || f->sort == DB_SORT_PRICE_DESC;
    add_column_filters(b, a, f, "l", price_sort ? "l.price_amount" : NULL);
    if (!price_sort && (f->min_price >= 0 || f->max_price >= 0)) {
        sql_frag(b, q_frag_filter_price_opaque_open, NULL, NULL);
        add_column_filters(b, a,
                           &(db_product_filter){.featured = -1,
                                                .in_stock = -1,
                                                .min_price = f->min_price,
                                                .max_price = f->max_price},
                           "l", "l.price_amount");
        sql_frag(b, q_frag_filter_price_opaque_close, NULL, NULL);
    }
}

/* The same filters on a products row `p` (search candidates, sampled facets). */
static void add_product_filters(sql_buf *b, arena *a, const db_product_filter *f)
{
    sql_frag(b, q_frag_product_filter_active, NULL, NULL);
    if (f->category)
        sql_frag(b, q_frag_product_filter_category, NULL, KV("category", f->category));
    add_column_filters(b, a, f, "p", "p.price_amount");
}

/* brand, status, featured, in_stock and the price range on the row aliased `t`; `price`
 * is the price expression (NULL: the caller writes the price range itself). */
static void add_column_filters(sql_buf *b, arena *a, const db_product_filter *f, const char *t,
                               const char *price)
{
    if (f->brand)
        sql_frag(b, q_frag_filter_brand, KV("t", t), KV("brand", f->brand));
    if (f->status)
        sql_frag(b, q_frag_filter_status, KV("t", t), KV("status", f->status));
    if (f->featured >= 0)
        sql_frag(b, q_frag_filter_featured, KV("t", t), KV("featured", db_param_bool(f->featured)));
    if (f->in_stock >= 0)
        sql_frag(b, q_frag_filter_in_stock, KV("t", t), KV("in_stock", db_param_bool(f->in_stock)));
    if (price && f->min_price >= 0)
        sql_frag(b, q_frag_filter_min_price, KV("price", price),
                 KV("min_price", db_param_int64(a, f->min_price)));
    if (price && f->max_price >= 0)
        sql_frag(b, q_frag_filter_max_price, KV("price", price),
                 KV("max_price", db_param_int64(a, f->max_price)));
}

/* Rows strictly after the cursor's (sort key, id) in the page order. */
static void add_keyset(sql_buf *b, arena *a, const db_product_filter *f, const char *key_expr,
                       const char *id_expr)
{
    if (!f->has_after)
        return;
    static const char *const type[] = {
        [DB_SORT_RELEVANCE] = "real",    [DB_SORT_PRICE] = "bigint",
        [DB_SORT_PRICE_DESC] = "bigint", [DB_SORT_NEWEST] = "timestamptz",
        [DB_SORT_NAME] = "text",
    };
    sql_frag(b, q_frag_filter_keyset,
             KV("key", key_expr, "id", id_expr, "cmp", sort_descending(f->sort) ? "<" : ">", "type",
                type[f->sort]),
             KV("after_key", f->after_key, "after_id", db_param_int64(a, f->after_id)));
}
static const char *listing_sort_column(db_product_sort sort)
{
    switch (sort) {
    case DB_SORT_PRICE:
    case DB_SORT_PRICE_DESC: return "price_amount";
    case DB_SORT_NAME: return "name";
    case DB_SORT_RELEVANCE: /* only with q; without it the service refuses the sort */
    case DB_SORT_NEWEST: break;
    }
    return "created_at";
}

static bool sort_descending(db_product_sort sort)
{
    return sort == DB_SORT_RELEVANCE || sort == DB_SORT_NEWEST || sort == DB_SORT_PRICE_DESC;
}

/* Takes r (cleared here): rows of the product_row shape. */
static sf_status decode_rows(PGresult *r, arena *a, db_product_row **rows, size_t *n, sf_error *e)
{
    int nr = PQntuples(r);
    db_product_row *out = arena_calloc(a, sizeof *out * (size_t)(nr ? nr : 1));
    for (int i = 0; i < nr; i++) {
        q_product_row_row v;
        if (!q_product_row_decode(a, r, i, &v, e)) {
            PQclear(r);
            return e->status;
        }
        out[i] = (db_product_row){.id = v.id,
                                  .slug = v.slug,
                                  .name = v.name,
                                  .status = v.status,
                                  .currency = v.currency,
                                  .brand_id = v.brand_id,
                                  .brand_slug = v.brand_slug,
                                  .brand_name = v.brand_name,
                                  .price_amount = v.price_amount,
                                  .compare_at_amount = v.compare_at_amount,
                                  .compare_at_is_null = v.compare_at_amount_is_null,
                                  .featured = v.featured,
                                  .in_stock = v.in_stock,
                                  .rating_count = v.rating_count,
                                  .rating_total = v.rating_total,
                                  .image_url = v.image_url,
                                  .image_alt = v.image_alt,
                                  .sort_key = v.sort_key};
    }
    PQclear(r);
    *rows = out;
    *n = (size_t)nr;
    return SF_OK;
}

/* Takes r (cleared here): rows of the facet_row shape. Rows of kind 0..2 are counts; one
 * row of kind 3 carries how many matches were counted (-1: exact counters). */
static sf_status decode_facets(PGresult *r, arena *a, db_product_facets *out, sf_error *e)
{
    int nr = PQntuples(r);
    memset(out, 0, sizeof *out);
    out->items = arena_calloc(a, sizeof *out->items * (size_t)(nr ? nr : 1));
    out->exact = true;
    for (int i = 0; i < nr; i++) {
        q_facet_row_row v;
        if (!q_facet_row_decode(a, r, i, &v, e)) {
            PQclear(r);
            return e->status;
        }
        if (v.kind == 3) {
            out->exact = v.count <= FACET_SAMPLE;
            out->counted = v.count;
            continue;
        }
        out->items[out->n++] = (db_facet){.kind = (db_facet_kind)v.kind,
                                          .slug = v.slug,
                                          .name = v.name,
                                          .count = v.count,
                                          .min = v.lo_is_null ? 0 : v.lo,
                                          .max = v.hi_is_null ? -1 : v.hi};
    }
    PQclear(r);
    return SF_OK;
}
