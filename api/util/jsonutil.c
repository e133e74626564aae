/*
 * jsonutil.c — request-body parsing with a nesting limit (see jsonutil.h).
 */
#include "storefront/jsonutil.h"

#include "storefront/text.h"

int json_nesting_depth(const char *s, size_t n, int max)
{
    int depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest && (deepest = depth) > max)
                return deepest;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return deepest;
}

json_t *json_parse_body(const char *body, size_t len, sf_error *e)
{
    if (!body || len == 0) {
        sf_fail(e, SF_INVALID, "bad-request", "The request body is empty; send a JSON object.");
        return NULL;
    }
    if (!utf8_valid(body, len)) {
        sf_fail(e, SF_INVALID, "bad-request", "The request body is not valid UTF-8.");
        return NULL;
    }
    if (json_nesting_depth(body, len, JSON_MAX_DEPTH) > JSON_MAX_DEPTH) {
        sf_fail(e, SF_INVALID, "bad-request", "The JSON body nests deeper than %d levels.",
                JSON_MAX_DEPTH);
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        sf_fail(e, SF_INVALID, "bad-request", "The body is not valid JSON (line %d, column %d).",
                err.line, err.column);
    return j;
}
