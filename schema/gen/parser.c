/*
 * parser.c — replays the statements of a migration into the schema model.
 *
 * Understood: CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE, CREATE TABLE,
 * ALTER TABLE (ADD/DROP/ALTER/RENAME COLUMN, ADD table constraint, RENAME TO) and
 * DROP TABLE. Every other statement (functions, triggers, indexes, grants...) is skipped
 * up to its top-level ';' — the lexer has already folded strings and dollar-quoted bodies
 * into single tokens, so nothing inside them can end a statement early.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_statement(parser *p);
static void skip_statement(parser *p);
static void end_statement(parser *p);
static void parse_create_type(parser *p);
static void parse_alter_type(parser *p);
static void parse_create_table(parser *p);
static void parse_alter_table(parser *p);
static void parse_alter_action(parser *p, table *t);
static void parse_alter_column(parser *p, table *t);
static void parse_drop_table(parser *p);
static void drop_column(parser *p, table *t, const char *name, bool if_exists);
static char *singular(const char *name);
static sql_enum *find_enum(const schema *s, const char *name);

void parse_file(schema *s, const token_list *toks)
{
    parser p = {.tl = toks, .s = s};
    while (peek(&p)->kind != TK_EOF) {
        if (accept_punct(&p, ';'))
            continue;
        parse_statement(&p);
    }
}

static void parse_statement(parser *p)
{
    if (accept_kw(p, "create")) {
        if (accept_kw(p, "or"))
            expect_kw(p, "replace");
        if (accept_kw(p, "type"))
            parse_create_type(p);
        else if (accept_kw(p, "table"))
            parse_create_table(p);
        else
            skip_statement(p);
    } else if (accept_kw(p, "alter")) {
        if (accept_kw(p, "table"))
            parse_alter_table(p);
        else if (accept_kw(p, "type"))
            parse_alter_type(p);
        else
            skip_statement(p);
    } else if (accept_kw(p, "drop") && accept_kw(p, "table")) {
        parse_drop_table(p);
    } else {
        skip_statement(p);
    }
}

/* Skips to the end of the statement, ';' included. */
static void skip_statement(parser *p)
{
    int depth = 0;
    for (;;) {
        const token *t = peek(p);
        if (t->kind == TK_EOF)
            return;
        if (t->kind == TK_PUNCT && t->src[0] == '(')
            depth++;
        else if (t->kind == TK_PUNCT && t->src[0] == ')' && depth > 0)
            depth--;
        next(p);
        if (depth == 0 && t->kind == TK_PUNCT && t->src[0] == ';')
            return;
    }
}

/* A statement we understood must end here. */
static void end_statement(parser *p)
{
    if (peek(p)->kind != TK_EOF)
        expect_punct(p, ';');
}

static void parse_create_type(parser *p)
{
    char *name = parse_name(p, "type name");
    if (!accept_kw(p, "as") || !accept_kw(p, "enum")) {
        skip_statement(p); /* composite and range types are not column types here */
        return;
    }
    if (find_enum(p->s, name))
        syntax_error(p, "type %s already exists", name);
    sql_enum *e = xcalloc(1, sizeof *e);
    e->name = name;
    expect_punct(p, '(');
    while (!accept_punct(p, ')')) {
        if (e->nvalues > 0)
            expect_punct(p, ',');
        if (peek(p)->kind != TK_STRING)
            syntax_error(p, "expected an enum label");
        e->values = xrealloc(e->values, (size_t)(e->nvalues + 1) * sizeof *e->values);
        e->values[e->nvalues++] = next(p)->low;
    }
    if (e->nvalues == 0)
        syntax_error(p, "enum %s has no values", name);
    p->s->enums = xrealloc(p->s->enums, (size_t)(p->s->nenums + 1) * sizeof *p->s->enums);
    p->s->enums[p->s->nenums++] = e;
    end_statement(p);
}

/* ALTER TYPE e ADD VALUE [IF NOT EXISTS] 'v' [BEFORE | AFTER 'w']; other forms skipped. */
static void parse_alter_type(parser *p)
{
    char *name = parse_name(p, "type name");
    sql_enum *e = find_enum(p->s, name);
    if (!e || !accept_kw(p, "add")) {
        skip_statement(p);
        return;
    }
    expect_kw(p, "value");
    bool if_not_exists = accept_kw(p, "if") && (expect_kw(p, "not"), expect_kw(p, "exists"), 1);
    if (peek(p)->kind != TK_STRING)
        syntax_error(p, "expected an enum label");
    char *v = next(p)->low;
    int at = e->nvalues;
    for (int i = 0; i < e->nvalues; i++)
        if (strcmp(e->values[i], v) == 0) {
            if (!if_not_exists)
                syntax_error(p, "enum %s already has the value '%s'", name, v);
            skip_statement(p);
            return;
        }
    bool before = accept_kw(p, "before");
    if (before || accept_kw(p, "after")) {
        if (peek(p)->kind != TK_STRING)
            syntax_error(p, "expected an enum label");
        const char *w = next(p)->low;
        for (at = 0; at < e->nvalues && strcmp(e->values[at], w) != 0; at++)
            ;
        if (at == e->nvalues)
            syntax_error(p, "enum %s has no value '%s'", name, w);
        at += before ? 0 : 1;
    }
    e->values = xrealloc(e->values, (size_t)(e->nvalues + 1) * sizeof *e->values);
    memmove(e->values + at + 1, e->values + at, (size_t)(e->nvalues - at) * sizeof *e->values);
    e->values[at] = v;
    e->nvalues++;
    end_statement(p);
}

static void parse_create_table(parser *p)
{
    if (accept_kw(p, "if")) {
        expect_kw(p, "not");
        expect_kw(p, "exists");
    }
    char *name = parse_name(p, "table name");
    if (!is_punct(p, '(')) {
        skip_statement(p); /* CREATE TABLE ... AS / PARTITION OF: not generated */
        return;
    }
    if (find_table(p->s, name))
        syntax_error(p, "table %s already exists", name);
    table *t = xcalloc(1, sizeof *t);
    t->name = name;
    t->singular = singular(name);
    expect_punct(p, '(');
    bool first = true;
    while (!accept_punct(p, ')')) {
        if (!first)
            expect_punct(p, ',');
        first = false;
        static const char *const constraint_kw[] = {"constraint", "primary", "unique", "check",
                                                    "foreign",    "exclude", "like",   NULL};
        bool is_constraint = false;
        for (const char *const *k = constraint_kw; *k; k++)
            is_constraint = is_constraint || is_kw(p, *k);
        if (is_constraint) {
            parse_table_constraint(p, t);
            continue;
        }
        column c;
        if (parse_column(p, t, &c))
            table_add_column(p, t, &c);
    }
    p->s->tables = xrealloc(p->s->tables, (size_t)(p->s->ntables + 1) * sizeof *p->s->tables);
    p->s->tables[p->s->ntables++] = t;
    skip_statement(p); /* WITH (...), PARTITION BY ...: storage details */
}

static void parse_alter_table(parser *p)
{
    bool if_exists = accept_kw(p, "if") && (expect_kw(p, "exists"), 1);
    accept_kw(p, "only");
    const token *at = peek(p);
    char *name = parse_name(p, "table name");
    table *t = find_table(p->s, name);
    if (!t) {
        if (if_exists) {
            skip_statement(p);
            return;
        }
        die_at(p->tl->file, at->line, "ALTER TABLE of unknown table %s", name);
    }
    do {
        parse_alter_action(p, t);
    } while (accept_punct(p, ','));
    end_statement(p);
}

static void parse_alter_action(parser *p, table *t)
{
    if (accept_kw(p, "add")) {
        if (is_kw(p, "constraint") || is_kw(p, "primary") || is_kw(p, "unique") ||
            is_kw(p, "check") || is_kw(p, "foreign") || is_kw(p, "exclude")) {
            parse_table_constraint(p, t);
            return;
        }
        accept_kw(p, "column");
        bool if_not_exists = accept_kw(p, "if") && (expect_kw(p, "not"), expect_kw(p, "exists"), 1);
        column c;
        const token *at = peek(p);
        if (!parse_column(p, t, &c))
            return;
        for (int i = 0; i < t->ncols; i++)
            if (strcmp(t->cols[i].name, c.name) == 0) {
                if (if_not_exists)
                    return;
                die_at(p->tl->file, at->line, "column %s.%s already exists", t->name, c.name);
            }
        table_add_column(p, t, &c);
    } else if (accept_kw(p, "drop")) {
        if (is_kw(p, "constraint")) {
            skip_to_comma(p); /* which constraint it was is not tracked */
            return;
        }
        accept_kw(p, "column");
        bool if_exists = accept_kw(p, "if") && (expect_kw(p, "exists"), 1);
        char *name = parse_name(p, "column name");
        drop_column(p, t, name, if_exists);
        skip_to_comma(p); /* CASCADE / RESTRICT */
    } else if (accept_kw(p, "alter")) {
        parse_alter_column(p, t);
    } else if (accept_kw(p, "rename")) {
        if (accept_kw(p, "to")) {
            t->name = parse_name(p, "table name");
            t->singular = singular(t->name);
            return;
        }
        if (is_kw(p, "constraint")) {
            skip_to_comma(p);
            return;
        }
        accept_kw(p, "column");
        char *from = parse_name(p, "column name");
        expect_kw(p, "to");
        char *to = parse_name(p, "column name");
        for (int i = 0; i < t->ncols; i++)
            if (strcmp(t->cols[i].name, from) == 0) {
                t->cols[i].name = to;
                return;
            }
        syntax_error(p, "table %s has no column %s", t->name, from);
    } else {
        skip_to_comma(p); /* OWNER TO, SET (...), ENABLE TRIGGER...: no effect on the C API */
    }
}

/* ALTER [COLUMN] c SET/DROP NOT NULL, SET/DROP DEFAULT, [SET DATA] TYPE t. */
static void parse_alter_column(parser *p, table *t)
{
    accept_kw(p, "column");
    char *name = parse_name(p, "column name");
    column *c = NULL;
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            c = &t->cols[i];
    if (!c)
        syntax_error(p, "table %s has no column %s", t->name, name);
    if (accept_kw(p, "set")) {
        if (accept_kw(p, "not")) {
            expect_kw(p, "null");
            c->not_null = true;
        } else if (accept_kw(p, "default")) {
            c->default_sql = parse_default_expr(p);
        } else if (accept_kw(p, "data")) {
            expect_kw(p, "type");
            parse_type(p, name, c);
            skip_to_comma(p); /* USING ... */
        } else {
            skip_to_comma(p);
        }
    } else if (accept_kw(p, "drop")) {
        if (accept_kw(p, "not")) {
            expect_kw(p, "null");
            c->not_null = false;
        } else if (accept_kw(p, "default")) {
            c->default_sql = NULL;
        } else {
            skip_to_comma(p);
        }
    } else if (accept_kw(p, "type")) {
        parse_type(p, name, c);
        skip_to_comma(p);
    } else {
        skip_to_comma(p);
    }
}

static void parse_drop_table(parser *p)
{
    bool if_exists = accept_kw(p, "if") && (expect_kw(p, "exists"), 1);
    do {
        const token *at = peek(p);
        char *name = parse_name(p, "table name");
        int i = 0;
        while (i < p->s->ntables && strcmp(p->s->tables[i]->name, name) != 0)
            i++;
        if (i == p->s->ntables) {
            if (!if_exists)
                die_at(p->tl->file, at->line, "DROP TABLE of unknown table %s", name);
            continue;
        }
        memmove(p->s->tables + i, p->s->tables + i + 1,
                (size_t)(p->s->ntables - i - 1) * sizeof *p->s->tables);
        p->s->ntables--;
    } while (accept_punct(p, ','));
    skip_statement(p); /* CASCADE / RESTRICT */
}

static void drop_column(parser *p, table *t, const char *name, bool if_exists)
{
    for (int i = 0; i < t->ncols; i++) {
        if (strcmp(t->cols[i].name, name) != 0)
            continue;
        if (t->cols[i].pk)
            syntax_error(p, "dropping primary key column %s.%s is not supported", t->name, name);
        memmove(t->cols + i, t->cols + i + 1, (size_t)(t->ncols - i - 1) * sizeof *t->cols);
        t->ncols--;
        return;
    }
    /* tsvector columns were never recorded, so dropping one is fine. */
    (void)if_exists;
}

/* products -> product, categories -> category, addresses -> address, class -> class. */
static char *singular(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && strcmp(name + n - 3, "ies") == 0)
        return xprintf("%.*sy", (int)(n - 3), name);
    if (n > 4 && strcmp(name + n - 4, "sses") == 0)
        return xstrndup(name, n - 2);
    if (n > 1 && name[n - 1] == 's' && name[n - 2] != 's')
        return xstrndup(name, n - 1);
    return xstrdup(name);
}

static sql_enum *find_enum(const schema *s, const char *name)
{
    for (int i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i]->name, name) == 0)
            return s->enums[i];
    return NULL;
}

table *find_table(const schema *s, const char *name)
{
    for (int i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i]->name, name) == 0)
            return s->tables[i];
    return NULL;
}

/* ---- the token cursor ---- */

const token *peek(const parser *p)
{
    return &p->tl->v[p->i];
}

const token *peek_at(const parser *p, size_t ahead)
{
    size_t i = p->i + ahead;
    return &p->tl->v[i < p->tl->n ? i : p->tl->n - 1];
}

const token *next(parser *p)
{
    const token *t = &p->tl->v[p->i];
    if (t->kind != TK_EOF)
        p->i++;
    return t;
}

bool is_kw(const parser *p, const char *kw)
{
    const token *t = peek(p);
    return t->kind == TK_IDENT && strcmp(t->low, kw) == 0;
}

bool accept_kw(parser *p, const char *kw)
{
    if (!is_kw(p, kw))
        return false;
    next(p);
    return true;
}

void expect_kw(parser *p, const char *kw)
{
    if (!accept_kw(p, kw))
        syntax_error(p, "expected %s", kw);
}

bool is_punct(const parser *p, char c)
{
    const token *t = peek(p);
    return t->kind == TK_PUNCT && t->src[0] == c;
}

bool accept_punct(parser *p, char c)
{
    if (!is_punct(p, c))
        return false;
    next(p);
    return true;
}

void expect_punct(parser *p, char c)
{
    if (!accept_punct(p, c))
        syntax_error(p, "expected '%c'", c);
}

char *parse_name(parser *p, const char *what)
{
    const token *t = peek(p);
    if (t->kind != TK_IDENT && t->kind != TK_QIDENT)
        syntax_error(p, "expected %s", what);
    next(p);
    if (accept_punct(p, '.'))
        return parse_name(p, what);
    return t->low;
}

void skip_parens(parser *p)
{
    int depth = 0;
    do {
        const token *t = next(p);
        if (t->kind == TK_EOF)
            syntax_error(p, "unbalanced parentheses");
        if (t->kind == TK_PUNCT && t->src[0] == '(')
            depth++;
        else if (t->kind == TK_PUNCT && t->src[0] == ')')
            depth--;
    } while (depth > 0);
}

void skip_to_comma(parser *p)
{
    for (;;) {
        const token *t = peek(p);
        if (t->kind == TK_EOF ||
            (t->kind == TK_PUNCT && (t->src[0] == ',' || t->src[0] == ')' || t->src[0] == ';')))
            return;
        if (t->kind == TK_PUNCT && t->src[0] == '(')
            skip_parens(p);
        else
            next(p);
    }
}

void syntax_error(const parser *p, const char *fmt, ...)
{
    const token *t = peek(p);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t->kind == TK_EOF)
        die_at(p->tl->file, t->line, "syntax error: %s at end of file", msg);
    die_at(p->tl->file, t->line, "syntax error: %s near '%.*s'", msg,
           (int)(t->len > 40 ? 40 : t->len), t->src);
}
