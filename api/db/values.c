/*
 * values.c — text forms of parameters and array results for the generated queries
 * (queries_gen.c): PostgreSQL's one-dimensional array literal both ways, and floats.
 * Pure string work; the PGresult accessors that use it live in pool.c.
 */
#include "values.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db.h"

static void sb_grow(arena *a, char **buf, size_t *cap, size_t need);

char *db_param_double(arena *a, double v)
{
    return arena_sprintf(a, "%.17g", v);
}

char *db_param_int64_array(arena *a, const int64_t *v, size_t n)
{
    char *out = arena_alloc(a, 2 + n * 21 + 1), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%" PRId64, i ? "," : "", v[i]);
    *p++ = '}';
    *p = '\0';
    return out;
}

char *db_param_int32_array(arena *a, const int32_t *v, size_t n)
{
    char *out = arena_alloc(a, 2 + n * 12 + 1), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%" PRId32, i ? "," : "", v[i]);
    *p++ = '}';
    *p = '\0';
    return out;
}

/* Every element double-quoted (so commas, braces, spaces and the word NULL stay data),
 * with " and \ escaped by a backslash. */
char *db_param_text_array(arena *a, const char *const *v, size_t n)
{
    size_t need = 3;
    for (size_t i = 0; i < n; i++)
        need += v[i] ? 2 * strlen(v[i]) + 3 : 5;
    char *out = arena_alloc(a, need), *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        if (!v[i]) {
            memcpy(p, "NULL", 4);
            p += 4;
            continue;
        }
        *p++ = '"';
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

int db_parse_text_array(arena *a, const char *s, char ***v, size_t *n)
{
    *v = NULL;
    *n = 0;
    if (*s++ != '{')
        return -1;
    size_t cap = 0, len = 0;
    char **items = NULL;
    while (*s && *s != '}') {
        size_t bcap = 16, blen = 0;
        char *buf = arena_alloc(a, bcap);
        bool quoted = *s == '"', null = false;
        if (quoted) {
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1])
                    s++;
                sb_grow(a, &buf, &bcap, blen + 2);
                buf[blen++] = *s;
            }
            if (*s++ != '"')
                return -1;
        } else {
            for (; *s && *s != ',' && *s != '}'; s++) {
                sb_grow(a, &buf, &bcap, blen + 2);
                buf[blen++] = *s;
            }
            null = blen == 4 && strncmp(buf, "NULL", 4) == 0;
        }
        buf[blen] = '\0';
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            char **nv = arena_alloc(a, ncap * sizeof *nv);
            if (len)
                memcpy(nv, items, len * sizeof *nv);
            items = nv;
            cap = ncap;
        }
        items[len++] = null ? NULL : buf;
        if (*s == ',')
            s++;
        else if (*s != '}')
            return -1;
    }
    if (*s != '}' || s[1])
        return -1;
    *v = items;
    *n = len;
    return 1;
}

int db_parse_int64_array(arena *a, const char *s, int64_t **v, size_t *n)
{
    char **items;
    if (db_parse_text_array(a, s, &items, n) < 0)
        return -1;
    *v = *n ? arena_alloc(a, *n * sizeof **v) : NULL;
    for (size_t i = 0; i < *n; i++) {
        char *end;
        if (!items[i])
            return -1;
        (*v)[i] = strtoll(items[i], &end, 10);
        if (*end || end == items[i])
            return -1;
    }
    return 1;
}

/* --- static helpers --------------------------------------------------------------- */

static void sb_grow(arena *a, char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap * 2 > need ? *cap * 2 : need;
    char *nb = arena_alloc(a, ncap);
    memcpy(nb, *buf, *cap);
    *buf = nb;
    *cap = ncap;
}
