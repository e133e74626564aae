/*
 * queries.c — reads the files of schema/queries/: named statements with @name parameters.
 *
 *   -- Why-comment lines directly above the name line become the C doc comment.
 *   -- name: order_get_by_number :one
 *   SELECT … FROM orders WHERE number = @number AND customer_id = @customer_id;
 *
 * `sfgen.embed(table [alias])` in a select list stands for the table's columns (those its
 * generated struct holds, qualified by the alias or the table name); the row then holds
 * that struct, decoded by the table's generated decoder (sqlc's sqlc.embed).
 *
 * Kinds: :one (first row, SF_NOT_FOUND when none), :many (all rows), :exec (no rows),
 * :execrows (the affected-row count), :shape (never run: a row struct and a public
 * decoder for statements assembled at run time), :fragment (a piece of such a statement,
 * kept verbatim with its {slot}s and @params, emitted as a string constant). `@name` becomes `$n`
 * (the same name, the same n);
 * `@name?` marks a parameter that may be NULL (a scalar then gets `name_is_null`). The
 * SQL PostgreSQL sees is rebuilt from the lexer's tokens (comments dropped, whitespace
 * collapsed), and each token remembers its source line, so an error position reported
 * by PostgreSQL at describe time maps back to file:line.
 */
#include "query.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void parse_one(query_set *qs, const schema *s, const char *file, char **lines, int name_at,
                      int doc_at, int end);
static void rewrite(query *q, const schema *s, const token_list *toks);
static bool copy_from_stdin(const query *q);
static bool is_tok(const token_list *toks, size_t i, tok_kind kind, const char *low);
static int param_index(query *q, const char *name, bool nullable);
static bool is_comment(const char *line);
static bool is_blank(const char *line);
static char **split_lines(const char *text, int *n);

uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void queries_parse_file(query_set *qs, const schema *s, const char *file, const char *text)
{
    int n;
    char **lines = split_lines(text, &n);
    int *names = xcalloc((size_t)n + 1, sizeof *names), nnames = 0;
    for (int i = 0; i < n; i++)
        if (strncmp(lines[i], "-- name:", 8) == 0)
            names[nnames++] = i;
    if (nnames == 0)
        die_at(file, 1, "no `-- name: <name> :<kind>` line: nothing to generate");

    /* The doc block of each query: the comment lines directly above its name line. */
    int *docs = xcalloc((size_t)nnames, sizeof *docs);
    for (int k = 0; k < nnames; k++) {
        int d = names[k];
        while (d > 0 && is_comment(lines[d - 1]) && strncmp(lines[d - 1], "-- name:", 8) != 0)
            d--;
        docs[k] = d;
    }
    for (int i = 0; i < docs[0]; i++)
        if (!is_blank(lines[i]) && !is_comment(lines[i]))
            die_at(file, i + 1, "SQL before the first `-- name:` line");
    for (int k = 0; k < nnames; k++)
        parse_one(qs, s, file, lines, names[k], docs[k], k + 1 < nnames ? docs[k + 1] : n);
}

int query_line_at(const query *q, int position)
{
    int line = q->line + 1;
    for (int i = 0; i < q->ntok && q->tok_off[i] < position; i++)
        line = q->tok_line[i];
    return line;
}

/* --- static helpers --------------------------------------------------------------- */

static void parse_one(query_set *qs, const schema *s, const char *file, char **lines, int name_at,
                      int doc_at, int end)
{
    query q = {.file = file, .line = name_at + 1};
    char name[128], kind[32];
    if (sscanf(lines[name_at], "-- name: %127s :%31s", name, kind) != 2)
        die_at(file, q.line, "expected `-- name: <name> :one|:many|:exec|:execrows`");
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_') ||
            isdigit((unsigned char)name[0]))
            die_at(file, q.line, "query name `%s`: lower-case letters, digits and _ only", name);
    if (strcmp(kind, "one") == 0)
        q.kind = QK_ONE;
    else if (strcmp(kind, "many") == 0)
        q.kind = QK_MANY;
    else if (strcmp(kind, "exec") == 0)
        q.kind = QK_EXEC;
    else if (strcmp(kind, "execrows") == 0)
        q.kind = QK_EXECROWS;
    else if (strcmp(kind, "shape") == 0)
        q.kind = QK_SHAPE;
    else if (strcmp(kind, "fragment") == 0)
        q.kind = QK_FRAGMENT;
    else if (strcmp(kind, "copy") == 0)
        q.kind = QK_COPY;
    else
        die_at(file, q.line,
               "unknown kind `:%s` (one, many, exec, execrows, shape, fragment, copy)", kind);
    q.name = xstrdup(name);
    for (int i = 0; i < qs->n; i++)
        if (strcmp(qs->v[i].name, q.name) == 0)
            die_at(file, q.line, "query `%s` is already defined at %s:%d", q.name, qs->v[i].file,
                   qs->v[i].line);

    sb doc = {0};
    for (int i = doc_at; i < name_at; i++) {
        const char *l = lines[i] + 2;
        sb_printf(&doc, "%s\n", *l == ' ' ? l + 1 : l);
    }
    q.doc = doc.s ? doc.s : xstrdup("");

    if (q.kind == QK_FRAGMENT) {
        /* Verbatim: {slot}s are not SQL the lexer would accept. */
        sb text = {0};
        for (int i = name_at + 1; i < end; i++) {
            const char *l = lines[i], *e = l + strlen(l);
            while (*l == ' ' || *l == '\t')
                l++;
            while (e > l && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                e--;
            if (e == l || (l[0] == '-' && l[1] == '-'))
                continue;
            if (text.len)
                sb_puts(&text, " ");
            sb_putn(&text, l, (size_t)(e - l));
        }
        if (!text.s)
            die_at(file, q.line, "fragment `%s` has no text", q.name);
        q.sql = text.s;
        q.described = true;
        qs->v = xrealloc(qs->v, (size_t)(qs->n + 1) * sizeof *qs->v);
        qs->v[qs->n++] = q;
        return;
    }

    /* The body, padded with newlines so the lexer's line numbers are the file's. */
    sb body = {0};
    for (int i = 0; i <= name_at; i++)
        sb_puts(&body, "\n");
    for (int i = name_at + 1; i < end; i++)
        sb_printf(&body, "%s\n", lines[i]);
    token_list toks = {0};
    lex(file, body.s, &toks);
    if (toks.n && toks.v[toks.n - 1].kind == TK_EOF)
        toks.n--;
    if (toks.n && toks.v[toks.n - 1].kind == TK_PUNCT && toks.v[toks.n - 1].src[0] == ';')
        toks.n--;
    if (toks.n == 0)
        die_at(file, q.line, "query `%s` has no SQL", q.name);
    rewrite(&q, s, &toks);
    if (q.kind == QK_COPY && !copy_from_stdin(&q))
        die_at(file, q.line,
               "a :copy query is `COPY <table> [(columns)] FROM STDIN` with no "
               "parameters (`%s`)",
               q.name);
    q.hash = fnv1a(FNV_OFFSET, q.sql, strlen(q.sql));

    qs->v = xrealloc(qs->v, (size_t)(qs->n + 1) * sizeof *qs->v);
    qs->v[qs->n++] = q;
}

/* Rebuilds the SQL from tokens, replacing @name by $n and dropping the `?` of @name?. */
static void rewrite(query *q, const schema *s, const token_list *toks)
{
    sb sql = {0};
    q->tok_off = xcalloc(toks->n, sizeof *q->tok_off);
    q->tok_line = xcalloc(toks->n, sizeof *q->tok_line);
    for (size_t i = 0; i < toks->n; i++) {
        const token *t = &toks->v[i];
        if (t->kind == TK_PUNCT && t->src[0] == ';')
            die_at(toks->file, t->line, "one statement per query (`%s`)", q->name);
        if (t->kind == TK_PARAM)
            die_at(toks->file, t->line, "write parameters as @name, not %.*s", (int)t->len, t->src);
        if (sql.len && t->space_before)
            sb_puts(&sql, " ");
        q->tok_off[q->ntok] = (int)sql.len;
        q->tok_line[q->ntok++] = t->line;

        if (is_tok(toks, i, TK_IDENT, "sfgen") && is_tok(toks, i + 1, TK_PUNCT, ".") &&
            is_tok(toks, i + 2, TK_IDENT, "embed") && is_tok(toks, i + 3, TK_PUNCT, "(")) {
            size_t k = i + 4;
            const token *tt = k < toks->n ? &toks->v[k] : NULL;
            table *et = NULL;
            for (int j = 0; tt && tt->kind == TK_IDENT && j < s->ntables; j++)
                if (strcmp(s->tables[j]->name, tt->low) == 0)
                    et = s->tables[j];
            if (!et)
                die_at(toks->file, toks->v[i].line,
                       "sfgen.embed(table [alias]): no table `%s` in the migrations",
                       tt ? tt->low : "");
            const char *qual = et->name;
            if (is_tok(toks, k + 1, TK_IDENT, NULL))
                qual = toks->v[++k].low;
            if (!is_tok(toks, k + 1, TK_PUNCT, ")"))
                die_at(toks->file, toks->v[i].line, "sfgen.embed(table [alias]): expected `)`");
            for (int j = 0; j < et->ncols; j++)
                sb_printf(&sql, "%s%s.%s", j ? ", " : "", qual, sql_ident(et->cols[j].name));
            q->embeds = xrealloc(q->embeds, (size_t)(q->nembeds + 1) * sizeof *q->embeds);
            q->embeds[q->nembeds++] = et;
            i = k + 1;
            continue;
        }
        const token *next = i + 1 < toks->n ? &toks->v[i + 1] : NULL;
        if (t->kind == TK_OP && t->src[t->len - 1] == '@' && next && next->kind == TK_IDENT &&
            !next->space_before) {
            sb_putn(&sql, t->src, t->len - 1);
            const token *after = i + 2 < toks->n ? &toks->v[i + 2] : NULL;
            bool nullable =
                after && after->kind == TK_OP && after->src[0] == '?' && !after->space_before;
            sb_printf(&sql, "$%d", param_index(q, next->low, nullable));
            i++;
            if (nullable) {
                sb_putn(&sql, after->src + 1, after->len - 1);
                i++;
            }
            continue;
        }
        sb_putn(&sql, t->src, t->len);
    }
    q->sql = sql.s;
}

/* Token i is of this kind (and, when low is given, this lower-cased text). */
static bool is_tok(const token_list *toks, size_t i, tok_kind kind, const char *low)
{
    return i < toks->n && toks->v[i].kind == kind && (!low || strcmp(toks->v[i].low, low) == 0);
}

static int param_index(query *q, const char *name, bool nullable)
{
    for (int i = 0; i < q->nparams; i++)
        if (strcmp(q->params[i].name, name) == 0) {
            q->params[i].nullable |= nullable;
            return i + 1;
        }
    q->params = xrealloc(q->params, (size_t)(q->nparams + 1) * sizeof *q->params);
    q->params[q->nparams] = (qfield){.name = xstrdup(name), .nullable = nullable};
    return ++q->nparams;
}

static bool is_comment(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return line[0] == '-' && line[1] == '-';
}

static bool is_blank(const char *line)
{
    while (*line == ' ' || *line == '\t' || *line == '\r')
        line++;
    return *line == '\0';
}

static char **split_lines(const char *text, int *n)
{
    int cap = 64;
    char **v = xcalloc((size_t)cap, sizeof *v);
    *n = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (*n == cap)
            v = xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[(*n)++] = xstrndup(p, len);
        p += len + (e != NULL);
    }
    return v;
}

/* True when a :copy query is COPY … FROM STDIN (any case, one space between words after
 * the rewrite) without parameters: the only shape db_copy_begin can stream into. */
static bool copy_from_stdin(const query *q)
{
    size_t n = strlen(q->sql);
    const char *tail = "from stdin";
    size_t nt = strlen(tail);
    return q->nparams == 0 && n > 5 + nt && strncasecmp(q->sql, "copy ", 5) == 0 &&
           strcasecmp(q->sql + n - nt, tail) == 0;
}
