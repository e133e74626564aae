/*
 * h_products.c — GET /v1/products (search, filters, keyset pages, facets),
 * GET /v1/products/{slug} (detail) and GET /v1/search/suggestions (the search box). The list is the
 * hottest endpoint of the shop, so it is written straight into the response buffer with the
 * streaming writer.
 */
#include <string.h>

#include "http/http.h"
#include "storefront/catalog.h"

#define LOW_STOCK 5

static const char *const sorts[] = {
    [DB_SORT_RELEVANCE] = "relevance", [DB_SORT_PRICE] = "price", [DB_SORT_PRICE_DESC] = "-price",
    [DB_SORT_NEWEST] = "newest",       [DB_SORT_NAME] = "name",   NULL};
static const char *const statuses[] = {"regular", "new", "hot", "sale", NULL};

static bool read_query(http_ctx *c, svc_product_query *q, sf_error *e);
static bool read_slug(http_ctx *c, const char *key, const char **out, sf_error *e);
static void write_money(jw *w, const char *key, int64_t amount, bool is_null, const char *cur);
static void write_summary_fields(jw *w, const db_product_row *p);
static void write_rating(jw *w, int32_t count, int32_t total);
static void write_facets(jw *w, const svc_product_page *page);
static void write_variant(jw *w, const db_product_variant *v);

void h_products_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_product_query q;
    svc_product_page page;
    if (!read_query(c, &q, &e) ||
        svc_products_list(c->app->pool, c->app->cfg.cursor_key, c->a, &q, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 1024 + page.n * 512);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < page.n; i++) {
        jw_obj_begin(&w);
        write_summary_fields(&w, &page.items[i]);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, page.next_cursor);
    if (page.has_facets)
        write_facets(&w, &page);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_products_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_path_slug_or_problem(c))
        return;
    svc_product_detail d;
    if (svc_product_get(c->app->pool, c->a, c->path_param, &d, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    const db_product *p = &d.d.product;
    const db_brand *brand = &d.d.brand;
    db_product_row row = {
        .id = p->id,
        .slug = p->slug,
        .name = p->name,
        .status = db_product_status_str(p->status),
        .currency = p->currency,
        .brand_id = brand->id,
        .brand_slug = brand->slug,
        .brand_name = brand->name,
        .price_amount = p->price_amount,
        .compare_at_amount = p->compare_at_amount,
        .compare_at_is_null = p->compare_at_amount_is_null,
        .featured = p->featured,
        .in_stock = p->in_stock,
        .rating_count = p->rating_count,
        .rating_total = p->rating_total,
        .image_url = d.image_url,
        .image_alt = d.image_alt,
    };
    jw w;
    jw_init(&w, 4096);
    jw_obj_begin(&w);
    write_summary_fields(&w, &row);
    jw_key(&w, "description");
    jw_str(&w, p->description);
    jw_key(&w, "categories");
    jw_arr_begin(&w);
    for (size_t i = 0; i < d.d.ncategories; i++) {
        const db_category_ref *cat = &d.d.categories[i];
        jw_obj_begin(&w);
        http_write_ref_fields(&w, cat->id, cat->slug, cat->name);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "images");
    jw_arr_begin(&w);
    for (size_t i = 0; i < d.d.nimages; i++) {
        jw_obj_begin(&w);
        jw_key(&w, "url");
        jw_str(&w, d.d.images[i].url);
        jw_key(&w, "alt");
        jw_str(&w, d.d.images[i].alt);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "variants");
    jw_arr_begin(&w);
    for (size_t i = 0; i < d.d.nvariants; i++)
        write_variant(&w, &d.d.variants[i]);
    jw_arr_end(&w);
    jw_key(&w, "created_at");
    jw_str(&w, p->created_at);
    jw_key(&w, "updated_at");
    jw_str(&w, p->updated_at);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_search_suggestions(http_ctx *c)
{
    static const char *const kinds[] = {[DB_SUGGEST_BRAND] = "brand",
                                        [DB_SUGGEST_CATEGORY] = "category",
                                        [DB_SUGGEST_PRODUCT] = "product"};
    sf_error e;
    sf_error_clear(&e);
    const char *q = NULL;
    int64_t limit;
    if (http_query_string(c, "q", 100, &q, &e) && !q)
        sf_field_fail(&e, "q", "is required");
    http_query_int(c, "limit", 10, 1, 10, &limit, &e);
    db_suggestion *items;
    size_t n;
    if (e.status != SF_OK ||
        svc_search_suggestions(c->app->pool, c->a, q, (int)limit, &items, &n, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256 + n * 128);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(&w);
        jw_key(&w, "type");
        jw_str(&w, kinds[items[i].kind]);
        jw_key(&w, "slug");
        jw_str(&w, items[i].slug);
        jw_key(&w, "name");
        jw_str(&w, items[i].name);
        jw_key(&w, "brand");
        jw_str(&w, items[i].brand_name); /* NULL (brands, categories) is written as null */
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

/* --- input ------------------------------------------------------------------------ */

static bool read_query(http_ctx *c, svc_product_query *q, sf_error *e)
{
    memset(q, 0, sizeof *q);
    int64_t limit, min_price, max_price;
    bool facets = false;
    int status = -1;
    http_query_string(c, "q", 200, &q->q, e);
    read_slug(c, "category", &q->category, e);
    read_slug(c, "brand", &q->brand, e);
    http_query_enum(c, "status", statuses, &status, e);
    q->status = status >= 0 ? statuses[status] : NULL;
    q->featured = q->in_stock = -1;
    bool flag;
    if (http_query_get(c, "featured") && http_query_bool(c, "featured", false, &flag, e))
        q->featured = flag;
    if (http_query_get(c, "in_stock") && http_query_bool(c, "in_stock", false, &flag, e))
        q->in_stock = flag;
    http_query_int(c, "min_price", -1, 0, INT64_MAX / 2, &min_price, e);
    http_query_int(c, "max_price", -1, 0, INT64_MAX / 2, &max_price, e);
    q->min_price = min_price;
    q->max_price = max_price;
    http_query_enum(c, "sort", sorts, &q->sort, e);
    http_query_int(c, "limit", 20, 1, 100, &limit, e);
    q->limit = (int)limit;
    http_query_string(c, "cursor", SVC_CURSOR_MAX_CHARS, &q->cursor, e);
    http_query_bool(c, "facets", false, &facets, e);
    q->facets = facets;
    return e->status == SF_OK;
}

static bool read_slug(http_ctx *c, const char *key, const char **out, sf_error *e)
{
    const char *v = http_query_get(c, key);
    *out = NULL;
    if (!v)
        return true;
    if (!http_slug_valid(v)) {
        sf_field_fail(e, key, "must be a slug: lowercase letters, digits and dashes");
        return false;
    }
    *out = v;
    return true;
}

/* --- output ----------------------------------------------------------------------- */

static void write_money(jw *w, const char *key, int64_t amount, bool is_null, const char *cur)
{
    jw_key(w, key);
    if (is_null) {
        jw_null(w);
        return;
    }
    jw_obj_begin(w);
    jw_key(w, "amount");
    jw_int(w, amount);
    jw_key(w, "currency");
    jw_str(w, cur);
    jw_obj_end(w);
}

static void write_summary_fields(jw *w, const db_product_row *p)
{
    jw_key(w, "id");
    jw_int(w, p->id);
    jw_key(w, "slug");
    jw_str(w, p->slug);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "brand");
    jw_obj_begin(w);
    http_write_ref_fields(w, p->brand_id, p->brand_slug, p->brand_name);
    jw_obj_end(w);
    write_money(w, "price", p->price_amount, false, p->currency);
    write_money(w, "compare_at_price", p->compare_at_amount, p->compare_at_is_null, p->currency);
    jw_key(w, "status");
    jw_str(w, p->status);
    jw_key(w, "featured");
    jw_bool(w, p->featured);
    jw_key(w, "in_stock");
    jw_bool(w, p->in_stock);
    jw_key(w, "image");
    if (p->image_url) {
        jw_obj_begin(w);
        jw_key(w, "url");
        jw_str(w, p->image_url);
        jw_key(w, "alt");
        jw_str(w, p->image_alt ? p->image_alt : "");
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    write_rating(w, p->rating_count, p->rating_total);
}

static void write_rating(jw *w, int32_t count, int32_t total)
{
    jw_key(w, "rating");
    jw_obj_begin(w);
    jw_key(w, "average");
    /* One decimal, as shops display it; exact enough and stable for ETags. */
    jw_double(w, count > 0 ? (double)(total * 10 / count) / 10.0 : 0.0);
    jw_key(w, "count");
    jw_int(w, count);
    jw_obj_end(w);
}

static void write_facets(jw *w, const svc_product_page *page)
{
    static const char *const names[] = {"categories", "brands", "price_bands"};
    const db_product_facets *fs = &page->facets;
    jw_key(w, "facets");
    jw_obj_begin(w);
    jw_key(w, "exact");
    jw_bool(w, fs->exact);
    jw_key(w, "counted");
    if (fs->exact)
        jw_null(w);
    else
        jw_int(w, fs->counted);
    for (int kind = DB_FACET_CATEGORY; kind <= DB_FACET_PRICE; kind++) {
        jw_key(w, names[kind]);
        jw_arr_begin(w);
        for (size_t i = 0; i < fs->n; i++) {
            const db_facet *f = &fs->items[i];
            if ((int)f->kind != kind)
                continue;
            jw_obj_begin(w);
            if (kind == DB_FACET_PRICE) {
                jw_key(w, "min");
                jw_int(w, f->min);
                jw_key(w, "max");
                if (f->max < 0)
                    jw_null(w);
                else
                    jw_int(w, f->max);
            } else {
                jw_key(w, "slug");
                jw_str(w, f->slug);
                jw_key(w, "name");
                jw_str(w, f->name);
            }
            jw_key(w, "count");
            jw_int(w, f->count);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static void write_variant(jw *w, const db_product_variant *v)
{
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, v->id);
    jw_key(w, "sku");
    jw_str(w, v->sku);
    jw_key(w, "name");
    jw_str(w, v->name);
    jw_key(w, "options");
    /* options is a jsonb object written by us (seed/admin), so it is emitted as is. */
    if (v->options && v->options[0] == '{')
        jw_raw(w, v->options, strlen(v->options));
    else
        jw_raw(w, "{}", 2);
    write_money(w, "price", v->price_amount, false, v->currency);
    write_money(w, "compare_at_price", v->compare_at_amount, v->compare_at_amount_is_null,
                v->currency);
    jw_key(w, "stock_state");
    jw_str(w, v->stock <= 0 ? "out_of_stock" : v->stock <= LOW_STOCK ? "low_stock" : "in_stock");
    jw_key(w, "available");
    jw_bool(w, v->stock > 0);
    jw_obj_end(w);
}
