/*
 * h_inventory.c — staff stock routes (admin group; docs/inventory.md):
 *   GET  /v1/admin/variants/{id}/stock               the stock, ETag "r<revision>"
 *   PUT  /v1/admin/variants/{id}/stock               {stock, note?}, If-Match
 *   POST /v1/admin/variants/{id}/stock/adjustments   {delta, note}, Idempotency-Key
 *   GET  /v1/admin/variants/{id}/stock/movements     the ledger, newest first
 *   GET  /v1/admin/inventory/low-stock               threshold, lowest stock first
 */
#include <jansson.h>
#include <string.h>

#include "http/http.h"
#include "storefront/idempotency.h"
#include "storefront/inventory.h"
#include "storefront/jsonutil.h"
#include "storefront/validate.h"

static json_t *body_object(const char *body, size_t len, const char *const *fields, sf_error *e);
static bool int_field(json_t *root, const char *name, int64_t min, int64_t max, bool required,
                      int64_t *out, sf_error *e);
static const char *note_field(http_ctx *c, json_t *root, bool required, sf_error *e);
static void write_stock(jw *w, const svc_stock_variant *v);

void h_inventory_stock_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_stock_variant v;
    if (svc_stock_get(c->app->pool, c->a, c->path_id, &v, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256);
    write_stock(&w, &v);
    jw_obj_end(&w);
    http_set_revision_etag(c, v.revision);
    http_send_json(c, 200, &w);
}

void h_inventory_stock_set(http_ctx *c)
{
    static const char *const fields[] = {"stock", "note", NULL};
    sf_error e;
    sf_error_clear(&e);
    int64_t revision, stock = 0;
    if (!http_if_match_or_problem(c, &revision))
        return;
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    json_t *root = body_object(body, len, fields, &e);
    const char *note = NULL;
    if (root) {
        int_field(root, "stock", 0, SVC_STOCK_MAX, true, &stock, &e);
        note = note_field(c, root, false, &e);
        json_decref(root);
    }
    svc_stock_variant v;
    svc_stock_movement *m = NULL;
    if (e.status != SF_OK || svc_stock_set(c->app->pool, c->a, &c->principal, c->path_id, revision,
                                           (int32_t)stock, note, &v, &m, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 512);
    write_stock(&w, &v);
    jw_key(&w, "movement");
    if (m)
        svc_stock_movement_write(&w, m);
    else
        jw_null(&w);
    jw_obj_end(&w);
    http_set_revision_etag(c, v.revision);
    http_send_json(c, 200, &w);
}

void h_inventory_stock_adjust(http_ctx *c)
{
    static const char *const fields[] = {"delta", "note", NULL};
    sf_error e;
    sf_error_clear(&e);
    const char *key;
    if (!http_idempotency_key_or_problem(c, &key))
        return;
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    json_t *root = body_object(body, len, fields, &e);
    int64_t delta = 0;
    const char *note = NULL;
    char hash[65] = "";
    if (root) {
        if (int_field(root, "delta", -SVC_STOCK_MAX, SVC_STOCK_MAX, true, &delta, &e) && delta == 0)
            sf_field_fail(&e, "delta", "must not be zero");
        note = note_field(c, root, true, &e);
        /* Scoped by the variant: one key reused for another variant is another request. */
        svc_idem_hash(arena_sprintf(c->a, "POST /v1/admin/variants/%lld/stock/adjustments",
                                    (long long)c->path_id),
                      root, hash);
        json_decref(root);
    }
    svc_idem_answer out;
    if (e.status != SF_OK ||
        svc_stock_adjust(c->app->pool, c->a, &c->principal, key, hash, c->path_id, (int32_t)delta,
                         note, &out, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    /* Movements have no URL of their own: Location is the variant's ledger, newest
     * first, where this one leads until the next change. */
    if (out.status == 201)
        c->location =
            arena_sprintf(c->a, "/v1/admin/variants/%lld/stock/movements", (long long)c->path_id);
    http_send_idempotent(c, out.status, out.body, out.replayed);
}

void h_inventory_movements(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit;
    const char *cursor;
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_stock_movement_page page;
    if (e.status != SF_OK ||
        svc_stock_movements(c->app->pool, c->app->cfg.cursor_key, c->a, c->path_id, cursor,
                            (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256 + page.n * 320);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < page.n; i++)
        svc_stock_movement_write(&w, &page.items[i]);
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, page.next_cursor);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_inventory_low_stock(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit, threshold;
    const char *cursor;
    http_query_int(c, "threshold", SVC_LOW_STOCK_THRESHOLD, 0, SVC_STOCK_MAX, &threshold, &e);
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_low_stock_page page;
    if (e.status != SF_OK ||
        svc_stock_low(c->app->pool, c->app->cfg.cursor_key, c->a, (int32_t)threshold, cursor,
                      (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256 + page.n * 320);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < page.n; i++) {
        const svc_low_stock_item *v = &page.items[i];
        jw_obj_begin(&w);
        jw_key(&w, "variant_id");
        jw_int(&w, v->id);
        jw_key(&w, "sku");
        jw_str(&w, v->sku);
        jw_key(&w, "name");
        jw_str(&w, v->name);
        jw_key(&w, "stock");
        jw_int(&w, v->stock);
        jw_key(&w, "product");
        jw_obj_begin(&w);
        jw_key(&w, "id");
        jw_int(&w, v->product_id);
        jw_key(&w, "slug");
        jw_str(&w, v->product_slug);
        jw_key(&w, "name");
        jw_str(&w, v->product_name);
        jw_obj_end(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, page.next_cursor);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

/* The body as a JSON object (the caller decrefs); NULL and e set when it is missing,
 * not JSON or not an object. Keys other than `fields` are field errors in e. */
static json_t *body_object(const char *body, size_t len, const char *const *fields, sf_error *e)
{
    json_t *root = body ? json_parse_body(body, len, e) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        sf_error_clear(e);
        sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        bool known = false;
        for (const char *const *f = fields; *f && !known; f++)
            known = strcmp(k, *f) == 0;
        if (!known)
            sf_field_fail(e, k, "is not a known field");
    }
    return root;
}

/* An integer in [min, max]; absent is an error only when required. */
static bool int_field(json_t *root, const char *name, int64_t min, int64_t max, bool required,
                      int64_t *out, sf_error *e)
{
    json_t *v = json_object_get(root, name);
    if (!v && !required)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        sf_field_fail(e, name, "must be an integer from %lld to %lld", (long long)min,
                      (long long)max);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

/* note: 1..500 characters that are safe to show staff (lines allowed); optional or
 * required. NULL when absent, null or bad (e names it). */
static const char *note_field(http_ctx *c, json_t *root, bool required, sf_error *e)
{
    json_t *v = json_object_get(root, "note");
    if ((!v || json_is_null(v)) && !required)
        return NULL;
    const char *s = json_string_value(v);
    size_t bytes = s ? json_string_length(v) : 0, chars = 0;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (!s || chars < 1 || chars > SVC_STOCK_NOTE_MAX || strlen(s) != bytes) {
        sf_field_fail(e, "note", "must be a string of 1..%d characters", SVC_STOCK_NOTE_MAX);
        return NULL;
    }
    if (!svc_text_safe(e, "note", s, true))
        return NULL;
    return arena_strdup(c->a, s);
}

/* Opens the StockLevel object and writes its fields; the caller closes it. */
static void write_stock(jw *w, const svc_stock_variant *v)
{
    jw_obj_begin(w);
    jw_key(w, "variant_id");
    jw_int(w, v->id);
    jw_key(w, "product_id");
    jw_int(w, v->product_id);
    jw_key(w, "sku");
    jw_str(w, v->sku);
    jw_key(w, "name");
    jw_str(w, v->name);
    jw_key(w, "active");
    jw_bool(w, v->active);
    jw_key(w, "stock");
    jw_int(w, v->stock);
}
