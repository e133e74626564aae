/*
 * customers.c — customer rows keyed by Cognito `sub`, the editable profile, and what
 * staff read: the listing, the search by e-mail prefix and one customer. Everything
 * goes through the generated data layer; the Cognito copy is customer_profile.c.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "storefront/catalog.h"
#include "storefront/customers.h"
#include "storefront/jsonutil.h"
#include "storefront/queries_gen.h"
#include "storefront/text.h"
#include "storefront/validate.h"

#define CUSTOMER_CURSOR_SORT       100 /* cursor namespace, apart from product sorts */
#define CUSTOMER_EMAIL_CURSOR_SORT 101 /* the e-mail search's (lower(email), id) order */

static sf_status ensure_on(db_conn *c, arena *a, const auth_principal *who, db_customer *out,
                           sf_error *e);
static bool parse_display_name(arena *a, json_t *v, svc_profile_patch *p, sf_error *e);
static bool parse_phone(json_t *v, svc_profile_patch *p, sf_error *e);
static const char *now_rfc3339(arena *a);
static uint64_t prefix_fingerprint(const char *prefix);

sf_status svc_customer_ensure(db_pool *pool, arena *a, const auth_principal *who, db_customer *out,
                              sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = ensure_on(c, a, who, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_profile_patch_parse(arena *a, const char *body, size_t len, svc_profile_patch *out,
                                  sf_error *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = json_parse_body(body, len, e);
    if (!j)
        return e->status;
    if (!json_is_object(j)) {
        json_decref(j);
        return sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "display_name") == 0) {
            parse_display_name(a, v, out, e);
        } else if (strcmp(key, "phone") == 0) {
            parse_phone(v, out, e);
            out->phone = out->phone ? arena_strdup(a, out->phone) : NULL;
        } else if (strcmp(key, "marketing_opt_in") == 0) {
            if (json_is_boolean(v)) {
                out->set_marketing_opt_in = true;
                out->marketing_opt_in = json_is_true(v);
            } else {
                sf_field_fail(e, "marketing_opt_in", "must be true or false");
            }
        } else {
            sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
        }
    }
    json_decref(j);
    return e->status;
}

sf_status svc_customer_update_profile(db_pool *pool, arena *a, const auth_principal *who,
                                      const svc_profile_patch *patch, db_customer *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_customer row;
    sf_status s = ensure_on(c, a, who, &row, e);
    if (s == SF_OK) {
        if (patch->set_display_name) {
            row.display_name = (char *)patch->display_name;
            row.display_name_is_null = patch->display_name == NULL;
        }
        if (patch->set_phone) {
            row.phone = (char *)patch->phone;
            row.phone_is_null = patch->phone == NULL;
        }
        if (patch->set_marketing_opt_in)
            row.marketing_opt_in = patch->marketing_opt_in;
        row.updated_at = (char *)now_rfc3339(a);
        s = db_customer_update(c, a, &row, out, e);
    }
    db_pool_release(pool, c);
    return s;
}

sf_status svc_customers_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                             const char *cursor, int limit, svc_customer_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    int64_t after = 0;
    if (cursor) {
        const char *unused;
        if (!svc_cursor_decode(a, cursor_key, cursor, CUSTOMER_CURSOR_SORT, 0, &unused, &after))
            return (sf_field_fail(e, "cursor", "is malformed, expired, or from a different query"),
                    e->status);
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    db_customer *rows;
    size_t n;
    /* One extra row says whether another page exists. */
    sf_status s = db_customer_list(c, a, cursor ? &after : NULL, limit + 1, &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    if (n > (size_t)limit) {
        n = (size_t)limit;
        out->next_cursor =
            svc_cursor_encode(a, cursor_key, CUSTOMER_CURSOR_SORT, 0, "", rows[n - 1].id);
    }
    out->items = rows;
    out->n = n;
    return SF_OK;
}

sf_status svc_customers_by_email(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                 const char *prefix, const char *cursor, int limit,
                                 svc_customer_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    uint64_t fp = prefix_fingerprint(prefix);
    const char *after_email = NULL;
    int64_t after_id = 0;
    if (cursor && !svc_cursor_decode(a, cursor_key, cursor, CUSTOMER_EMAIL_CURSOR_SORT, fp,
                                     &after_email, &after_id))
        return (sf_field_fail(e, "cursor", "is malformed, expired, or from a different query"),
                e->status);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    /* One extra row says whether another page exists. */
    db_customer *items = NULL;
    const char *last_key = NULL;
    size_t n = 0;
    sf_status s;
    if (cursor) {
        q_customers_by_email_prefix_after_row *rows;
        s = q_customers_by_email_prefix_after(
            c, a,
            &(q_customers_by_email_prefix_after_params){.after_email = after_email,
                                                        .prefix = prefix,
                                                        .after_id = after_id,
                                                        .lim = limit + 1},
            &rows, &n, e);
        items = s == SF_OK ? arena_alloc(a, (n + 1) * sizeof *items) : NULL;
        for (size_t i = 0; items && i < n; i++)
            items[i] = rows[i].customer;
        last_key = s == SF_OK && n > (size_t)limit ? rows[limit - 1].email_key : NULL;
    } else {
        q_customers_by_email_prefix_row *rows;
        s = q_customers_by_email_prefix(
            c, a, &(q_customers_by_email_prefix_params){.prefix = prefix, .lim = limit + 1}, &rows,
            &n, e);
        items = s == SF_OK ? arena_alloc(a, (n + 1) * sizeof *items) : NULL;
        for (size_t i = 0; items && i < n; i++)
            items[i] = rows[i].customer;
        last_key = s == SF_OK && n > (size_t)limit ? rows[limit - 1].email_key : NULL;
    }
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    if (last_key) {
        n = (size_t)limit;
        out->next_cursor = svc_cursor_encode(a, cursor_key, CUSTOMER_EMAIL_CURSOR_SORT, fp,
                                             last_key, items[n - 1].id);
    }
    out->items = items;
    out->n = n;
    return SF_OK;
}

sf_status svc_customer_get(db_pool *pool, arena *a, int64_t id, db_customer *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_customer_get(c, a, id, out, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No customer has id %lld.", (long long)id);
    }
    return s;
}

/* --- static helpers --------------------------------------------------------------- */

/* Binds a cursor to its search: the prefix with ASCII letters folded, as the query
 * folds them, so "Ada" and "ada" pages continue each other. */
static uint64_t prefix_fingerprint(const char *prefix)
{
    char buf[1024];
    size_t n = strnlen(prefix, sizeof buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)prefix[i]);
    return fnv1a64(buf, n);
}

static sf_status ensure_on(db_conn *c, arena *a, const auth_principal *who, db_customer *out,
                           sf_error *e)
{
    sf_status s = db_customer_get_by_cognito_sub(c, a, who->sub, out, e);
    if (s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    db_customer in = {
        .cognito_sub = (char *)who->sub,
        .username = (char *)who->username,
        .username_is_set = true,
        .email = who->email[0] ? (char *)who->email : NULL,
        .email_is_null = who->email[0] == '\0',
        .display_name_is_null = true,
        .phone_is_null = true,
        .name_is_null = true,
        .email_verified_is_null = true,
        .profile_synced_at_is_null = true, /* not copied from Cognito yet */
    };
    s = db_customer_insert(c, a, &in, out, e);
    if (s == SF_CONFLICT) {
        /* Another request for the same person created the row first. */
        sf_error_clear(e);
        s = db_customer_get_by_cognito_sub(c, a, who->sub, out, e);
    }
    return s;
}

static bool parse_display_name(arena *a, json_t *v, svc_profile_patch *p, sf_error *e)
{
    p->set_display_name = true;
    if (json_is_null(v)) {
        p->display_name = NULL;
        return true;
    }
    if (!json_is_string(v)) {
        sf_field_fail(e, "display_name", "must be a string or null");
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t chars = utf8_length(s, n);
    if (chars < 1 || chars > 100) {
        sf_field_fail(e, "display_name", "must be 1 to 100 characters");
        return false;
    }
    p->display_name = arena_strndup(a, s, n);
    /* Staff read it beside orders: no control, invisible or bidi-override characters. */
    return svc_text_safe(e, "display_name", p->display_name, false);
}

static bool parse_phone(json_t *v, svc_profile_patch *p, sf_error *e)
{
    p->set_phone = true;
    p->phone = NULL;
    if (json_is_null(v))
        return true;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    size_t n = s ? strlen(s) : 0;
    bool ok = s && n >= 8 && n <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9' &&
              strspn(s + 1, "0123456789") == n - 1;
    if (!ok) {
        sf_field_fail(e, "phone", "must be an E.164 number such as +14155550123, or null");
        return false;
    }
    p->phone = s;
    return true;
}

static const char *now_rfc3339(arena *a)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    return arena_sprintf(a, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         ts.tv_nsec / 1000);
}
