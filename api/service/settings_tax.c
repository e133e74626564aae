/*
 * settings_tax.c — staff CRUD of tax rates (/v1/admin/tax-rates, see settings.h and
 * docs/back-office-settings.md): one rate in basis points per shipping country; a
 * country without a row pays no tax. Checkout reads the rate of the order's country in
 * its own transaction (checkout.c), so a changed rate is charged from the next order on;
 * placed orders keep the tax they were charged.
 */
#include <ctype.h>
#include <string.h>

#include "storefront/addresses.h"
#include "storefront/catalog.h"
#include "storefront/jsonw.h"
#include "storefront/queries_gen.h"
#include "storefront/settings.h"

#define CURSOR_SORT 42

static sf_status parse(arena *a, const char *body, size_t len, bool create, db_tax_rate *out,
                       json_t **j, sf_error *e);
static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e);
static sf_status exists(db_conn *c, arena *a, const char *country, bool *yes, sf_error *e);
static const char *render(arena *a, const db_tax_rate *t);
static void write_rate(jw *w, const db_tax_rate *t);

const char *svc_country_norm(arena *a, const char *s)
{
    if (!s || strlen(s) != 2 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]))
        return NULL;
    return arena_sprintf(a, "%c%c", toupper((unsigned char)s[0]), toupper((unsigned char)s[1]));
}

sf_status svc_tax_rates_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                             const svc_setting_page_req *req, const char **json, sf_error *e)
{
    const char *after = NULL;
    int64_t ignored;
    if (req->cursor &&
        (!svc_cursor_decode(a, cursor_key, req->cursor, CURSOR_SORT, 0, &after, &ignored) ||
         !svc_country_norm(a, after))) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_tax_page_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_settings_tax_page(
        c, a, &(q_settings_tax_page_params){.after_country = after, .max_rows = req->limit + 1},
        &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    jw w;
    jw_init(&w, 128 + n * 64);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    size_t shown = n > (size_t)req->limit ? (size_t)req->limit : n;
    for (size_t i = 0; i < shown; i++)
        write_rate(&w, &rows[i].tax_rate);
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    if (n > shown)
        jw_str(&w, svc_cursor_encode(a, cursor_key, CURSOR_SORT, 0,
                                     rows[shown - 1].tax_rate.country, 0));
    else
        jw_null(&w);
    jw_obj_end(&w);
    size_t len;
    char *buf = jw_steal(&w, &len);
    *json = svc_settings_take(a, buf, len);
    return SF_OK;
}

sf_status svc_tax_rate_get(db_pool *pool, arena *a, const char *country, svc_setting *out,
                           sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_tax_get_row row;
    sf_status s =
        q_settings_tax_get(c, a, &(q_settings_tax_get_params){.country = country}, &row, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return svc_settings_stale((sf_error_clear(e), e), false, "tax rate");
    if (s == SF_OK)
        *out = (svc_setting){render(a, &row.tax_rate), row.tax_rate.revision};
    return s;
}

sf_status svc_tax_rate_create(db_pool *pool, arena *a, const auth_principal *who,
                              const char *idem_key, const char *body, size_t len,
                              svc_setting_created *out, sf_error *e)
{
    db_tax_rate in;
    json_t *j;
    if (parse(a, body, len, true, &in, &j, e) != SF_OK)
        return e->status;
    sf_status s = svc_settings_create(pool, a, who, idem_key, "POST /v1/admin/tax-rates", j,
                                      create_step, &in, "country", out, e);
    json_decref(j);
    return s;
}

sf_status svc_tax_rate_update(db_pool *pool, arena *a, const char *country, int64_t revision,
                              const char *body, size_t len, svc_setting *out, sf_error *e)
{
    db_tax_rate in;
    json_t *j;
    if (parse(a, body, len, false, &in, &j, e) != SF_OK)
        return e->status;
    json_decref(j);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_settings_tax_update_row row;
    sf_status s = q_settings_tax_update(
        c, a,
        &(q_settings_tax_update_params){
            .rate_bp = in.rate_bp, .country = country, .revision = (int32_t)revision},
        &row, e);
    bool yes = false;
    /* No row: missing (404) or changed since the caller read it (412). */
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        if ((s = exists(c, a, country, &yes, e)) == SF_OK)
            s = svc_settings_stale(e, yes, "tax rate");
    }
    db_pool_release(pool, c);
    if (s == SF_OK)
        *out = (svc_setting){render(a, &row.tax_rate), row.tax_rate.revision};
    return s;
}

sf_status svc_tax_rate_delete(db_pool *pool, arena *a, const char *country, int64_t revision,
                              sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    long n = 0;
    bool yes = false;
    sf_status s = q_settings_tax_delete(
        c, &(q_settings_tax_delete_params){.country = country, .revision = (int32_t)revision}, &n,
        e);
    if (s == SF_OK && n == 0 && (s = exists(c, a, country, &yes, e)) == SF_OK)
        s = svc_settings_stale(e, yes, "tax rate");
    db_pool_release(pool, c);
    return s;
}

static sf_status exists(db_conn *c, arena *a, const char *country, bool *yes, sf_error *e)
{
    q_settings_tax_get_row cur;
    sf_status s =
        q_settings_tax_get(c, a, &(q_settings_tax_get_params){.country = country}, &cur, e);
    *yes = s == SF_OK;
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return SF_OK;
    }
    return s;
}

static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e)
{
    (void)actor_id;
    const db_tax_rate *v = ctx;
    q_settings_tax_insert_row row;
    sf_status s = q_settings_tax_insert(
        c, a, &(q_settings_tax_insert_params){.country = v->country, .rate_bp = v->rate_bp}, &row,
        e);
    if (s == SF_NOT_FOUND)
        return svc_settings_duplicate((sf_error_clear(e), e), "country", "A tax rate for",
                                      v->country);
    if (s != SF_OK)
        return s;
    *out = (svc_idem_answer){.status = 201, .body = render(a, &row.tax_rate)};
    return SF_OK;
}

/* {country, rate_bp} for a create; {rate_bp} for an update (the country is the key:
 * 400 when sent). rate_bp is required by both: it is all a rate has. */
static sf_status parse(arena *a, const char *body, size_t len, bool create, db_tax_rate *out,
                       json_t **j, sf_error *e)
{
    memset(out, 0, sizeof *out);
    out->rate_bp = -1;
    *j = svc_settings_body(body, len, e);
    if (!*j)
        return e->status;
    const char *k;
    json_t *v;
    int64_t x;
    json_object_foreach(*j, k, v)
    {
        if (strcmp(k, "country") == 0) {
            const char *cc = svc_country_norm(a, json_string_value(v));
            if (!create)
                sf_field_fail(e, k, "cannot be changed: it is the key (create another rate)");
            else if (!cc || !svc_country_valid(cc))
                sf_field_fail(e, k, "must be an ISO 3166-1 alpha-2 country code such as DE");
            else
                out->country = (char *)cc;
        } else if (strcmp(k, "rate_bp") == 0) {
            if (svc_settings_int(v, k, 0, 10000, false, &x, NULL, e))
                out->rate_bp = (int32_t)x;
        } else if (strcmp(k, "revision") == 0) {
            sf_field_fail(e, k, "is read-only");
        } else {
            sf_field_fail(e, k, "is not a field of a tax rate");
        }
    }
    if (create && !json_object_get(*j, "country"))
        sf_field_fail(e, "country", "is required");
    if (!json_object_get(*j, "rate_bp"))
        sf_field_fail(e, "rate_bp", "is required (basis points: 1900 = 19 %%)");
    if (e->status != SF_OK) {
        json_decref(*j);
        *j = NULL;
    }
    return e->status;
}

static const char *render(arena *a, const db_tax_rate *t)
{
    jw w;
    jw_init(&w, 96);
    write_rate(&w, t);
    size_t len;
    char *buf = jw_steal(&w, &len);
    return svc_settings_take(a, buf, len);
}

static void write_rate(jw *w, const db_tax_rate *t)
{
    jw_obj_begin(w);
    jw_key(w, "country");
    jw_str(w, t->country);
    jw_key(w, "rate_bp");
    jw_int(w, t->rate_bp);
    jw_key(w, "revision");
    jw_int(w, t->revision);
    jw_obj_end(w);
}
