/*
 * db_catalog.h — the catalog queries that are more than plain CRUD: product listing and
 * search with filters, keyset pagination and facets, search suggestions, and product
 * detail in one round trip. Plain get/list queries come from the generated layer
 * (storefront/db_gen.h).
 */
#ifndef STOREFRONT_DB_CATALOG_H
#define STOREFRONT_DB_CATALOG_H

#include "storefront/db.h"
#include "storefront/db_gen.h"

typedef enum db_product_sort {
    DB_SORT_RELEVANCE,
    DB_SORT_PRICE,
    DB_SORT_PRICE_DESC,
    DB_SORT_NEWEST,
    DB_SORT_NAME,
} db_product_sort;

typedef struct db_product_filter {
    const char *q;                /* search box text (search_query(), 0011); NULL = none */
    const char *category;         /* slug; matches the category and its descendants */
    const char *brand;            /* slug */
    const char *status;           /* product_status label */
    int featured;                 /* -1 any, 0, 1 */
    int in_stock;                 /* -1 any, 0, 1 */
    int64_t min_price, max_price; /* minor units, -1 = unbounded */
    db_product_sort sort;
    bool has_after;        /* keyset position: rows strictly after (after_key, after_id) */
    const char *after_key; /* the sort column's value as text */
    int64_t after_id;
    int limit;
} db_product_filter;

/* A product as listed: the product row joined with its brand and first image. */
typedef struct db_product_row {
    int64_t id;
    const char *slug, *name, *status, *currency;
    int64_t brand_id;
    const char *brand_slug, *brand_name;
    int64_t price_amount, compare_at_amount;
    bool compare_at_is_null, featured, in_stock;
    int32_t rating_count, rating_total;
    const char *image_url, *image_alt; /* NULL when the product has no image */
    const char *sort_key;              /* text of the sort column, for the next cursor */
} db_product_row;

typedef enum db_facet_kind { DB_FACET_CATEGORY, DB_FACET_BRAND, DB_FACET_PRICE } db_facet_kind;

typedef struct db_facet {
    db_facet_kind kind;
    const char *slug, *name; /* category / brand */
    int64_t min, max;        /* price band; max = -1 when open-ended */
    int64_t count;
} db_facet;

typedef struct db_product_facets {
    db_facet *items;
    size_t n;
    bool exact;      /* false: counted over the first `counted` matches only */
    int64_t counted; /* matches counted when sampled; -1 when read from the counters */
} db_product_facets;

/* One page (f->limit rows) in the filter's sort order; rows in the arena. A relevance
 * search ranks a bounded candidate set (catalog_queries.c). */
sf_status db_products_search(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_row **rows, size_t *n, sf_error *e);
/* Counts per category, brand and price band over the filter (keyset ignored): exact from
 * maintained counters for a category (or the whole catalog) with no other filter,
 * otherwise over a bounded number of matches (out->exact says which). */
sf_status db_products_facets(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_facets *out, sf_error *e);

typedef enum db_suggestion_kind {
    DB_SUGGEST_BRAND,
    DB_SUGGEST_CATEGORY,
    DB_SUGGEST_PRODUCT
} db_suggestion_kind;

typedef struct db_suggestion {
    db_suggestion_kind kind;
    const char *slug, *name;
    const char *brand_name; /* products only */
} db_suggestion;

/* Up to 3 brands, 3 categories and `limit` products matching the search-box text q (last
 * word a prefix, typos corrected), in that order; rows in the arena. */
sf_status db_search_suggestions(db_conn *c, arena *a, const char *q, int limit,
                                db_suggestion **items, size_t *n, sf_error *e);
/* Whether a category / brand slug exists (to tell "unknown" from "empty"). */
sf_status db_category_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e);
sf_status db_brand_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e);

typedef struct db_category_ref {
    int64_t id;
    const char *slug, *name;
} db_category_ref;

typedef struct db_product_detail_row {
    db_product product;
    db_brand brand;
    db_product_image *images; /* by position */
    size_t nimages;
    db_product_variant *variants; /* active ones, by position */
    size_t nvariants;
    db_category_ref *categories; /* direct ones, by position then name */
    size_t ncategories;
} db_product_detail_row;

/* An active product by slug with its brand, images, variants and categories, in one
 * round trip. SF_NOT_FOUND when no active product has the slug. */
sf_status db_product_detail(db_conn *c, arena *a, const char *slug, db_product_detail_row *out,
                            sf_error *e);

#endif
