/*
 * catalog.h — catalog service: the category tree, brands, product search and product
 * detail, as plain C structs in the request arena. No HTTP here.
 */
#ifndef STOREFRONT_CATALOG_H
#define STOREFRONT_CATALOG_H

#include "storefront/db.h"
#include "storefront/db_catalog.h"
#include "storefront/db_gen.h"

typedef struct svc_category {
    int64_t id;
    const char *slug, *name, *description;
    int32_t position;
    struct svc_category *parent; /* NULL for roots */
    struct svc_category **children;
    size_t nchildren;
} svc_category;

typedef struct svc_category_tree {
    svc_category *all;
    size_t n;
    svc_category **roots; /* ordered by position, then name */
    size_t nroots;
} svc_category_tree;

/* Loads every category and links the tree. */
sf_status svc_categories_tree(db_pool *pool, arena *a, svc_category_tree *out, sf_error *e);
/* Loads the tree and finds one category; SF_NOT_FOUND when the slug is unknown. */
sf_status svc_category_get(db_pool *pool, arena *a, const char *slug, const svc_category **out,
                           sf_error *e);

/* All brands by name. */
sf_status svc_brands_list(db_pool *pool, arena *a, db_brand **items, size_t *n, sf_error *e);

typedef struct svc_product_query {
    const char *q, *category, *brand, *status; /* NULL = no filter */
    int featured, in_stock;                    /* -1 any */
    int64_t min_price, max_price;              /* -1 unbounded */
    int sort;                                  /* db_product_sort, -1 = default */
    int limit;                                 /* 1..100 */
    const char *cursor;                        /* NULL = first page */
    bool facets;
} svc_product_query;

typedef struct svc_product_page {
    db_product_row *items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
    bool has_facets;
    db_product_facets facets;
} svc_product_page;

/* Validates the query's domain rules (price range, relevance needs q, cursor belongs to
 * this query and sort, category/brand exist) and fetches one page. */
sf_status svc_products_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                            const svc_product_query *q, svc_product_page *out, sf_error *e);

typedef struct svc_product_detail {
    db_product_detail_row d;
    const char *image_url, *image_alt; /* first image, or NULL */
} svc_product_detail;

/* One active product by slug with its brand, images, variants (by position) and
 * categories; SF_NOT_FOUND for unknown or inactive products. */
sf_status svc_product_get(db_pool *pool, arena *a, const char *slug, svc_product_detail *out,
                          sf_error *e);

/* Search-box suggestions: at most `limit` (1..10) brands, categories and products for
 * the text q, brands and categories first. */
sf_status svc_search_suggestions(db_pool *pool, arena *a, const char *q, int limit,
                                 db_suggestion **items, size_t *n, sf_error *e);

/* Cursor codec (cursor.c): opaque, HMAC-signed, bound to the sort and the filters. */
/* The longest cursor the codec makes: a sort key of 800 bytes (a name of 200 four-byte
 * characters) with its header and MAC, base64url. Query readers allow this many. */
#define SVC_CURSOR_MAX_CHARS 1112
const char *svc_cursor_encode(arena *a, const unsigned char key[32], int sort, uint64_t filter_fp,
                              const char *sort_key, int64_t id);
/* false when malformed, tampered, or made for another sort or filter set. */
bool svc_cursor_decode(arena *a, const unsigned char key[32], const char *cursor, int sort,
                       uint64_t filter_fp, const char **sort_key, int64_t *id);

#endif
