/*
 * h_reviews.c — product reviews: the public pages of a product's reviews
 * (GET /v1/products/{slug}/reviews, cacheable like the catalog: the body-hash ETag
 * changes with every post, edit or hide), posting one (POST, signed in), the author's
 * own review (GET|PATCH|DELETE /v1/me/reviews/{id}) and staff moderation
 * (GET /v1/admin/reviews, POST /v1/admin/reviews/{id}/hide|unhide). The rules live in
 * api/service/reviews.c; ids in paths were validated by the pipeline (c->path_id).
 */
#include "http/http.h"
#include "storefront/reviews.h"

static void write_review(jw *w, const svc_review *r);
static void send_review(http_ctx *c, int status, const svc_review *r);
static void send_page(http_ctx *c, const svc_review_page *page, bool with_rating);
static void set_hidden(http_ctx *c, bool hidden);

void h_reviews_list(http_ctx *c)
{
    static const char *const sorts[] = {[SVC_REVIEW_NEWEST] = "newest",
                                        [SVC_REVIEW_HIGHEST] = "highest",
                                        [SVC_REVIEW_LOWEST] = "lowest",
                                        NULL};
    sf_error e;
    sf_error_clear(&e);
    if (!http_path_slug_or_problem(c))
        return;
    int sort = -1;
    int64_t limit;
    const char *cursor = NULL;
    http_query_enum(c, "sort", sorts, &sort, &e);
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_review_page page;
    if (e.status != SF_OK ||
        svc_reviews_list(c->app->pool, c->app->cfg.cursor_key, c->a, c->path_param,
                         sort < 0 ? SVC_REVIEW_NEWEST : (svc_review_sort)sort, cursor, (int)limit,
                         &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_page(c, &page, true);
}

void h_reviews_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_path_slug_or_problem(c))
        return;
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_review_input in;
    svc_review r;
    if (svc_review_input_parse(c->a, body, len, true, &in, &e) != SF_OK ||
        svc_review_create(c->app->pool, c->a, &c->principal, c->path_param, &in, &r, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->location = arena_sprintf(c->a, "/v1/me/reviews/%lld", (long long)r.r.id);
    send_review(c, 201, &r);
}

void h_me_reviews_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_review r;
    if (svc_review_get_own(c->app->pool, c->a, &c->principal, c->path_id, &r, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_review(c, 200, &r);
}

void h_me_reviews_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_review_input in;
    svc_review r;
    if (svc_review_input_parse(c->a, body, len, false, &in, &e) != SF_OK ||
        svc_review_update(c->app->pool, c->a, &c->principal, c->path_id, &in, &r, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_review(c, 200, &r);
}

void h_me_reviews_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (svc_review_delete(c->app->pool, &c->principal, c->path_id, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

void h_admin_reviews_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    bool hidden = false;
    int64_t product = 0, limit;
    const char *cursor = NULL;
    bool has_hidden = http_query_get(c, "hidden") != NULL;
    http_query_bool(c, "hidden", false, &hidden, &e);
    http_query_int(c, "product", 0, 1, 9007199254740991LL, &product, &e);
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_review_page page;
    if (e.status != SF_OK || svc_admin_reviews_list(c->app->pool, c->app->cfg.cursor_key, c->a,
                                                    has_hidden ? (int)hidden : -1, product, cursor,
                                                    (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_page(c, &page, false);
}

void h_admin_reviews_hide(http_ctx *c)
{
    set_hidden(c, true);
}

void h_admin_reviews_unhide(http_ctx *c)
{
    set_hidden(c, false);
}

static void set_hidden(http_ctx *c, bool hidden)
{
    sf_error e;
    sf_error_clear(&e);
    svc_review r;
    if (svc_review_set_hidden(c->app->pool, c->a, c->path_id, hidden, &r, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_review(c, 200, &r);
}

static void send_page(http_ctx *c, const svc_review_page *page, bool with_rating)
{
    jw w;
    jw_init(&w, 512 + page->n * 768);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < page->n; i++)
        write_review(&w, &page->items[i]);
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, page->next_cursor);
    if (with_rating) {
        /* The same figure as the product's own "rating" (h_products.c): one decimal,
         * truncated, so the two never disagree on one page. */
        int32_t n = page->rating_count, t = page->rating_total;
        jw_key(&w, "rating");
        jw_obj_begin(&w);
        jw_key(&w, "average");
        jw_double(&w, n > 0 ? (double)(t * 10 / n) / 10.0 : 0.0);
        jw_key(&w, "count");
        jw_int(&w, n);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

static void send_review(http_ctx *c, int status, const svc_review *r)
{
    jw w;
    jw_init(&w, 1024);
    write_review(&w, r);
    http_send_json(c, status, &w);
}

static void write_review(jw *w, const svc_review *r)
{
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, r->r.id);
    jw_key(w, "product_id");
    jw_int(w, r->r.product_id);
    jw_key(w, "rating");
    jw_int(w, r->r.rating);
    jw_key(w, "title");
    jw_str(w, r->r.title);
    jw_key(w, "body");
    jw_str(w, r->r.body);
    jw_key(w, "verified_purchase");
    jw_bool(w, r->r.verified_purchase);
    jw_key(w, "hidden");
    jw_bool(w, r->r.hidden);
    jw_key(w, "author_name");
    jw_str(w, r->author_name);
    jw_key(w, "created_at");
    jw_str(w, r->r.created_at);
    jw_key(w, "updated_at");
    jw_str(w, r->r.updated_at);
    jw_obj_end(w);
}
