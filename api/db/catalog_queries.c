/*
 * catalog_queries.c — product listing, search, facets, suggestions and product detail
 * (db_catalog.h).
 *
 * Cost follows the page, not the catalog (migration 0011): a list walks one btree of
 * product_listing — (list key, sort column, id), the key being 0 for the whole catalog or
 * a category id — in the requested order and stops after limit + 1 rows; a relevance
 * search ranks a bounded candidate set (SEARCH_CANDIDATES per tier); facets of a plain
 * category page are read from maintained counters, and any other facet request counts at
 * most FACET_SAMPLE matches and says so.
 *
 * The SQL is assembled from fixed fragments, one per filter that is present, so each
 * combination gets its own prepared statement and a plan that uses the right index; a
 * single catch-all statement ("$1 IS NULL OR ...") would be planned once, generically,
 * and scan. Values never enter the text: they are $n parameters.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "storefront/db_catalog.h"
#include "storefront/queries_gen.h"

/* The most one statement binds: a relevance search with q, all seven filters and a
 * cursor binds the filters once per candidate tier and once more on the ranked rows:
 * 1 + 3 * 7 + 2 + 1 = 25. */
#define MAX_PARAMS 32
/* Matches taken per relevance tier (name+brand, anywhere) before ranking: the cost of a
 * search is bounded by this, whatever a common word matches. */
#define SEARCH_CANDIDATES "100"
/* Postings of the rarest query term read at most, looking for the name tier's
 * candidates (search_postings, 0013). A term in thousands of names whose other words
 * are rare beside it fills fewer; the full-document tier then fills the rest. */
#define SEARCH_WALK "2000"
/* Facets over more matches than this are counted over the first FACET_SAMPLE + 1. */
#define FACET_SAMPLE 1000

typedef struct sql_buf {
    char text[6144];
    size_t len;
    const char *params[MAX_PARAMS];
    int nparams;
    bool overflow; /* a parameter or fragment did not fit: the statement must not run */
} sql_buf;

static void add(sql_buf *b, const char *fragment);
static int param(sql_buf *b, const char *value);
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

static const char *const price_bands =
    "(VALUES (0::bigint, 2500::bigint), (2500, 5000), (5000, 10000), (10000, 25000),"
    " (25000, 50000), (50000, 100000), (100000, 200000), (200000, NULL))";

/* The columns of a listed product, as schema/queries/catalog.sql's product_row shape
 * names them (its generated decoder checks); the sort key, `sort_key`, comes last. */
#define ROW_COLUMNS                                                                                \
    "p.id, p.slug, p.name, p.status::text AS status, p.currency, b.id AS brand_id,"                \
    " b.slug AS brand_slug, b.name AS brand_name, p.price_amount, p.compare_at_amount,"            \
    " p.featured, p.in_stock, p.rating_count, p.rating_total, p.image_url, p.image_alt, "

sf_status db_products_search(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_row **rows, size_t *n, sf_error *e)
{
    sql_buf b = {.len = 0};
    if (f->q && f->sort == DB_SORT_RELEVANCE) {
        /* Three tiers of candidates, each bounded: an exact SKU; every word in the name or
         * brand, found by walking the postings of the query's rarest term (at most
         * SEARCH_WALK of them) and checking the whole query on each product's small
         * name_search vector; every word anywhere (the GIN index on the full document),
         * only when the name tier found fewer than SEARCH_CANDIDATES. Rank = tier + the
         * name and brand's ts_rank normalised into [0, 1), so a tier always outranks the
         * one below and a cursor holds one number. */
        int qp = param(&b, f->q);
        add(&b, arena_sprintf(a,
                              "WITH q AS MATERIALIZED (SELECT search_query($%d) AS tsq,"
                              " upper(btrim($%d)) AS sku),"
                              " named AS MATERIALIZED (SELECT p.id FROM q CROSS JOIN LATERAL"
                              " search_driver(q.tsq, " SEARCH_WALK ") d CROSS JOIN LATERAL"
                              " (SELECT s.product_id FROM search_postings s WHERE s.word >= d.lo"
                              " AND s.word < d.hi ORDER BY s.word DESC, s.product_id DESC LIMIT"
                              " " SEARCH_WALK ") s JOIN products p ON p.id = s.product_id"
                              " WHERE p.name_search @@ q.tsq",
                              qp, qp));
        add_product_filters(&b, a, f);
        add(&b, " LIMIT " SEARCH_CANDIDATES "),"
                " hit AS (SELECT id, max(tier) AS tier FROM ("
                "(SELECT v.product_id AS id, 2 AS tier FROM product_variants v, q"
                " WHERE upper(v.sku) = q.sku AND v.active)"
                " UNION ALL SELECT id, 1 FROM named"
                " UNION ALL (SELECT p.id, 0 FROM products p, q WHERE p.search @@ q.tsq"
                " AND (SELECT count(*) FROM named) < " SEARCH_CANDIDATES);
        add_product_filters(&b, a, f);
        add(&b, " LIMIT " SEARCH_CANDIDATES ")) u GROUP BY id),"
                " r AS (SELECT h.id, (h.tier + ts_rank(p.name_search, q.tsq, 32))::real AS score"
                " FROM hit h JOIN products p ON p.id = h.id, q WHERE true");
        /* The SKU tier has not been filtered yet. */
        add_product_filters(&b, a, f);
        add(&b, ") SELECT " ROW_COLUMNS
                "r.score::text AS sort_key FROM r JOIN products p ON p.id = r.id"
                " JOIN brands b ON b.id = p.brand_id WHERE true");
        add_keyset(&b, a, f, "r.score", "p.id");
        add(&b, " ORDER BY r.score DESC, p.id DESC");
    } else {
        /* Walk the listing index in order; only the page's rows are joined to products. */
        const char *col = listing_sort_column(f->sort);
        const char *dir = sort_descending(f->sort) ? " DESC" : "";
        add(&b, arena_sprintf(a,
                              "SELECT " ROW_COLUMNS
                              "l.%s::text AS sort_key FROM (SELECT l.product_id, l.%s"
                              " FROM product_listing l",
                              col, col));
        if (f->q) {
            /* A SKU typed into the box matches its product under every sort. The tsquery is
             * a sub-select so it is built once, not once per row the walk reads. */
            int qp = param(&b, f->q);
            add(&b, arena_sprintf(
                        a,
                        " JOIN products s ON s.id = l.product_id AND (s.search @@"
                        " (SELECT search_query($%d)) OR s.id = ANY (ARRAY(SELECT v.product_id FROM"
                        " product_variants v WHERE upper(v.sku) = upper(btrim($%d)) AND"
                        " v.active)))",
                        qp, qp));
        }
        add_listing_where(&b, a, f);
        add_keyset(&b, a, f, arena_sprintf(a, "l.%s", col), "l.product_id");
        add(&b, arena_sprintf(a, " ORDER BY l.%s%s, l.product_id%s", col, dir, dir));
        /* The limit is written into the text, not bound: with LIMIT $n the generic plan
         * is costed for 10 % of the rows, so PostgreSQL re-planned every execution at
         * 100k products (planning 1 ms, running 0.7 ms). Clients use a few page sizes. */
        add(&b, arena_sprintf(a, " LIMIT %d) l", f->limit));
        add(&b, arena_sprintf(a,
                              " JOIN products p ON p.id = l.product_id JOIN brands b ON b.id ="
                              " p.brand_id ORDER BY l.%s%s, l.product_id%s",
                              col, dir, dir));
    }
    if (f->q && f->sort == DB_SORT_RELEVANCE)
        add(&b, arena_sprintf(a, " LIMIT %d", f->limit));
    if (b.overflow)
        return sf_fail(e, SF_INTERNAL, NULL, "product search statement too large");
    PGresult *r = db_exec_sql(c, b.text, b.nparams, b.params, e);
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
    if (plain) {
        /* A category page (or the whole catalog) unfiltered: the counters are exact. */
        add(&b, "WITH k AS (SELECT ");
        add(&b, f->category ? arena_sprintf(a, "(SELECT id FROM categories WHERE slug = $%d)",
                                            param(&b, f->category))
                            : "0::bigint");
        add(&b, " AS key), m AS (SELECT fc.kind, fc.value, fc.n FROM listing_facet_counts fc, k"
                " WHERE fc.list_key = k.key AND fc.n > 0)"
                " SELECT 0 AS kind, c.slug, c.name::text AS name, m.n AS count, NULL::bigint AS lo,"
                " NULL::bigint AS hi FROM m"
                " JOIN categories c ON c.id = m.value WHERE m.kind = 0"
                " UNION ALL SELECT 1, b.slug, b.name, m.n, NULL, NULL FROM m"
                " JOIN brands b ON b.id = m.value WHERE m.kind = 1"
                " UNION ALL SELECT 2, NULL, NULL, coalesce(m.n, 0), band.lo, band.hi FROM ");
        add(&b, price_bands);
        add(&b, " AS band(lo, hi) LEFT JOIN m ON m.kind = 2 AND m.value = band.lo"
                " UNION ALL SELECT 3, NULL, NULL, -1, NULL, NULL ORDER BY 1, 5, 4 DESC, 2");
    } else {
        /* Any other filter: count the first FACET_SAMPLE + 1 matches; row kind 3 says how
         * many were counted, so the caller can tell exact from bounded. */
        if (f->q) {
            /* With q, the sample is taken as search's name tier takes candidates: walking
             * the postings of the query's rarest term (at most SEARCH_WALK) and keeping the
             * products whose name and brand match (the small name_search vector: checking
             * the whole document would detoast it per row). Only when that finds too few
             * does the GIN index on the whole document run (matches in descriptions alone,
             * an exact SKU): GIN hands over a term's whole posting list before any LIMIT,
             * 32k entries for a common word at 100k products, 214k (216 ms) at 1M. Every
             * sampled product is one the list shows, and a sample of at most FACET_SAMPLE
             * is all of them (the GIN branch then ran and found every match). */
            int qp = param(&b, f->q);
            add(&b,
                arena_sprintf(
                    a,
                    "WITH q AS MATERIALIZED (SELECT search_query($%d) AS tsq),"
                    " w AS MATERIALIZED (SELECT p.id, p.brand_id, p.price_amount,"
                    " p.category_ids FROM q CROSS JOIN LATERAL search_driver(q.tsq, " SEARCH_WALK
                    ") d CROSS JOIN LATERAL (SELECT s.product_id FROM"
                    " search_postings s WHERE s.word >= d.lo AND s.word < d.hi"
                    " ORDER BY s.word DESC, s.product_id DESC LIMIT " SEARCH_WALK
                    ") s JOIN products p ON p.id = s.product_id"
                    " WHERE p.name_search @@ q.tsq",
                    qp));
            add_product_filters(&b, a, f);
            add(&b, arena_sprintf(a,
                                  " LIMIT %d), m AS MATERIALIZED (SELECT * FROM w UNION"
                                  " (SELECT p.id, p.brand_id, p.price_amount, p.category_ids"
                                  " FROM products p, q WHERE (SELECT count(*) FROM w) < %d"
                                  " AND (p.search @@ q.tsq OR p.id = ANY (ARRAY(SELECT"
                                  " v.product_id FROM product_variants v WHERE upper(v.sku) ="
                                  " upper(btrim($%d)) AND v.active)))",
                                  FACET_SAMPLE + 1, FACET_SAMPLE + 1, qp));
            add_product_filters(&b, a, f);
            add(&b, arena_sprintf(a, " LIMIT %d) LIMIT %d)", FACET_SAMPLE + 1, FACET_SAMPLE + 1));
        } else {
            add(&b, "WITH m AS MATERIALIZED (SELECT p.id, p.brand_id, p.price_amount,"
                    " p.category_ids FROM products p WHERE true");
            add_product_filters(&b, a, f);
            add(&b, arena_sprintf(a, " LIMIT %d)", FACET_SAMPLE + 1));
        }
        /* A category's count includes its descendants (category_ids carries the
         * ancestors), so it equals what filtering by that category would return. */
        add(&b, " SELECT 0 AS kind, c.slug, c.name::text AS name, count(*) AS count, NULL::bigint "
                "AS lo,"
                " NULL::bigint AS hi"
                " FROM m CROSS JOIN LATERAL unnest(m.category_ids) AS mc(id)"
                " JOIN categories c ON c.id = mc.id GROUP BY c.slug, c.name"
                " UNION ALL SELECT 1, b.slug, b.name, count(*), NULL, NULL FROM m"
                " JOIN brands b ON b.id = m.brand_id GROUP BY b.slug, b.name"
                " UNION ALL SELECT 2, NULL, NULL, count(m.id), band.lo, band.hi FROM ");
        add(&b, price_bands);
        /* Every band is listed, empty ones with 0, so a price slider has fixed steps. */
        add(&b, " AS band(lo, hi) LEFT JOIN m ON m.price_amount >= band.lo"
                " AND (band.hi IS NULL OR m.price_amount < band.hi) GROUP BY band.lo, band.hi"
                " UNION ALL SELECT 3, NULL, NULL, count(*), NULL, NULL FROM m"
                " ORDER BY 1, 5, 4 DESC, 2");
    }
    if (b.overflow)
        return sf_fail(e, SF_INTERNAL, NULL, "product facets statement too large");
    PGresult *r = db_exec_sql(c, b.text, b.nparams, b.params, e);
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

static void add(sql_buf *b, const char *fragment)
{
    size_t n = strlen(fragment);
    /* Fragments are ours and bounded; 6 KiB holds the largest combination with room. A
     * cut statement could still parse with a filter missing, so it is refused. */
    if (b->len + n >= sizeof b->text) {
        b->overflow = true;
        n = sizeof b->text - b->len - 1;
    }
    memcpy(b->text + b->len, fragment, n);
    b->len += n;
    b->text[b->len] = '\0';
}

static int param(sql_buf *b, const char *value)
{
    /* Past the array it would overwrite the stack; the statement is refused instead. */
    if (b->nparams == MAX_PARAMS) {
        b->overflow = true;
        return MAX_PARAMS;
    }
    b->params[b->nparams++] = value;
    return b->nparams;
}

/* Filters on a product_listing row `l`. The key is 0 (the whole catalog: a literal, so
 * the planner can use the brand indexes, which are partial on it) or the category's id;
 * an unknown slug gives NULL, which matches nothing. */
static void add_listing_where(sql_buf *b, arena *a, const db_product_filter *f)
{
    if (f->category)
        add(b, arena_sprintf(a, " WHERE l.list_key = (SELECT id FROM categories WHERE slug = $%d)",
                             param(b, f->category)));
    else
        add(b, " WHERE l.list_key = 0");
    /* Outside the price sorts the page must walk the sort's index and check the price on
     * each row, so the range is written as one opaque CASE: no index can take it, and the
     * generic plan estimates it at half the rows. Written as two comparisons (even on
     * price_amount + 0, which only hid the index), the generic plan costs a range with
     * unknown bounds at 0.5 % of the rows, expects the walk to need thousands of rows per
     * page, and reads the brand's whole bitmap and sorts it instead: 6,920 rows for a
     * page of 20 at 100k products, 69,709 (387 ms) at 1M. */
    bool price_sort = f->sort == DB_SORT_PRICE || f->sort == DB_SORT_PRICE_DESC;
    add_column_filters(b, a, f, "l", price_sort ? "l.price_amount" : NULL);
    if (!price_sort && (f->min_price >= 0 || f->max_price >= 0)) {
        add(b, " AND CASE WHEN true");
        if (f->min_price >= 0)
            add(b, arena_sprintf(a, " AND l.price_amount >= $%d::bigint",
                                 param(b, db_param_int64(a, f->min_price))));
        if (f->max_price >= 0)
            add(b, arena_sprintf(a, " AND l.price_amount <= $%d::bigint",
                                 param(b, db_param_int64(a, f->max_price))));
        add(b, " THEN true END");
    }
}

/* The same filters on a products row `p` (search candidates, bounded facets).
 * category_ids holds every category of the product with all their ancestors (kept by
 * triggers, GIN-indexed), so "this category and its descendants" is one containment
 * test. */
static void add_product_filters(sql_buf *b, arena *a, const db_product_filter *f)
{
    add(b, " AND p.active");
    if (f->category)
        add(b, arena_sprintf(a,
                             " AND p.category_ids @> ARRAY[(SELECT id FROM categories"
                             " WHERE slug = $%d)]",
                             param(b, f->category)));
    add_column_filters(b, a, f, "p", "p.price_amount");
}

/* brand, status, featured, in_stock and the price range, on the columns that products
 * and product_listing share, of the row aliased `t`; `price` is the price expression
 * (NULL: the caller writes the price range itself). */
static void add_column_filters(sql_buf *b, arena *a, const db_product_filter *f, const char *t,
                               const char *price)
{
    if (f->brand)
        add(b, arena_sprintf(a, " AND %s.brand_id = (SELECT id FROM brands WHERE slug = $%d)", t,
                             param(b, f->brand)));
    if (f->status)
        add(b, arena_sprintf(a, " AND %s.status = $%d::product_status", t, param(b, f->status)));
    if (f->featured >= 0)
        add(b, arena_sprintf(a, " AND %s.featured = $%d::boolean", t,
                             param(b, db_param_bool(f->featured))));
    if (f->in_stock >= 0)
        add(b, arena_sprintf(a, " AND %s.in_stock = $%d::boolean", t,
                             param(b, db_param_bool(f->in_stock))));
    if (price && f->min_price >= 0)
        add(b, arena_sprintf(a, " AND %s >= $%d::bigint", price,
                             param(b, db_param_int64(a, f->min_price))));
    if (price && f->max_price >= 0)
        add(b, arena_sprintf(a, " AND %s <= $%d::bigint", price,
                             param(b, db_param_int64(a, f->max_price))));
}

/* Rows strictly after the cursor's (sort key, id) in the page order: a row comparison
 * that the btree (list key, sort column, id) resolves as an index bound. */
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
    int k = param(b, f->after_key);
    int id = param(b, db_param_int64(a, f->after_id));
    add(b, arena_sprintf(a, " AND (%s, %s) %s ($%d::%s, $%d::bigint)", key_expr, id_expr,
                         sort_descending(f->sort) ? "<" : ">", k, type[f->sort], id));
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
