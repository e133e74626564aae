/*
 * jsonutil.h — safe parsing of request bodies with jansson.
 *
 * jansson's parser recurses once per nesting level, so a body of a million '[' would
 * exhaust the stack; the depth is checked with a flat scan first. Duplicate keys are
 * rejected: two values for one field must not mean "whichever came last".
 */
#ifndef STOREFRONT_JSONUTIL_H
#define STOREFRONT_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

#include "storefront/error.h"

#define JSON_MAX_DEPTH 32

/* Parses body into a new reference (caller decrefs). NULL + SF_INVALID with code
 * "bad-request" when the body is not UTF-8 JSON, nests deeper than JSON_MAX_DEPTH or
 * repeats a key. */
json_t *json_parse_body(const char *body, size_t len, sf_error *e);

/* Nesting depth of the JSON text (brackets outside strings), stopping early past max. */
int json_nesting_depth(const char *s, size_t n, int max);

#endif
