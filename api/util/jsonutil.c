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
    /* JSON_DECODE_ANY so that a body of `null` or `42` is named for what it is below,
     * not reported as a syntax error. */
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!j) {
        switch (json_error_code(&err)) {
        case json_error_duplicate_key:
            sf_fail(e, SF_INVALID, "bad-request",
                    "The JSON body has the same key twice in one object (line %d, column %d): "
                    "%s.",
                    err.line, err.column, err.text);
            break;
        case json_error_numeric_overflow:
            sf_fail(e, SF_INVALID, "bad-request",
                    "A number in the JSON body is too large (line %d, column %d): integers must "
                    "fit in 64 bits.",
                    err.line, err.column);
            break;
        default:
            sf_fail(e, SF_INVALID, "bad-request",
                    "The body is not valid JSON (line %d, column %d): %s.", err.line, err.column,
                    err.text);
        }
        return NULL;
    }
    if (!json_is_object(j)) {
        sf_fail(e, SF_INVALID, "bad-request", "The JSON body is %s; send a JSON object.",
                json_is_array(j)    ? "an array"
                : json_is_null(j)   ? "null"
                : json_is_string(j) ? "a string"
                : json_is_number(j) ? "a number"
                                    : "a boolean");
        json_decref(j);
        return NULL;
    }
    return j;
}
