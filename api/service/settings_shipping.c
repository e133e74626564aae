/*
 * settings_shipping.c — staff CRUD of shipping methods (/v1/admin/shipping-methods,
 * see settings.h and docs/back-office-settings.md).
 *
 * The code is the key that orders keep (orders.shipping_method REFERENCES it), so it is
 * set once at create and never changed, and a method some order used is switched off
 * (active: false), not deleted. The cart's estimate (the cheapest active method in the
 * cart's currency) and checkout's choice read the table on every request, so a new,
 * repriced or switched-off method applies at once.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/jsonw.h"
#include "storefront/queries_gen.h"
#include "storefront/settings.h"

#define CURSOR_SORT 41
#define MONEY_MAX   9007199254740991LL
#define INT4_MAX    2147483647LL
#define NAME_MAX    100

typedef struct shipping_input {
    json_t *j;
    db_shipping_method v;
} shipping_input;

static sf_status parse(arena *a, const char *body, size_t len, bool create, shipping_input *in,
                       sf_error *e);
static void merge(arena *a, db_shipping_method *row, json_t *j, bool create, sf_error *e);
static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e);
static sf_status update_tx(db_conn *c, arena *a, const char *code, int64_t revision,
                           shipping_input *in, db_shipping_method *out, sf_error *e);
static sf_status delete_tx(db_conn *c, arena *a, const char *code, int64_t revision, sf_error *e);
static const char *render(arena *a, const db_shipping_method *m);
static void write_method(jw *w, const db_shipping_method *m);

const char *svc_shipping_code_norm(arena *a, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 32 ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n)
        return NULL;
    char *c = arena_strdup(a, s);
    for (char *p = c; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return c;
}

/* --- operations ------------------------------------------------------------------- */

sf_status svc_shipping_methods_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                    const svc_setting_page_req *req, const char **json, sf_error *e)
{
    uint64_t fp = svc_settings_filter_fp(req);
    /* The cursor carries the last row's (position, code): position as the id part. */
    const char *after_code = NULL;
    int64_t after_pos = 0;
    if (req->cursor &&
        (!svc_cursor_decode(a, cursor_key, req->cursor, CURSOR_SORT, fp, &after_code, &after_pos) ||
         !svc_shipping_code_norm(a, after_code) || after_pos < -INT4_MAX - 1 ||
         after_pos > INT4_MAX)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_shipping_page_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_settings_shipping_page(
        c, a,
        &(q_settings_shipping_page_params){.active = req->active == 1,
                                           .active_is_null = req->active < 0,
                                           .after_code = after_code,
                                           .after_position = (int32_t)after_pos,
                                           .max_rows = req->limit + 1},
        &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    jw w;
    jw_init(&w, 256 + n * 256);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    size_t shown = n > (size_t)req->limit ? (size_t)req->limit : n;
    for (size_t i = 0; i < shown; i++)
        write_method(&w, &rows[i].shipping_method);
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    if (n > shown) {
        const db_shipping_method *last = &rows[shown - 1].shipping_method;
        jw_str(&w, svc_cursor_encode(a, cursor_key, CURSOR_SORT, fp, last->code, last->position));
    } else {
        jw_null(&w);
    }
    jw_obj_end(&w);
    size_t len;
    char *buf = jw_steal(&w, &len);
    *json = svc_settings_take(a, buf, len);
    return SF_OK;
}

sf_status svc_shipping_method_get(db_pool *pool, arena *a, const char *code, svc_setting *out,
                                  sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_shipping_get_row row;
    sf_status s =
        q_settings_shipping_get(c, a, &(q_settings_shipping_get_params){.code = code}, &row, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "shipping method");
    if (s == SF_OK)
        *out = (svc_setting){render(a, &row.shipping_method), row.shipping_method.revision};
    return s;
}

sf_status svc_shipping_method_create(db_pool *pool, arena *a, const auth_principal *who,
                                     const char *idem_key, const char *body, size_t len,
                                     svc_setting_created *out, sf_error *e)
{
    shipping_input in;
    if (parse(a, body, len, true, &in, e) != SF_OK)
        return e->status;
    sf_status s = svc_settings_create(pool, a, who, idem_key, "POST /v1/admin/shipping-methods",
                                      in.j, create_step, &in, "code", out, e);
    json_decref(in.j);
    return s;
}

sf_status svc_shipping_method_update(db_pool *pool, arena *a, const char *code, int64_t revision,
                                     const char *body, size_t len, svc_setting *out, sf_error *e)
{
    shipping_input in;
    if (parse(a, body, len, false, &in, e) != SF_OK)
        return e->status;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK) {
        json_decref(in.j);
        return e->status;
    }
    db_shipping_method row;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = update_tx(c, a, code, revision, &in, &row, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    if (s != SF_OK)
        db_rollback(c);
    db_pool_release(pool, c);
    json_decref(in.j);
    if (s == SF_OK)
        *out = (svc_setting){render(a, &row), row.revision};
    return s;
}

sf_status svc_shipping_method_delete(db_pool *pool, arena *a, const char *code, int64_t revision,
                                     sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = delete_tx(c, a, code, revision, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    if (s != SF_OK)
        db_rollback(c);
    db_pool_release(pool, c);
    return s;
}

/* --- transactions ----------------------------------------------------------------- */

static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e)
{
    (void)actor_id;
    const db_shipping_method *v = &((shipping_input *)ctx)->v;
    q_settings_shipping_insert_row row;
    sf_status s =
        q_settings_shipping_insert(c, a,
                                   &(q_settings_shipping_insert_params){
                                       .code = v->code,
                                       .name = v->name,
                                       .price_amount = v->price_amount,
                                       .currency = v->currency,
                                       .free_over_amount = v->free_over_amount,
                                       .free_over_amount_is_null = v->free_over_amount_is_null,
                                       .position = v->position,
                                       .active = v->active},
                                   &row, e);
    if (s == SF_NOT_FOUND)
        return svc_settings_duplicate((sf_error_clear(e), e), "code", "Shipping method", v->code);
    if (s != SF_OK)
        return s;
    *out = (svc_idem_answer){.status = 201, .body = render(a, &row.shipping_method)};
    return SF_OK;
}

static sf_status update_tx(db_conn *c, arena *a, const char *code, int64_t revision,
                           shipping_input *in, db_shipping_method *out, sf_error *e)
{
    q_settings_shipping_lock_row cur;
    sf_status s =
        q_settings_shipping_lock(c, a, &(q_settings_shipping_lock_params){.code = code}, &cur, e);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "shipping method");
    if (s != SF_OK)
        return s;
    if (revision && cur.shipping_method.revision != revision)
        return svc_settings_stale(e, true, "shipping method");
    db_shipping_method row = cur.shipping_method;
    merge(a, &row, in->j, false, e);
    if (e->status != SF_OK)
        return e->status;
    q_settings_shipping_update_row up;
    s = q_settings_shipping_update(c, a,
                                   &(q_settings_shipping_update_params){
                                       .name = row.name,
                                       .price_amount = row.price_amount,
                                       .currency = row.currency,
                                       .free_over_amount = row.free_over_amount,
                                       .free_over_amount_is_null = row.free_over_amount_is_null,
                                       .position = row.position,
                                       .active = row.active,
                                       .code = code,
                                       .revision = (int32_t)revision},
                                   &up, e);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), true, "shipping method");
    if (s == SF_OK)
        *out = up.shipping_method;
    return s;
}

static sf_status delete_tx(db_conn *c, arena *a, const char *code, int64_t revision, sf_error *e)
{
    q_settings_shipping_lock_row cur;
    sf_status s =
        q_settings_shipping_lock(c, a, &(q_settings_shipping_lock_params){.code = code}, &cur, e);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "shipping method");
    if (s != SF_OK)
        return s;
    if (revision && cur.shipping_method.revision != revision)
        return svc_settings_stale(e, true, "shipping method");
    q_settings_shipping_used_row used;
    if ((s = q_settings_shipping_used(c, &(q_settings_shipping_used_params){.code = code}, &used,
                                      e)) != SF_OK)
        return s;
    /* Orders keep the method they shipped with (a foreign key): keep it, switched off. */
    if (used.used)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "Orders were shipped with this method, so it cannot be deleted; switch "
                       "it off with PATCH {\"active\": false} instead.");
    long n = 0;
    s = q_settings_shipping_delete(
        c, &(q_settings_shipping_delete_params){.code = code, .revision = (int32_t)revision}, &n,
        e);
    if (s == SF_OK && n == 0)
        return svc_settings_stale(e, true, "shipping method");
    return s;
}

/* --- input ------------------------------------------------------------------------ */

static sf_status parse(arena *a, const char *body, size_t len, bool create, shipping_input *in,
                       sf_error *e)
{
    memset(in, 0, sizeof *in);
    in->j = svc_settings_body(body, len, e);
    if (!in->j)
        return e->status;
    in->v =
        (db_shipping_method){.currency = "USD", .free_over_amount_is_null = true, .active = true};
    merge(a, &in->v, in->j, create, e);
    if (create) {
        if (!json_object_get(in->j, "code"))
            sf_field_fail(e, "code", "is required");
        if (!json_object_get(in->j, "name"))
            sf_field_fail(e, "name", "is required");
        if (!json_object_get(in->j, "price_amount"))
            sf_field_fail(e, "price_amount", "is required");
    }
    if (e->status != SF_OK) {
        json_decref(in->j);
        in->j = NULL;
    }
    return e->status;
}

/* Writes the body's fields over row; each bad one is a field error. */
static void merge(arena *a, db_shipping_method *row, json_t *j, bool create, sf_error *e)
{
    const char *k, *s;
    json_t *v;
    int64_t x;
    bool null;
    json_object_foreach(j, k, v)
    {
        if (strcmp(k, "code") == 0) {
            if (!create)
                sf_field_fail(e, "code",
                              "cannot be changed (orders refer to it); create a new method");
            else if (!(s = svc_shipping_code_norm(a, json_string_value(v))))
                sf_field_fail(e, "code", "must be 1..32 letters, digits or _");
            else
                row->code = (char *)s;
        } else if (strcmp(k, "name") == 0) {
            if (svc_settings_text(a, v, k, NAME_MAX, &s, e))
                row->name = (char *)s;
        } else if (strcmp(k, "price_amount") == 0) {
            if (svc_settings_int(v, k, 0, MONEY_MAX, false, &x, NULL, e))
                row->price_amount = x;
        } else if (strcmp(k, "currency") == 0) {
            if (svc_settings_currency(a, v, k, false, &s, e))
                row->currency = (char *)s;
        } else if (strcmp(k, "free_over_amount") == 0) {
            if (svc_settings_int(v, k, 0, MONEY_MAX, true, &x, &null, e))
                row->free_over_amount = x, row->free_over_amount_is_null = null;
        } else if (strcmp(k, "position") == 0) {
            if (svc_settings_int(v, k, 0, INT4_MAX, false, &x, NULL, e))
                row->position = (int32_t)x;
        } else if (strcmp(k, "active") == 0) {
            svc_settings_bool(v, k, &row->active, e);
        } else if (strcmp(k, "revision") == 0) {
            sf_field_fail(e, k, "is read-only");
        } else {
            sf_field_fail(e, k, "is not a field of a shipping method");
        }
    }
}

/* --- output ----------------------------------------------------------------------- */

static const char *render(arena *a, const db_shipping_method *m)
{
    jw w;
    jw_init(&w, 256);
    write_method(&w, m);
    size_t len;
    char *buf = jw_steal(&w, &len);
    return svc_settings_take(a, buf, len);
}

static void write_method(jw *w, const db_shipping_method *m)
{
    jw_obj_begin(w);
    jw_key(w, "code");
    jw_str(w, m->code);
    jw_key(w, "name");
    jw_str(w, m->name);
    jw_key(w, "price_amount");
    jw_int(w, m->price_amount);
    jw_key(w, "currency");
    jw_str(w, m->currency);
    jw_key(w, "free_over_amount");
    m->free_over_amount_is_null ? jw_null(w) : jw_int(w, m->free_over_amount);
    jw_key(w, "position");
    jw_int(w, m->position);
    jw_key(w, "active");
    jw_bool(w, m->active);
    jw_key(w, "revision");
    jw_int(w, m->revision);
    jw_obj_end(w);
}
