/*
 * sqlbuf.c — see sqlbuf.h.
 */
#include "sqlbuf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void put(sql_buf *b, const char *s, size_t n);
static const char *lookup(const char *const *list, const char *name, size_t n, bool *found);

void sql_frag(sql_buf *b, const char *frag, const char *const *slots, const char *const *params)
{
    /* The parameters this call bound: name (pointer into frag, length) and number. */
    struct {
        const char *name;
        size_t len;
        int n;
    } bound[SQL_BUF_PARAMS];
    int nbound = 0;

    if (b->len)
        put(b, " ", 1);
    for (const char *p = frag; *p;) {
        if (*p == '\'') { /* a string literal, verbatim */
            const char *e = strchr(p + 1, '\'');
            size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
            put(b, p, n);
            p += n;
        } else if (*p == '{') {
            const char *e = strchr(p, '}');
            bool found = false;
            const char *v = e ? lookup(slots, p + 1, (size_t)(e - p - 1), &found) : NULL;
            if (!found || !v) {
                b->overflow = true;
                return;
            }
            put(b, v, strlen(v));
            p = e + 1;
        } else if (*p == '@' && (islower((unsigned char)p[1]) || p[1] == '_')) {
            const char *s = ++p;
            while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
                p++;
            size_t len = (size_t)(p - s);
            int n = 0;
            for (int i = 0; i < nbound && !n; i++)
                if (bound[i].len == len && strncmp(bound[i].name, s, len) == 0)
                    n = bound[i].n;
            if (!n) {
                bool found = false;
                const char *v = lookup(params, s, len, &found);
                if (!found || b->nparams == SQL_BUF_PARAMS || nbound == SQL_BUF_PARAMS) {
                    b->overflow = true;
                    return;
                }
                b->params[b->nparams++] = v;
                n = b->nparams;
                bound[nbound].name = s;
                bound[nbound].len = len;
                bound[nbound++].n = n;
            }
            char num[16];
            int k = snprintf(num, sizeof num, "$%d", n);
            put(b, num, (size_t)k);
        } else {
            put(b, p++, 1);
        }
    }
}

PGresult *sql_buf_exec(db_conn *c, const sql_buf *b, sf_error *e)
{
    if (b->overflow) {
        sf_fail(e, SF_INTERNAL, NULL, "assembled statement too large");
        return NULL;
    }
    return db_exec_sql(c, b->text, b->nparams, b->params, e);
}

/* --- static helpers --------------------------------------------------------------- */

static void put(sql_buf *b, const char *s, size_t n)
{
    if (b->len + n >= sizeof b->text) {
        b->overflow = true;
        n = sizeof b->text - b->len - 1;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

static const char *lookup(const char *const *list, const char *name, size_t n, bool *found)
{
    for (; list && list[0]; list += 2)
        if (strlen(list[0]) == n && strncmp(list[0], name, n) == 0) {
            *found = true;
            return list[1];
        }
    *found = false;
    return NULL;
}
