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

/* Parses a body that must be one JSON object into a new reference (caller decrefs).
 * NULL + SF_INVALID with code "bad-request" and a detail naming the cause when the body
 * is empty, not UTF-8, not JSON, nests deeper than JSON_MAX_DEPTH, repeats a key in one
 * object, has an integer beyond 64 bits, or is an array, null, string, number or
 * boolean. */
json_t *json_parse_body(const char *body, size_t len, sf_error *e);

/* Nesting depth of the JSON text (brackets outside strings), stopping early past max. */
int json_nesting_depth(const char *s, size_t n, int max);

#endif
