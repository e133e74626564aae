/*
 * query.c — query-string parsing and typed parameter readers.
 *
 * We parse the raw query ourselves instead of using the decoded map from libmicrohttpd:
 * that map silently truncates at a decoded %00 and cannot tell us about duplicates or
 * invalid UTF-8, all of which must be a clear 400 rather than a different query.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "storefront/carts.h"
#include "storefront/text.h"

static bool param_declared(const http_route *r, const char *key);
static bool path_int(const char *s, int64_t *out);

sf_status http_query_parse(http_ctx *c, const char *raw, sf_error *e)
{
    const char *p = raw;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > 0) {
            const char *eq = memchr(p, '=', n);
            size_t kn = eq ? (size_t)(eq - p) : n;
            size_t vn = eq ? n - kn - 1 : 0;
            char *key = arena_alloc(c->a, kn + 1), *val = arena_alloc(c->a, vn + 1);
            long kd = percent_decode(p, kn, key);
            long vd = eq ? percent_decode(eq + 1, vn, val) : (val[0] = '\0', 0);
            const char *field = kd > 0 && utf8_valid(key, (size_t)kd) && !memchr(key, 0, (size_t)kd)
                                    ? key
                                    : "query";
            if (kd <= 0 || vd < 0)
                sf_field_fail(e, field, "is not correctly percent-encoded");
            else if (memchr(key, 0, (size_t)kd) || memchr(val, 0, (size_t)vd))
                sf_field_fail(e, field, "must not contain NUL bytes");
            else if (!utf8_valid(key, (size_t)kd) || !utf8_valid(val, (size_t)vd))
                sf_field_fail(e, field, "must be valid UTF-8");
            else if (!param_declared(c->route, key))
                sf_field_fail(e, field, "is not a known parameter");
            else if (http_query_get(c, key))
                sf_field_fail(e, field, "is given more than once");
            else if (c->nquery == HTTP_MAX_QUERY)
                sf_field_fail(e, "query", "has too many parameters");
            else
                c->query[c->nquery++] = (http_query_param){key, val};
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    if (e->status != SF_OK) {
        e->code = "validation-error";
        snprintf(e->detail, sizeof e->detail, "The query string has invalid parameters.");
    }
    return e->status;
}

const char *http_query_get(const http_ctx *c, const char *key)
{
    for (int i = 0; i < c->nquery; i++)
        if (strcmp(c->query[i].key, key) == 0)
            return c->query[i].value;
    return NULL;
}

bool http_query_int(http_ctx *c, const char *key, int64_t def, int64_t min, int64_t max,
                    int64_t *out, sf_error *e)
{
    const char *v = http_query_get(c, key);
    *out = def;
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    /* Digits only: strtoll would also take " 5", "+5" and "0x10". */
    bool digits = v[0] && strspn(v, "0123456789") == strlen(v);
    if (!digits || errno || *end || n < min || n > max) {
        sf_field_fail(e, key, "must be an integer from %lld to %lld", (long long)min,
                      (long long)max);
        return false;
    }
    *out = n;
    return true;
}

bool http_query_bool(http_ctx *c, const char *key, bool def, bool *out, sf_error *e)
{
    const char *v = http_query_get(c, key);
    *out = def;
    if (!v)
        return true;
    if (strcmp(v, "true") == 0) {
        *out = true;
    } else if (strcmp(v, "false") == 0) {
        *out = false;
    } else {
        sf_field_fail(e, key, "must be true or false");
        return false;
    }
    return true;
}

bool http_query_enum(http_ctx *c, const char *key, const char *const *choices, int *out,
                     sf_error *e)
{
    const char *v = http_query_get(c, key);
    *out = -1;
    if (!v)
        return true;
    for (int i = 0; choices[i]; i++) {
        if (strcmp(v, choices[i]) == 0) {
            *out = i;
            return true;
        }
    }
    char list[200] = "";
    for (int i = 0; choices[i]; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, choices[i], sizeof list - strlen(list) - 1);
    }
    sf_field_fail(e, key, "must be one of: %s", list);
    return false;
}

bool http_query_string(http_ctx *c, const char *key, size_t max_chars, const char **out,
                       sf_error *e)
{
    const char *v = http_query_get(c, key);
    *out = NULL;
    if (!v)
        return true;
    size_t chars = utf8_length(v, strlen(v));
    if (chars == 0 || chars > max_chars) {
        sf_field_fail(e, key, "must be 1 to %zu characters long", max_chars);
        return false;
    }
    *out = v;
    return true;
}

bool http_slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        bool ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                  (s[i] == '-' && s[i + 1] != '-');
        if (!ok)
            return false;
    }
    return true;
}

bool http_path_slug_or_problem(http_ctx *c)
{
    if (http_slug_valid(c->path_param))
        return true;
    sf_error e;
    sf_error_clear(&e);
    sf_field_fail(&e, "slug", "must be lowercase letters, digits and dashes");
    http_send_error(c, &e);
    return false;
}

bool http_path_params_or_problem(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *p = c->route->pattern;
    bool cart = strncmp(p, "/v1/carts/", 10) == 0;
    for (int i = 0; i < 2 && (p = strchr(p, '{')); i++, p++) {
        const char *value = i == 0 ? c->path_param : c->path_param2;
        if (cart && strncmp(p, "{id}", 4) == 0) {
            if (!svc_cart_id_valid(value))
                sf_field_fail(&e, "id", "must be a cart id (22 base64url characters)");
        } else if (strncmp(p, "{id}", 4) == 0) {
            if (!path_int(value, &c->path_id))
                sf_field_fail(&e, "id", "must be a positive integer below 2^53");
        } else if (strncmp(p, "{item_id}", 9) == 0) {
            if (!path_int(value, &c->path_item_id))
                sf_field_fail(&e, "item_id", "must be a positive integer below 2^53");
        }
    }
    if (e.status == SF_OK)
        return true;
    http_send_error(c, &e);
    return false;
}

/* A positive integer below 2^53 in plain decimal: no sign, no leading zero, no
 * spaces; 16 digits at most so the range check cannot overflow. */
static bool path_int(const char *s, int64_t *out)
{
    s = s ? s : "";
    size_t n = strlen(s);
    bool ok = n >= 1 && n <= 16 && s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == n;
    int64_t v = ok ? (int64_t)strtoll(s, NULL, 10) : 0;
    if (!ok || v >= ((int64_t)1 << 53))
        return false;
    *out = v;
    return true;
}

static bool param_declared(const http_route *r, const char *key)
{
    if (!r || !r->params)
        return false;
    for (int i = 0; r->params[i]; i++)
        if (strcmp(r->params[i], key) == 0)
            return true;
    return false;
}
