/*
 * h_wishlist.c — /v1/me/wishlist: the signed-in shopper's saved products (list with
 * current price and availability, save, remove, merge a guest's list at sign-in).
 * The {product_id} segment is not one of the pipeline's typed parameters (those are
 * {id} and {item_id}), so it is checked here: a positive integer below 2^53 in plain
 * decimal, else a 400 naming "product_id".
 */
#include <string.h>

#include "http/http.h"
#include "storefront/wishlist.h"

static bool product_id_or_problem(http_ctx *c, int64_t *id);
static void send_page(http_ctx *c, const svc_wishlist_page *page);
static void write_money(jw *w, const char *key, int64_t amount, bool is_null, const char *cur);

void h_wishlist_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit;
    const char *cursor = NULL;
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_wishlist_page page;
    if (e.status != SF_OK ||
        svc_wishlist_list(c->app->pool, c->app->cfg.cursor_key, c->a, &c->principal, cursor,
                          (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_page(c, &page);
}

void h_wishlist_put(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t id;
    bool added;
    if (!product_id_or_problem(c, &id))
        return;
    if (svc_wishlist_put(c->app->pool, &c->principal, id, &added, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    /* The same answer whether it was just saved or saved already: PUT is idempotent. */
    c->status = 204;
}

void h_wishlist_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t id;
    if (!product_id_or_problem(c, &id))
        return;
    if (svc_wishlist_delete(c->app->pool, &c->principal, id, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

void h_wishlist_merge(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body = NULL;
    size_t len = 0;
    /* The body is optional (no guest list: nothing to merge), and an empty one needs no
     * Content-Type; one that is there must be JSON. */
    if (c->req->binary_body_length > 0 && !http_json_body_or_problem(c, &body, &len))
        return;
    int64_t *ids;
    size_t n;
    long added;
    svc_wishlist_page page;
    if (svc_wishlist_merge_parse(c->a, body, len, &ids, &n, &e) != SF_OK ||
        svc_wishlist_merge(c->app->pool, c->a, &c->principal, ids, n, &added, &e) != SF_OK ||
        svc_wishlist_list(c->app->pool, c->app->cfg.cursor_key, c->a, &c->principal, NULL, 20,
                          &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_page(c, &page);
}

static bool product_id_or_problem(http_ctx *c, int64_t *id)
{
    const char *s = c->path_param;
    size_t n = s ? strlen(s) : 0;
    bool ok = n >= 1 && n <= 16 && s[0] != '0' && strspn(s, "0123456789") == n;
    int64_t v = 0;
    for (size_t i = 0; ok && i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (!ok || v > 9007199254740991LL) {
        sf_error e;
        sf_error_clear(&e);
        sf_field_fail(&e, "product_id", "must be a product id (a positive integer)");
        http_send_error(c, &e);
        return false;
    }
    *id = v;
    return true;
}

static void send_page(http_ctx *c, const svc_wishlist_page *page)
{
    jw w;
    jw_init(&w, 256 + page->n * 512);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < page->n; i++) {
        const q_wishlist_page_row *p = &page->items[i];
        jw_obj_begin(&w);
        jw_key(&w, "product_id");
        jw_int(&w, p->id);
        jw_key(&w, "slug");
        jw_str(&w, p->slug);
        jw_key(&w, "name");
        jw_str(&w, p->name);
        write_money(&w, "price", p->price_amount, false, p->currency);
        write_money(&w, "compare_at_price", p->compare_at_amount, p->compare_at_amount_is_null,
                    p->currency);
        jw_key(&w, "in_stock");
        jw_bool(&w, p->in_stock);
        jw_key(&w, "image");
        if (p->image_url) {
            jw_obj_begin(&w);
            jw_key(&w, "url");
            jw_str(&w, p->image_url);
            jw_key(&w, "alt");
            jw_str(&w, p->image_alt ? p->image_alt : "");
            jw_obj_end(&w);
        } else {
            jw_null(&w);
        }
        jw_key(&w, "saved_at");
        jw_str(&w, p->saved_at);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, page->next_cursor);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

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
