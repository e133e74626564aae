/*
 * settings_discounts.c — staff CRUD of discount codes (/v1/admin/discount-codes, see
 * settings.h and docs/back-office-settings.md).
 *
 * A change is the whole row checked at once: the body's fields are merged into the
 * stored row (or the defaults, for a create) and the result must be a valid code: the
 * kind's own fields present and the other kind's absent, starts_at before ends_at,
 * usage_limit not below times_used. When a request switches the kind, the old kind's
 * stored fields are dropped (sending them is still a 400). An update locks the row
 * first, so checkout cannot raise times_used between that check and the write.
 *
 * Carts re-check their code on every read (carts.c, svc_discount_check), so switching a
 * code off, moving its window or lowering its limit applies to every cart at once.
 */
#include <ctype.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/jsonw.h"
#include "storefront/queries_gen.h"
#include "storefront/settings.h"

#define CURSOR_SORT 40 /* distinct per listing, so cursors never cross listings */
#define MONEY_MAX   9007199254740991LL
#define INT4_MAX    2147483647LL

enum {
    F_CODE = 1 << 0,
    F_KIND = 1 << 1,
    F_PERCENT = 1 << 2,
    F_AMOUNT = 1 << 3,
    F_CURRENCY = 1 << 4,
};

typedef struct discount_input {
    unsigned set;       /* the F_ fields the body named (the rest: plain copies) */
    json_t *j;          /* the body, to merge field by field */
    db_discount_code v; /* create: the new row */
} discount_input;

static sf_status parse(arena *a, const char *body, size_t len, bool create, discount_input *in,
                       sf_error *e);
static void merge(arena *a, db_discount_code *row, discount_input *in, sf_error *e);
static void check_whole(const db_discount_code *row, sf_error *e);
static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e);
static sf_status update_tx(db_conn *c, arena *a, int64_t id, int64_t revision, discount_input *in,
                           db_discount_code *out, sf_error *e);
static sf_status delete_tx(db_conn *c, arena *a, int64_t id, int64_t revision, sf_error *e);
static const char *render(arena *a, const db_discount_code *d);
static void write_code(jw *w, const db_discount_code *d);

const char *svc_discount_code_norm(arena *a, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > 32 ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789_-") != n)
        return NULL;
    char *c = arena_strdup(a, s);
    for (char *p = c; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return c;
}

/* --- operations ------------------------------------------------------------------- */

sf_status svc_discount_codes_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                  const svc_setting_page_req *req, const char **json, sf_error *e)
{
    uint64_t fp = svc_settings_filter_fp(req);
    const char *ignored;
    int64_t after = 0;
    if (req->cursor &&
        (!svc_cursor_decode(a, cursor_key, req->cursor, CURSOR_SORT, fp, &ignored, &after) ||
         after < 1)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_discount_page_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_settings_discount_page(
        c, a,
        &(q_settings_discount_page_params){.active = req->active == 1,
                                           .active_is_null = req->active < 0,
                                           .prefix = req->q,
                                           .after_id = after,
                                           .max_rows = req->limit + 1},
        &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    jw w;
    jw_init(&w, 256 + n * 512);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    size_t shown = n > (size_t)req->limit ? (size_t)req->limit : n;
    for (size_t i = 0; i < shown; i++)
        write_code(&w, &rows[i].discount_code);
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    /* One extra row says whether another page exists. */
    if (n > shown)
        jw_str(&w, svc_cursor_encode(a, cursor_key, CURSOR_SORT, fp, "",
                                     rows[shown - 1].discount_code.id));
    else
        jw_null(&w);
    jw_obj_end(&w);
    size_t len;
    char *buf = jw_steal(&w, &len);
    *json = svc_settings_take(a, buf, len);
    return SF_OK;
}

sf_status svc_discount_code_get(db_pool *pool, arena *a, int64_t id, svc_setting *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_discount_get_row row;
    sf_status s =
        q_settings_discount_get(c, a, &(q_settings_discount_get_params){.id = id}, &row, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "discount code");
    if (s == SF_OK)
        *out = (svc_setting){render(a, &row.discount_code), row.discount_code.revision};
    return s;
}

sf_status svc_discount_code_create(db_pool *pool, arena *a, const auth_principal *who,
                                   const char *idem_key, const char *body, size_t len,
                                   svc_setting_created *out, sf_error *e)
{
    discount_input in;
    if (parse(a, body, len, true, &in, e) != SF_OK)
        return e->status;
    sf_status s = svc_settings_create(pool, a, who, idem_key, "POST /v1/admin/discount-codes", in.j,
                                      create_step, &in, "id", out, e);
    json_decref(in.j);
    return s;
}

sf_status svc_discount_code_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   const char *body, size_t len, svc_setting *out, sf_error *e)
{
    discount_input in;
    if (parse(a, body, len, false, &in, e) != SF_OK)
        return e->status;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK) {
        json_decref(in.j);
        return e->status;
    }
    db_discount_code row;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = update_tx(c, a, id, revision, &in, &row, e);
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

sf_status svc_discount_code_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = delete_tx(c, a, id, revision, e);
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
    const db_discount_code *v = &((discount_input *)ctx)->v;
    q_settings_discount_insert_row row;
    sf_status s =
        q_settings_discount_insert(c, a,
                                   &(q_settings_discount_insert_params){
                                       .code = v->code,
                                       .kind = db_discount_kind_str(v->kind),
                                       .percent_off = v->percent_off,
                                       .percent_off_is_null = v->percent_off_is_null,
                                       .amount_off = v->amount_off,
                                       .amount_off_is_null = v->amount_off_is_null,
                                       .currency = v->currency_is_null ? NULL : v->currency,
                                       .min_subtotal = v->min_subtotal,
                                       .starts_at = v->starts_at_is_null ? NULL : v->starts_at,
                                       .ends_at = v->ends_at_is_null ? NULL : v->ends_at,
                                       .usage_limit = v->usage_limit,
                                       .usage_limit_is_null = v->usage_limit_is_null,
                                       .per_customer_limit = v->per_customer_limit,
                                       .per_customer_limit_is_null = v->per_customer_limit_is_null,
                                       .active = v->active},
                                   &row, e);
    /* ON CONFLICT DO NOTHING: no row back means the code exists. */
    if (s == SF_NOT_FOUND)
        return svc_settings_duplicate((sf_error_clear(e), e), "code", "Discount code", v->code);
    if (s != SF_OK)
        return s;
    *out = (svc_idem_answer){.status = 201, .body = render(a, &row.discount_code)};
    return SF_OK;
}

static sf_status update_tx(db_conn *c, arena *a, int64_t id, int64_t revision, discount_input *in,
                           db_discount_code *out, sf_error *e)
{
    q_settings_discount_lock_row cur;
    sf_status s =
        q_settings_discount_lock(c, a, &(q_settings_discount_lock_params){.id = id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "discount code");
    if (s != SF_OK)
        return s;
    if (revision && cur.discount_code.revision != revision)
        return svc_settings_stale(e, true, "discount code");
    db_discount_code row = cur.discount_code;
    merge(a, &row, in, e);
    check_whole(&row, e);
    if (e->status != SF_OK)
        return e->status;
    if (in->set & F_CODE) {
        q_settings_discount_id_by_code_row other;
        s = q_settings_discount_id_by_code(
            c, &(q_settings_discount_id_by_code_params){.code = row.code}, &other, e);
        if (s == SF_OK && other.id != id)
            return svc_settings_duplicate(e, "code", "Discount code", row.code);
        if (s == SF_NOT_FOUND)
            sf_error_clear(e);
        else if (s != SF_OK)
            return s;
    }
    q_settings_discount_update_row up;
    s = q_settings_discount_update(c, a,
                                   &(q_settings_discount_update_params){
                                       .code = row.code,
                                       .kind = db_discount_kind_str(row.kind),
                                       .percent_off = row.percent_off,
                                       .percent_off_is_null = row.percent_off_is_null,
                                       .amount_off = row.amount_off,
                                       .amount_off_is_null = row.amount_off_is_null,
                                       .currency = row.currency_is_null ? NULL : row.currency,
                                       .min_subtotal = row.min_subtotal,
                                       .starts_at = row.starts_at_is_null ? NULL : row.starts_at,
                                       .ends_at = row.ends_at_is_null ? NULL : row.ends_at,
                                       .usage_limit = row.usage_limit,
                                       .usage_limit_is_null = row.usage_limit_is_null,
                                       .per_customer_limit = row.per_customer_limit,
                                       .per_customer_limit_is_null = row.per_customer_limit_is_null,
                                       .active = row.active,
                                       .id = id,
                                       .revision = (int32_t)revision},
                                   &up, e);
    /* The row is locked and its revision checked: no row here is not expected, but it
     * is still answered as the stale write it would be. */
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), true, "discount code");
    if (s == SF_OK)
        *out = up.discount_code;
    return s;
}

static sf_status delete_tx(db_conn *c, arena *a, int64_t id, int64_t revision, sf_error *e)
{
    q_settings_discount_lock_row cur;
    sf_status s =
        q_settings_discount_lock(c, a, &(q_settings_discount_lock_params){.id = id}, &cur, e);
    int32_t current = s == SF_OK ? cur.discount_code.revision : 0;
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "discount code");
    if (s != SF_OK)
        return s;
    if (revision && current != revision)
        return svc_settings_stale(e, true, "discount code");
    q_settings_discount_refs_row refs;
    if ((s = q_settings_discount_refs(c, &(q_settings_discount_refs_params){.id = id}, &refs, e)) !=
        SF_OK)
        return s;
    /* Orders keep the code's text, but carts and redemptions keep its id (0006): such a
     * code is switched off, never deleted, so its history stays whole. */
    if (refs.in_carts || refs.redeemed)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "This discount code is %s, so it cannot be deleted; switch it off "
                       "with PATCH {\"active\": false} instead.",
                       refs.redeemed ? "redeemed by orders" : "applied to carts");
    long n = 0;
    s = q_settings_discount_delete(
        c, &(q_settings_discount_delete_params){.id = id, .revision = (int32_t)revision}, &n, e);
    if (s == SF_OK && n == 0)
        return svc_settings_stale(e, true, "discount code");
    return s;
}

/* --- input ------------------------------------------------------------------------ */

/* Parses and checks each field on its own; the combination is check_whole's. A create
 * starts from the defaults and must name code and kind. */
static sf_status parse(arena *a, const char *body, size_t len, bool create, discount_input *in,
                       sf_error *e)
{
    memset(in, 0, sizeof *in);
    in->j = svc_settings_body(body, len, e);
    if (!in->j)
        return e->status;
    in->v = (db_discount_code){.percent_off_is_null = true,
                               .amount_off_is_null = true,
                               .currency_is_null = true,
                               .starts_at_is_null = true,
                               .ends_at_is_null = true,
                               .usage_limit_is_null = true,
                               .per_customer_limit_is_null = true,
                               .active = true};
    merge(a, &in->v, in, e);
    if (create) {
        if (!json_object_get(in->j, "code"))
            sf_field_fail(e, "code", "is required");
        if (!json_object_get(in->j, "kind"))
            sf_field_fail(e, "kind", "is required: percent or fixed");
        if (e->status == SF_OK)
            check_whole(&in->v, e);
    }
    if (e->status != SF_OK) {
        json_decref(in->j);
        in->j = NULL;
    }
    return e->status;
}

/* Writes the body's fields over row, recording which kind-related ones were named. */
static void merge(arena *a, db_discount_code *row, discount_input *in, sf_error *e)
{
    const char *k;
    json_t *v;
    int64_t x;
    bool null;
    const char *s;
    db_discount_kind before = row->kind;
    json_object_foreach(in->j, k, v)
    {
        if (strcmp(k, "code") == 0) {
            in->set |= F_CODE;
            if (!(s = svc_discount_code_norm(a, json_string_value(v))))
                sf_field_fail(e, "code", "must be 3..32 letters, digits, _ or -");
            else
                row->code = (char *)s;
        } else if (strcmp(k, "kind") == 0) {
            in->set |= F_KIND;
            if (!json_is_string(v) || !db_discount_kind_parse(json_string_value(v), &row->kind))
                sf_field_fail(e, "kind", "must be percent or fixed");
        } else if (strcmp(k, "percent_off") == 0) {
            in->set |= F_PERCENT;
            if (svc_settings_int(v, k, 1, 100, true, &x, &null, e))
                row->percent_off = (int32_t)x, row->percent_off_is_null = null;
        } else if (strcmp(k, "amount_off") == 0) {
            in->set |= F_AMOUNT;
            if (svc_settings_int(v, k, 1, MONEY_MAX, true, &x, &null, e))
                row->amount_off = x, row->amount_off_is_null = null;
        } else if (strcmp(k, "currency") == 0) {
            in->set |= F_CURRENCY;
            if (svc_settings_currency(a, v, k, true, &s, e))
                row->currency = (char *)s, row->currency_is_null = !s;
        } else if (strcmp(k, "min_subtotal") == 0) {
            if (svc_settings_int(v, k, 0, MONEY_MAX, false, &x, NULL, e))
                row->min_subtotal = x;
        } else if (strcmp(k, "starts_at") == 0 || strcmp(k, "ends_at") == 0) {
            bool start = k[0] == 's';
            if (svc_settings_time(a, v, k, &s, e)) {
                *(start ? &row->starts_at : &row->ends_at) = (char *)s;
                *(start ? &row->starts_at_is_null : &row->ends_at_is_null) = !s;
            }
        } else if (strcmp(k, "usage_limit") == 0) {
            if (svc_settings_int(v, k, 0, INT4_MAX, true, &x, &null, e))
                row->usage_limit = (int32_t)x, row->usage_limit_is_null = null;
        } else if (strcmp(k, "per_customer_limit") == 0) {
            if (svc_settings_int(v, k, 1, INT4_MAX, true, &x, &null, e))
                row->per_customer_limit = (int32_t)x, row->per_customer_limit_is_null = null;
        } else if (strcmp(k, "active") == 0) {
            svc_settings_bool(v, k, &row->active, e);
        } else if (!strcmp(k, "id") || !strcmp(k, "times_used") || !strcmp(k, "created_at") ||
                   !strcmp(k, "revision")) {
            sf_field_fail(e, k, "is read-only");
        } else {
            sf_field_fail(e, k, "is not a field of a discount code");
        }
    }
    /* Switching the kind drops the old kind's stored fields the body did not name. */
    if ((in->set & F_KIND) && row->kind != before) {
        if (row->kind == DB_DISCOUNT_KIND_PERCENT) {
            if (!(in->set & F_AMOUNT))
                row->amount_off_is_null = true;
            if (!(in->set & F_CURRENCY))
                row->currency_is_null = true;
        } else if (!(in->set & F_PERCENT)) {
            row->percent_off_is_null = true;
        }
    }
}

/* The rules of the table's CHECK constraints (0006), each naming the field to fix. */
static void check_whole(const db_discount_code *row, sf_error *e)
{
    if (row->kind == DB_DISCOUNT_KIND_PERCENT) {
        if (row->percent_off_is_null)
            sf_field_fail(e, "percent_off", "is required for a percent code (1..100)");
        if (!row->amount_off_is_null)
            sf_field_fail(e, "amount_off", "applies only to fixed codes");
        if (!row->currency_is_null)
            sf_field_fail(e, "currency", "applies only to fixed codes");
    } else {
        if (row->amount_off_is_null)
            sf_field_fail(e, "amount_off", "is required for a fixed code (minor units)");
        if (row->currency_is_null)
            sf_field_fail(e, "currency", "is required for a fixed code");
        if (!row->percent_off_is_null)
            sf_field_fail(e, "percent_off", "applies only to percent codes");
    }
    if (!row->starts_at_is_null && !row->ends_at_is_null &&
        svc_settings_time_cmp(row->starts_at, row->ends_at) >= 0)
        sf_field_fail(e, "ends_at", "must be later than starts_at");
    if (!row->usage_limit_is_null && row->usage_limit < row->times_used)
        sf_field_fail(e, "usage_limit", "must be at least %d, the times the code was used",
                      (int)row->times_used);
}

/* --- output ----------------------------------------------------------------------- */

static const char *render(arena *a, const db_discount_code *d)
{
    jw w;
    jw_init(&w, 512);
    write_code(&w, d);
    size_t len;
    char *buf = jw_steal(&w, &len);
    return svc_settings_take(a, buf, len);
}

static void write_code(jw *w, const db_discount_code *d)
{
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, d->id);
    jw_key(w, "code");
    jw_str(w, d->code);
    jw_key(w, "kind");
    jw_str(w, db_discount_kind_str(d->kind));
    jw_key(w, "percent_off");
    d->percent_off_is_null ? jw_null(w) : jw_int(w, d->percent_off);
    jw_key(w, "amount_off");
    d->amount_off_is_null ? jw_null(w) : jw_int(w, d->amount_off);
    jw_key(w, "currency");
    jw_str(w, d->currency_is_null ? NULL : d->currency);
    jw_key(w, "min_subtotal");
    jw_int(w, d->min_subtotal);
    jw_key(w, "starts_at");
    jw_str(w, d->starts_at_is_null ? NULL : d->starts_at);
    jw_key(w, "ends_at");
    jw_str(w, d->ends_at_is_null ? NULL : d->ends_at);
    jw_key(w, "usage_limit");
    d->usage_limit_is_null ? jw_null(w) : jw_int(w, d->usage_limit);
    jw_key(w, "per_customer_limit");
    d->per_customer_limit_is_null ? jw_null(w) : jw_int(w, d->per_customer_limit);
    jw_key(w, "times_used");
    jw_int(w, d->times_used);
    jw_key(w, "active");
    jw_bool(w, d->active);
    jw_key(w, "created_at");
    jw_str(w, d->created_at);
    jw_key(w, "revision");
    jw_int(w, d->revision);
    jw_obj_end(w);
}
