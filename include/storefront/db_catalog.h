/*
 * db_catalog.h — the catalog queries that are more than plain CRUD: product search
 * with filters, keyset pagination and facets, and a product's categories. Plain
 * get/list queries come from the generated layer (storefront/db_gen.h).
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
    const char *q;                /* websearch syntax; NULL = no text filter */
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

/* Runs the search; rows in the arena. */
sf_status db_products_search(db_conn *c, arena *a, const db_product_filter *f,
                             db_product_row **rows, size_t *n, sf_error *e);
/* Counts per category, brand and price band over the filter (keyset ignored). */
sf_status db_products_facets(db_conn *c, arena *a, const db_product_filter *f, db_facet **facets,
                             size_t *n, sf_error *e);
/* Whether a category / brand slug exists (to tell "unknown" from "empty"). */
sf_status db_category_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e);
sf_status db_brand_slug_exists(db_conn *c, const char *slug, bool *exists, sf_error *e);

/* A product by slug together with its brand, in one round trip (product detail).
 * SF_NOT_FOUND when no product has the slug. */
sf_status db_product_with_brand(db_conn *c, arena *a, const char *slug, db_product *product,
                                db_brand *brand, sf_error *e);

typedef struct db_category_ref {
    int64_t id;
    const char *slug, *name;
} db_category_ref;
/* The categories a product is directly in, by position then name. */
sf_status db_product_category_refs(db_conn *c, arena *a, int64_t product_id, db_category_ref **refs,
                                   size_t *n, sf_error *e);

#endif
