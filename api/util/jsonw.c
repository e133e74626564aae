/*
 * jsonw.c — streaming JSON writer (see include/storefront/jsonw.h).
 *
 * Why the care over bytes and calls: a product list page is ~1,000 small writes (keys,
 * ids, prices, punctuation). Each used to cost a printf or a reserve()+memcpy() of one
 * byte; now integers go through text_fmt_i64, doubles that are short decimals (ratings)
 * through text_fmt_fixed, and a key is one reserve and one copy.
 */
#include "storefront/jsonw.h"
#include "storefront/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(jw *w, size_t extra);
static void put(jw *w, const char *s, size_t n);
static void value_prefix(jw *w);
static size_t short_decimal(char *out, double v);

void jw_init(jw *w, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->cap = cap ? cap : 1024;
    w->buf = malloc(w->cap);
    if (!w->buf)
        abort();
    w->first[0] = true;
}

void jw_free(jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

char *jw_steal(jw *w, size_t *len)
{
    char *b = w->buf;
    *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return b;
}

const char *jw_cstr(jw *w)
{
    reserve(w, 1);
    w->buf[w->len] = '\0';
    return w->buf;
}

void jw_obj_begin(jw *w)
{
    value_prefix(w);
    put(w, "{", 1);
    if (w->depth < JW_MAX_DEPTH - 1)
        w->first[++w->depth] = true;
}

void jw_obj_end(jw *w)
{
    if (w->depth > 0)
        w->depth--;
    put(w, "}", 1);
}

void jw_arr_begin(jw *w)
{
    value_prefix(w);
    put(w, "[", 1);
    if (w->depth < JW_MAX_DEPTH - 1)
        w->first[++w->depth] = true;
}

void jw_arr_end(jw *w)
{
    if (w->depth > 0)
        w->depth--;
    put(w, "]", 1);
}

void jw_key(jw *w, const char *key)
{
    size_t n = strlen(key);
    reserve(w, n + 4); /* , " key " : — one check and one copy for the whole key */
    char *o = w->buf + w->len;
    if (!w->first[w->depth])
        *o++ = ',';
    w->first[w->depth] = false;
    *o++ = '"';
    memcpy(o, key, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    w->len = (size_t)(o - w->buf);
    w->after_key = true;
}

void jw_str(jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_strn(jw *w, const char *s, size_t n)
{
    value_prefix(w);
    put(w, "\"", 1);
    jw_escape(w, s, n);
    put(w, "\"", 1);
}

void jw_int(jw *w, int64_t v)
{
    value_prefix(w);
    reserve(w, 22);
    w->len += text_fmt_i64(w->buf + w->len, v);
}

void jw_double(jw *w, double v)
{
    char tmp[32];
    if (!isfinite(v))
        v = 0;
    size_t n = short_decimal(tmp, v);
    if (!n)
        n = (size_t)snprintf(tmp, sizeof tmp, "%.15g", v);
    value_prefix(w);
    put(w, tmp, n);
}

void jw_bool(jw *w, bool v)
{
    value_prefix(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w)
{
    value_prefix(w);
    put(w, "null", 4);
}

void jw_raw(jw *w, const char *json, size_t n)
{
    value_prefix(w);
    put(w, json, n);
}

void jw_escape(jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    reserve(w, n + 2);
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            /* Fast path: copy the run of plain ASCII in one go. */
            size_t j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
                j++;
            put(w, s + i, j - i);
            i = j;
        } else if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(w, esc, 2);
            i++;
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            switch (c) {
            case '\n': put(w, "\\n", 2); break;
            case '\r': put(w, "\\r", 2); break;
            case '\t': put(w, "\\t", 2); break;
            default: put(w, esc, 6); break;
            }
            i++;
        } else {
            size_t len = utf8_seq_len(p + i, n - i);
            if (len) {
                put(w, s + i, len);
                i += len;
            } else {
                put(w, "\\ufffd", 6);
                i++;
            }
        }
    }
}

/* --- static helpers --------------------------------------------------------------- */

static void reserve(jw *w, size_t extra)
{
    if (w->len + extra <= w->cap)
        return;
    /* Doubling: a body of n bytes costs O(log n) reallocs whatever the caller's first
     * guess, and never less than 4 KiB at a time, so a small guess does not cost a
     * realloc per few keys. */
    size_t cap = w->cap >= 4096 ? w->cap : 4096;
    while (cap < w->len + extra)
        cap *= 2;
    char *b = realloc(w->buf, cap);
    if (!b)
        abort();
    w->buf = b;
    w->cap = cap;
}

static void put(jw *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void value_prefix(jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth]) {
        reserve(w, 1);
        w->buf[w->len++] = ',';
    }
    w->first[w->depth] = false;
}

/* The text "%.15g" would give for v when v is a decimal with at most 3 decimals below
 * 10^15 (ratings such as 4.5, whole numbers), else 0 (the caller falls back to printf).
 * Exact: r = round(v·10^d) is an integer below 2^53, so r / 10^d is the correctly rounded
 * double of the decimal r·10^-d; when that equals v, v is the double nearest to the
 * decimal, and "%.15g" prints any decimal of at most 15 significant digits back from its
 * nearest double — i.e. r·10^-d, trailing zeros dropped, as below. -0 is left to printf
 * ("-0"). */
static size_t short_decimal(char *out, double v)
{
    static const double pow10[] = {1, 10, 100, 1000};
    if (!(fabs(v) < 1e15) || (v == 0 && signbit(v)))
        return 0;
    for (unsigned d = 0; d < 4; d++) {
        double r = nearbyint(v * pow10[d]);
        if (fabs(r) >= 1e15)
            return 0;
        if (r / pow10[d] == v) {
            size_t n = text_fmt_fixed(out, (int64_t)r, d);
            if (d) {
                while (out[n - 1] == '0')
                    n--;
                if (out[n - 1] == '.')
                    n--;
                out[n] = '\0';
            }
            return n;
        }
    }
    return 0;
}
