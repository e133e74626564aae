/*
 * catalog.c — catalog rules: the category tree, product search paging and product
 * detail assembly. Reads go through the generated data layer where they are plain
 * CRUD and through db_catalog.h where they are searches.
 */
#include <stdlib.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/text.h"

#define LIST_PAGE 500

static sf_status load_categories(db_conn *c, arena *a, svc_category_tree *out, sf_error *e);
static int category_cmp(const void *x, const void *y);
static uint64_t filter_fingerprint(const svc_product_query *q);
static sf_status check_unknown_filters(db_conn *c, const svc_product_query *q, sf_error *e);

sf_status svc_categories_tree(db_pool *pool, arena *a, svc_category_tree *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = load_categories(c, a, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_category_get(db_pool *pool, arena *a, const char *slug, const svc_category **out,
                           sf_error *e)
{
    /* The tree lives in the arena, like the nodes the caller gets pointers to. */
    svc_category_tree *tree = arena_alloc(a, sizeof *tree);
    if (svc_categories_tree(pool, a, tree, e) != SF_OK)
        return e->status;
    for (size_t i = 0; i < tree->n; i++) {
        if (strcmp(tree->all[i].slug, slug) == 0) {
            *out = &tree->all[i];
            return SF_OK;
        }
    }
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No category with slug \"%s\".", slug);
}

sf_status svc_brands_list(db_pool *pool, arena *a, db_brand **items, size_t *n, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    /* Brands are few; page through the keyset list until a short page. */
    db_brand *all = NULL;
    size_t total = 0;
    for (;;) {
        db_brand *page;
        size_t got;
        const int64_t *after = total ? &all[total - 1].id : NULL;
        if (db_brand_list(c, a, after, LIST_PAGE, &page, &got, e) != SF_OK) {
            db_pool_release(pool, c);
            return e->status;
        }
        db_brand *merged = arena_alloc(a, sizeof *merged * (total + got + 1));
        if (total)
            memcpy(merged, all, sizeof *merged * total);
        memcpy(merged + total, page, sizeof *merged * got);
        all = merged;
        total += got;
        if (got < LIST_PAGE)
            break;
    }
    db_pool_release(pool, c);
    *items = all;
    *n = total;
    return SF_OK;
}

sf_status svc_products_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                            const svc_product_query *q, svc_product_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    int sort = q->sort >= 0 ? q->sort : (q->q ? DB_SORT_RELEVANCE : DB_SORT_NEWEST);
    if (sort == DB_SORT_RELEVANCE && !q->q)
        sf_field_fail(e, "sort", "relevance needs a search query (q)");
    if (q->min_price >= 0 && q->max_price >= 0 && q->min_price > q->max_price)
        sf_field_fail(e, "min_price", "must not be greater than max_price");
    db_product_filter f = {
        .q = q->q,
        .category = q->category,
        .brand = q->brand,
        .status = q->status,
        .featured = q->featured,
        .in_stock = q->in_stock,
        .min_price = q->min_price,
        .max_price = q->max_price,
        .sort = (db_product_sort)sort,
        .limit = q->limit + 1, /* one extra row tells us whether a next page exists */
    };
    uint64_t fp = filter_fingerprint(q);
    if (q->cursor) {
        f.has_after =
            svc_cursor_decode(a, cursor_key, q->cursor, sort, fp, &f.after_key, &f.after_id);
        if (!f.has_after)
            sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
    }
    if (e->status != SF_OK)
        return e->status;

    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_product_row *rows;
    size_t n;
    sf_status s = db_products_search(c, a, &f, &rows, &n, e);
    /* An empty page may mean an unknown category or brand: only then pay for the
     * existence check, so the common path stays one round trip. */
    if (s == SF_OK && n == 0 && (q->category || q->brand))
        s = check_unknown_filters(c, q, e);
    if (s == SF_OK && q->facets) {
        s = db_products_facets(c, a, &f, &out->facets, e);
        out->has_facets = true;
    }
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;

    if (n > (size_t)q->limit) {
        n = (size_t)q->limit;
        const db_product_row *last = &rows[n - 1];
        out->next_cursor = svc_cursor_encode(a, cursor_key, sort, fp,
                                             last->sort_key ? last->sort_key : "", last->id);
    }
    out->items = rows;
    out->n = n;
    return SF_OK;
}

sf_status svc_product_get(db_pool *pool, arena *a, const char *slug, svc_product_detail *out,
                          sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_product_detail(c, a, slug, &out->d, e);
    db_pool_release(pool, c);
    if (s != SF_OK) {
        if (s == SF_NOT_FOUND)
            sf_fail(e, SF_NOT_FOUND, "not-found", "No product with slug \"%s\".", slug);
        return s;
    }
    if (out->d.nimages) {
        out->image_url = out->d.images[0].url;
        out->image_alt = out->d.images[0].alt;
    }
    return SF_OK;
}

sf_status svc_search_suggestions(db_pool *pool, arena *a, const char *q, int limit,
                                 db_suggestion **items, size_t *n, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_suggestion *all;
    size_t got;
    sf_status s = db_search_suggestions(c, a, q, limit, &all, &got, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    /* Brands and categories come first (at most 3 each); products fill up to limit. */
    *items = all;
    *n = got < (size_t)limit ? got : (size_t)limit;
    return SF_OK;
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status load_categories(db_conn *c, arena *a, svc_category_tree *out, sf_error *e)
{
    db_category *rows = NULL;
    size_t total = 0;
    for (;;) {
        db_category *page;
        size_t got;
        const int64_t *after = total ? &rows[total - 1].id : NULL;
        if (db_category_list(c, a, after, LIST_PAGE, &page, &got, e) != SF_OK)
            return e->status;
        db_category *merged = arena_alloc(a, sizeof *merged * (total + got + 1));
        if (total)
            memcpy(merged, rows, sizeof *merged * total);
        memcpy(merged + total, page, sizeof *merged * got);
        rows = merged;
        total += got;
        if (got < LIST_PAGE)
            break;
    }
    svc_category *all = arena_calloc(a, sizeof *all * (total + 1));
    for (size_t i = 0; i < total; i++) {
        all[i].id = rows[i].id;
        all[i].slug = rows[i].slug;
        all[i].name = rows[i].name;
        all[i].description = rows[i].description;
        all[i].position = rows[i].position;
    }
    /* Link parents (ids are sorted, so a binary search finds each parent), then give
     * every node a children array sized by a counting pass. */
    size_t *nkids = arena_calloc(a, sizeof *nkids * (total + 1));
    size_t nroots = 0;
    for (size_t i = 0; i < total; i++) {
        if (rows[i].parent_id_is_null) {
            nroots++;
            continue;
        }
        size_t lo = 0, hi = total;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (all[mid].id < rows[i].parent_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < total && all[lo].id == rows[i].parent_id) {
            all[i].parent = &all[lo];
            nkids[lo]++;
        } else {
            nroots++;
        }
    }
    svc_category **roots = arena_alloc(a, sizeof *roots * (nroots + 1));
    for (size_t i = 0; i < total; i++)
        all[i].children = arena_alloc(a, sizeof *all[i].children * (nkids[i] + 1));
    size_t r = 0;
    for (size_t i = 0; i < total; i++) {
        if (all[i].parent)
            all[i].parent->children[all[i].parent->nchildren++] = &all[i];
        else
            roots[r++] = &all[i];
    }
    for (size_t i = 0; i < total; i++)
        qsort(all[i].children, all[i].nchildren, sizeof *all[i].children, category_cmp);
    qsort(roots, nroots, sizeof *roots, category_cmp);
    out->all = all;
    out->n = total;
    out->roots = roots;
    out->nroots = nroots;
    return SF_OK;
}

static int category_cmp(const void *x, const void *y)
{
    const svc_category *a = *(const svc_category *const *)x, *b = *(const svc_category *const *)y;
    if (a->position != b->position)
        return a->position < b->position ? -1 : 1;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->id < b->id ? -1 : a->id > b->id);
}

static uint64_t filter_fingerprint(const svc_product_query *q)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d\x1f%lld\x1f%lld",
                     q->q ? q->q : "", q->category ? q->category : "", q->brand ? q->brand : "",
                     q->status ? q->status : "", q->featured, q->in_stock, (long long)q->min_price,
                     (long long)q->max_price);
    return fnv1a64(buf, n < 0 ? 0 : ((size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1));
}

static sf_status check_unknown_filters(db_conn *c, const svc_product_query *q, sf_error *e)
{
    bool exists = true;
    if (q->category && db_category_slug_exists(c, q->category, &exists, e) != SF_OK)
        return e->status;
    if (!exists)
        sf_field_fail(e, "category", "no category with this slug");
    exists = true;
    if (q->brand && db_brand_slug_exists(c, q->brand, &exists, e) != SF_OK)
        return e->status;
    if (!exists)
        sf_field_fail(e, "brand", "no brand with this slug");
    return e->status;
}
