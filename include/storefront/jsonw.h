/*
 * jsonw.h — a small streaming JSON writer.
 *
 * Why not jansson for responses: building a 20-row list as json_t objects and then
 * json_dumps() costs more CPU than the database query that produced the rows. This
 * writer appends straight into one growing malloc buffer, handling commas and escaping.
 * jansson stays for parsing requests and for small bodies.
 *
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD, so
 * the output is always valid JSON even for hostile input (e.g. a logged URL).
 */
#ifndef STOREFRONT_JSONW_H
#define STOREFRONT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 32

typedef struct jw {
    char *buf;
    size_t len, cap;
    int depth;
    bool first[JW_MAX_DEPTH]; /* no element written yet at this depth */
    bool after_key;           /* the next value completes a "key": pair */
} jw;

void jw_init(jw *w, size_t cap);
void jw_free(jw *w);
/* Hands the buffer to the caller (who must free() it); the writer is left empty. */
char *jw_steal(jw *w, size_t *len);

void jw_obj_begin(jw *w);
void jw_obj_end(jw *w);
void jw_arr_begin(jw *w);
void jw_arr_end(jw *w);
void jw_key(jw *w, const char *key); /* key must be a plain ASCII identifier */

void jw_str(jw *w, const char *s); /* NULL writes null */
void jw_strn(jw *w, const char *s, size_t n);
/* Decimal, without printf (ids, counts, money in minor units). */
void jw_int(jw *w, int64_t v);
/* The same text as "%.15g" (non-finite values write 0); decimals of up to 3 places such as
 * ratings are formatted without printf, anything else through it. */
void jw_double(jw *w, double v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
/* Writes already-serialised JSON (e.g. a jsonb column) as a value. Trusted input only. */
void jw_raw(jw *w, const char *json, size_t n);

/* NUL-terminates the buffer (not counted in len) and returns it, for logging. */
const char *jw_cstr(jw *w);

/* Appends escaped string content without quotes, for callers writing fragments. */
void jw_escape(jw *w, const char *s, size_t n);

#endif
