/*
 * described.c — schema/queries/described.txt: the types PostgreSQL reported for every
 * query, committed so that building needs no database (the way sqlx's offline mode and
 * pggen's checked-in output work).
 *
 *   migrations <hash of every migration>
 *   query <name> <hash of its SQL>
 *   param <name> <pgtype>
 *   col <name> <pgtype> null|notnull
 *
 * The hashes make a stale file impossible to use: a query whose SQL changed, a new
 * query, or any change to the migrations stops the build at the query's file:line (or
 * the file's) with the command that refreshes it (`make describe`).
 */
#include "query.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static query *find(query_set *qs, const char *name);
static sql_enum *find_enum(const schema *s, const char *name);

void described_read(query_set *qs, const schema *s, const char *path, const char *text)
{
    query *cur = NULL;
    bool migrations_ok = false;
    int lineno = 0, pi = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *line = xstrndup(p, len);
        p += len + (e != NULL);
        lineno++;
        char a[256], b[256], c[32];
        uint64_t h;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (sscanf(line, "migrations %" SCNx64, &h) == 1) {
            migrations_ok = h == qs->migrations_hash;
        } else if (sscanf(line, "query %255s %" SCNx64, a, &h) == 2) {
            cur = find(qs, a);
            if (cur && cur->hash != h)
                cur = NULL; /* its SQL changed: reported below */
            if (cur) {
                cur->described = true;
                cur->ncols = 0;
            }
            pi = 0;
        } else if (sscanf(line, "param %255s %255s", b, a) == 2) {
            /* Names and NULL-ability come from the source (@name, in order of first use). */
            if (!cur)
                continue;
            if (pi >= cur->nparams)
                die_at(cur->file, cur->line,
                       "%s lists more parameters than `%s` has: run `make describe`", path,
                       cur->name);
            cur->params[pi].pgtype = xstrdup(a);
            cur->params[pi++].en = find_enum(s, a);
        } else if (sscanf(line, "col %255s %255s %31s", a, b, c) == 3) {
            if (!cur)
                continue;
            cur->cols = xrealloc(cur->cols, (size_t)(cur->ncols + 1) * sizeof *cur->cols);
            cur->cols[cur->ncols++] = (qfield){.name = xstrdup(a),
                                               .pgtype = xstrdup(b),
                                               .nullable = strcmp(c, "null") == 0,
                                               .en = find_enum(s, b)};
        } else {
            die_at(path, lineno, "unreadable line (written by `make describe`: run it again)");
        }
        free(line);
    }
    if (!migrations_ok)
        die("%s: the migrations changed since it was written: run `make describe`", path);
    for (int i = 0; i < qs->n; i++) {
        const query *q = &qs->v[i];
        if (!q->described)
            die_at(q->file, q->line,
                   "query `%s` is new or changed since %s was written: run `make describe`",
                   q->name, path);
        for (int k = 0; k < q->nparams; k++)
            if (!q->params[k].pgtype)
                die_at(q->file, q->line,
                       "%s lists fewer parameters than `%s` has: run `make describe`", path,
                       q->name);
    }
}

void described_write(const query_set *qs, sb *o)
{
    sb_puts(o, "# Written by `make describe` (sfgen --describe): the types PostgreSQL reports\n"
               "# for each query of schema/queries/. Do not edit; see schema/gen/README.md.\n");
    sb_printf(o, "migrations %016" PRIx64 "\n", qs->migrations_hash);
    for (int i = 0; i < qs->n; i++) {
        const query *q = &qs->v[i];
        if (q->kind == QK_FRAGMENT)
            continue;
        sb_printf(o, "query %s %016" PRIx64 "\n", q->name, q->hash);
        for (int k = 0; k < q->nparams; k++)
            sb_printf(o, "param %s %s\n", q->params[k].name, q->params[k].pgtype);
        for (int k = 0; k < q->ncols; k++)
            sb_printf(o, "col %s %s %s\n", q->cols[k].name, q->cols[k].pgtype,
                      q->cols[k].nullable ? "null" : "notnull");
    }
}

/* --- static helpers --------------------------------------------------------------- */

static query *find(query_set *qs, const char *name)
{
    for (int i = 0; i < qs->n; i++)
        if (strcmp(qs->v[i].name, name) == 0)
            return &qs->v[i];
    return NULL;
}

static sql_enum *find_enum(const schema *s, const char *name)
{
    for (int i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i]->name, name) == 0)
            return s->enums[i];
    return NULL;
}
