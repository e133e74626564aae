/*
 * settings_input.c — the field checks and small helpers the three staff settings share
 * (settings.h): one message for the same mistake on discount codes, shipping methods
 * and tax rates, and each mistake caught here, naming its field, before a CHECK
 * constraint could refuse it without saying which field was wrong.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storefront/jsonutil.h"
#include "storefront/orders.h"
#include "storefront/settings.h"
#include "storefront/text.h"
#include "storefront/validate.h"

static int num(const char *s, int n);
static void to_instant(const char *s, int64_t *sec, int64_t *usec);

json_t *svc_settings_body(const char *body, size_t len, sf_error *e)
{
    json_t *j = json_parse_body(body, len, e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
        return NULL;
    }
    return j;
}

bool svc_settings_int(json_t *v, const char *field, int64_t min, int64_t max, bool nullable,
                      int64_t *out, bool *is_null, sf_error *e)
{
    if (is_null)
        *is_null = false;
    if (nullable && json_is_null(v)) {
        *is_null = true;
        *out = 0;
        return true;
    }
    /* JSON integers only: 5.0 or "5" are refused rather than guessed at. */
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        sf_field_fail(e, field, "must be an integer from %lld to %lld%s", (long long)min,
                      (long long)max, nullable ? ", or null" : "");
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

bool svc_settings_bool(json_t *v, const char *field, bool *out, sf_error *e)
{
    if (!json_is_boolean(v)) {
        sf_field_fail(e, field, "must be true or false");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool svc_settings_text(arena *a, json_t *v, const char *field, size_t max, const char **out,
                       sf_error *e)
{
    const char *s = json_string_value(v);
    size_t bytes = s ? json_string_length(v) : 0;
    /* An embedded NUL would cut the text short in C and in PostgreSQL alike. */
    if (!s || strlen(s) != bytes || utf8_length(s, bytes) < 1 || utf8_length(s, bytes) > max) {
        sf_field_fail(e, field, "must be a string of 1..%zu characters", max);
        return false;
    }
    size_t blank = 0;
    while (blank < bytes && isspace((unsigned char)s[blank]))
        blank++;
    if (blank == bytes) {
        sf_field_fail(e, field, "must not be blank");
        return false;
    }
    if (!svc_text_safe(e, field, s, false))
        return false;
    *out = arena_strdup(a, s);
    return true;
}

bool svc_settings_currency(arena *a, json_t *v, const char *field, bool nullable, const char **out,
                           sf_error *e)
{
    *out = NULL;
    if (nullable && json_is_null(v))
        return true;
    const char *s = json_string_value(v);
    if (!s || strlen(s) != 3 || !isalpha((unsigned char)s[0]) || !isalpha((unsigned char)s[1]) ||
        !isalpha((unsigned char)s[2]) || json_string_length(v) != 3) {
        sf_field_fail(e, field, "must be an ISO 4217 currency code such as USD%s",
                      nullable ? ", or null" : "");
        return false;
    }
    char *c = arena_strdup(a, s);
    for (int i = 0; i < 3; i++)
        c[i] = (char)toupper((unsigned char)c[i]);
    *out = c;
    return true;
}

bool svc_settings_time(arena *a, json_t *v, const char *field, const char **out, sf_error *e)
{
    *out = NULL;
    if (json_is_null(v))
        return true;
    const char *s = json_string_value(v);
    const char *dot = s ? strchr(s, '.') : NULL;
    /* More than microseconds would be rounded by timestamptz, so two instants that
     * differ here could be equal there: refuse rather than store something else. */
    if (!s || strlen(s) != json_string_length(v) || !svc_rfc3339_valid(s) ||
        (dot && strspn(dot + 1, "0123456789") > 6)) {
        sf_field_fail(e, field,
                      "must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z (at most "
                      "microseconds), or null");
        return false;
    }
    char *c = arena_strdup(a, s);
    for (char *p = c; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    *out = c;
    return true;
}

int svc_settings_time_cmp(const char *a, const char *b)
{
    int64_t as, au, bs, bu;
    to_instant(a, &as, &au);
    to_instant(b, &bs, &bu);
    if (as != bs)
        return as < bs ? -1 : 1;
    return au < bu ? -1 : au > bu;
}

sf_status svc_settings_duplicate(sf_error *e, const char *field, const char *what,
                                 const char *value)
{
    /* Problem bodies carry errors[] only on validation-error (openapi.yaml), so the
     * field and the value are named in the detail. */
    return sf_fail(e, SF_CONFLICT, "conflict", "%s %s already exists (%s).", what, value, field);
}

sf_status svc_settings_stale(sf_error *e, bool exists, const char *what)
{
    if (!exists)
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such %s.", what);
    return sf_fail(e, SF_CONFLICT, "precondition-failed",
                   "This %s was changed since you read it (If-Match is stale): read it again.",
                   what);
}

uint64_t svc_settings_filter_fp(const svc_setting_page_req *req)
{
    char buf[96];
    int n = snprintf(buf, sizeof buf, "%d|%s", req->active, req->q ? req->q : "");
    return fnv1a64(buf, n > 0 ? (size_t)n : 0);
}

sf_status svc_settings_create(db_pool *pool, arena *a, const auth_principal *who,
                              const char *idem_key, const char *scope, const json_t *body,
                              svc_idem_fn fn, void *ctx, const char *key_field,
                              svc_setting_created *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    char hash[65];
    svc_idem_hash(scope, body, hash);
    svc_idem_answer ans;
    if (svc_idem_run(pool, a, who, idem_key, hash, fn, ctx, &ans, e) != SF_OK)
        return e->status;
    out->status = ans.status;
    out->json = ans.body;
    out->replayed = ans.replayed;
    /* A replay has only the stored body: Location and ETag are read back from it, so
     * both answers carry the same headers. */
    json_t *j = json_loads(ans.body ? ans.body : "", 0, NULL);
    json_t *k = json_object_get(j, key_field);
    if (json_is_integer(k))
        out->key = arena_sprintf(a, "%lld", (long long)json_integer_value(k));
    else if (json_is_string(k))
        out->key = arena_strdup(a, json_string_value(k));
    out->revision = json_integer_value(json_object_get(j, "revision"));
    json_decref(j);
    if (!out->key || out->revision < 1)
        return sf_fail(e, SF_INTERNAL, "internal-error", "The stored answer is unreadable.");
    return SF_OK;
}

const char *svc_settings_take(arena *a, char *buf, size_t n)
{
    const char *s = arena_strndup(a, buf ? buf : "", buf ? n : 0);
    free(buf);
    return s;
}

/* The n decimal digits at s (already checked by svc_rfc3339_valid). */
static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Seconds since the epoch and microseconds of a valid RFC 3339 date-time. */
static void to_instant(const char *s, int64_t *sec, int64_t *usec)
{
    struct tm tm = {.tm_year = num(s, 4) - 1900,
                    .tm_mon = num(s + 5, 2) - 1,
                    .tm_mday = num(s + 8, 2),
                    .tm_hour = num(s + 11, 2),
                    .tm_min = num(s + 14, 2),
                    .tm_sec = num(s + 17, 2)};
    int64_t t = (int64_t)timegm(&tm);
    int64_t us = 0;
    const char *p = s + 19;
    if (*p == '.') {
        int digits = 0;
        for (p++; isdigit((unsigned char)*p); p++, digits++)
            if (digits < 6)
                us = us * 10 + (*p - '0');
        for (; digits < 6; digits++)
            us *= 10;
    }
    if (*p == '+' || *p == '-') {
        int64_t off = num(p + 1, 2) * 3600 + num(p + 4, 2) * 60;
        t += *p == '+' ? -off : off;
    }
    *sec = t;
    *usec = us;
}
