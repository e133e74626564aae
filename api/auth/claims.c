/*
 * claims.c — the claims of a token whose signature has been verified, checked the way
 * aws-jwt-verify checks Cognito tokens, and copied into an auth_principal.
 *
 * Every string copied out is length-checked against its field first, and a value that
 * does not fit makes the token invalid rather than being truncated: a truncated sub or
 * group name could alias another user or role.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth_internal.h"

const char auth_why_expired[] = "token expired";
const char auth_why_id_token[] = "an ID token, but access tokens are accepted";
const char auth_why_access_token[] = "an access token, but ID tokens are accepted";

/* exp/nbf/iat beyond year 2286 are nonsense; the bound also keeps the casts defined. */
#define MAX_TIME 1e10

static bool time_claim(json_t *payload, const char *name, bool required, int64_t *out,
                       const char **why);
static bool in_allowlist(const auth_settings *s, const char *value);
static bool copy_str(json_t *payload, const char *name, bool required, char *dst, size_t cap);
static bool check_audience(const auth_settings *s, json_t *payload, bool id_token,
                           auth_principal *out, const char **why);
static bool copy_groups(const auth_settings *s, json_t *payload, auth_principal *out,
                        const char **why);

bool auth_claims_check(const auth_settings *s, json_t *payload, int64_t now, auth_principal *out,
                       const char **why)
{
    memset(out, 0, sizeof *out);
    int64_t exp, nbf, iat;
    if (!time_claim(payload, "exp", true, &exp, why))
        return false;
    if (exp + s->leeway_s <= now) {
        *why = auth_why_expired;
        return false;
    }
    if (!time_claim(payload, "nbf", false, &nbf, why) ||
        !time_claim(payload, "iat", false, &iat, why))
        return false;
    if (nbf > now + s->leeway_s) {
        *why = "token not valid yet (nbf)";
        return false;
    }
    if (iat > now + s->leeway_s) {
        *why = "token issued in the future (iat)";
        return false;
    }
    json_t *iss = json_object_get(payload, "iss");
    if (!json_is_string(iss) || strcmp(json_string_value(iss), s->issuer) != 0) {
        *why = "iss is not the configured issuer";
        return false;
    }
    json_t *use = json_object_get(payload, "token_use");
    const char *use_s = json_is_string(use) ? json_string_value(use) : "";
    bool id_token = strcmp(use_s, "id") == 0;
    if (!((strcmp(use_s, "access") == 0 && s->accept_access) || (id_token && s->accept_id))) {
        *why = id_token                       ? auth_why_id_token
               : strcmp(use_s, "access") == 0 ? auth_why_access_token
                                              : "token_use missing or not accepted";
        return false;
    }
    if (!check_audience(s, payload, id_token, out, why))
        return false;
    out->id_token = id_token;
    json_t *sub = json_object_get(payload, "sub");
    if (!json_is_string(sub) || json_string_length(sub) == 0 ||
        !copy_str(payload, "sub", true, out->sub, sizeof out->sub)) {
        *why = "sub missing, empty or longer than 63 bytes";
        return false;
    }
    if (!copy_str(payload, id_token ? "cognito:username" : "username", false, out->username,
                  sizeof out->username) ||
        !copy_str(payload, "email", false, id_token ? out->email : NULL, sizeof out->email)) {
        *why = "username or email is not a string or too long";
        return false;
    }
    if (!copy_groups(s, payload, out, why))
        return false;
    out->exp = exp;
    return true;
}

/* A NumericDate: a JSON number (integer or real), seconds since the epoch. Absent and
 * not required: *out = INT64_MIN, which passes every "not in the future" check. */
static bool time_claim(json_t *payload, const char *name, bool required, int64_t *out,
                       const char **why)
{
    json_t *v = json_object_get(payload, name);
    *out = INT64_MIN;
    if (!v && !required)
        return true;
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(d >= 0 && d < MAX_TIME)) { /* also false for NaN: missing or not a number */
        *why = required ? "exp missing or not a number" : "nbf or iat is not a number";
        return false;
    }
    *out = (int64_t)floor(d);
    return true;
}

static bool check_audience(const auth_settings *s, json_t *payload, bool id_token,
                           auth_principal *out, const char **why)
{
    /* Access tokens name the app client in client_id; ID tokens in aud (a string for
     * Cognito: an array is refused rather than searched). */
    const char *claim = id_token ? "aud" : "client_id";
    json_t *v = json_object_get(payload, claim);
    if (!json_is_string(v) || !in_allowlist(s, json_string_value(v)) ||
        !copy_str(payload, claim, true, out->client_id, sizeof out->client_id)) {
        *why =
            id_token ? "aud is not an allowed client id" : "client_id is not an allowed client id";
        return false;
    }
    return true;
}

static bool copy_groups(const auth_settings *s, json_t *payload, auth_principal *out,
                        const char **why)
{
    json_t *groups = json_object_get(payload, "cognito:groups");
    if (!groups)
        return true;
    if (!json_is_array(groups) || json_array_size(groups) > AUTH_MAX_GROUPS) {
        *why = "cognito:groups is not an array of at most 16 names";
        return false;
    }
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
    {
        size_t len = json_is_string(g) ? json_string_length(g) : 0;
        if (len == 0 || len >= sizeof out->groups[0]) {
            *why = "cognito:groups has an empty, too long or non-string name";
            return false;
        }
        memcpy(out->groups[out->ngroups], json_string_value(g), len + 1);
        if (strcmp(out->groups[out->ngroups], s->admin_group) == 0)
            out->is_admin = true;
        out->ngroups++;
    }
    return true;
}

static bool in_allowlist(const auth_settings *s, const char *value)
{
    for (int i = 0; i < s->nclient_ids; i++)
        if (strcmp(s->client_ids[i], value) == 0)
            return true;
    return false;
}

/* Copies string claim `name` into dst[cap] (dst NULL: only checks it). Absent and not
 * required leaves dst empty. False when it is not a string or does not fit. */
static bool copy_str(json_t *payload, const char *name, bool required, char *dst, size_t cap)
{
    json_t *v = json_object_get(payload, name);
    if (!v)
        return !required;
    if (!json_is_string(v) || json_string_length(v) >= cap)
        return false;
    if (dst)
        memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return true;
}
