/*
 * parse_column.c — the column grammar shared by CREATE TABLE and ALTER TABLE ADD
 * COLUMN: name, type, and the constraints that shape the generated API (NOT NULL,
 * DEFAULT, PRIMARY KEY, UNIQUE, REFERENCES, identity and stored generated columns),
 * plus table-level PRIMARY KEY / UNIQUE / FOREIGN KEY constraints.
 */
#include "parser.h"

#include <stdlib.h>
#include <string.h>

static bool parse_column_constraint(parser *p, table *t, column *c);
static void parse_generated(parser *p, column *c);
static void parse_references(parser *p, column *c);
static int parse_type_len(parser *p);
static int parse_name_list(parser *p, char ***out);
static column *table_column(parser *p, table *t, const char *name);
static void set_pk(parser *p, table *t, column *c, int pos);
static bool is_stop_kw(const token *t);

bool parse_column(parser *p, table *t, column *out)
{
    memset(out, 0, sizeof *out);
    out->name = parse_name(p, "column name");
    parse_type(p, out->name, out);
    while (!is_punct(p, ',') && !is_punct(p, ')') && !is_punct(p, ';') && peek(p)->kind != TK_EOF) {
        if (!parse_column_constraint(p, t, out))
            syntax_error(p, "unexpected token in definition of column %s", out->name);
    }
    /* Arrays have no C mapping; the schema uses them only for derived data that
     * triggers keep up to date (e.g. a product's category ancestors for a GIN index).
     * Requiring a DEFAULT makes that intent explicit: inserts never need the column. */
    if (out->array && !out->default_sql)
        die_at(p->tl->file, peek(p)->line,
               "array column %s needs a DEFAULT: arrays are supported only as derived "
               "columns kept by triggers, which are left out of the generated code",
               out->name);
    /* tsvector and array columns are maintained by triggers or generated expressions
     * and are useless to C callers: they are left out of structs and queries entirely. */
    return out->type != CT_TSVECTOR && !out->array;
}

static bool parse_column_constraint(parser *p, table *t, column *c)
{
    if (accept_kw(p, "constraint")) {
        parse_name(p, "constraint name");
    } else if (accept_kw(p, "not")) {
        if (!accept_kw(p, "deferrable")) {
            expect_kw(p, "null");
            c->not_null = true;
        }
    } else if (accept_kw(p, "null")) {
        c->not_null = false;
    } else if (accept_kw(p, "default")) {
        c->default_sql = parse_default_expr(p);
    } else if (accept_kw(p, "primary")) {
        expect_kw(p, "key");
        set_pk(p, t, c, 1);
    } else if (accept_kw(p, "unique")) {
        if (accept_kw(p, "nulls")) {
            accept_kw(p, "not");
            expect_kw(p, "distinct");
        }
        c->unique = true;
    } else if (accept_kw(p, "references")) {
        parse_references(p, c);
    } else if (accept_kw(p, "check")) {
        if (!is_punct(p, '('))
            syntax_error(p, "expected '(' after CHECK");
        skip_parens(p);
        if (accept_kw(p, "no"))
            expect_kw(p, "inherit");
    } else if (accept_kw(p, "generated")) {
        parse_generated(p, c);
    } else if (accept_kw(p, "collate")) {
        parse_name(p, "collation");
    } else if (accept_kw(p, "deferrable")) {
    } else if (accept_kw(p, "initially")) {
        next(p);
    } else {
        return false;
    }
    return true;
}

/* GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(...)] | GENERATED ALWAYS AS (...) STORED */
static void parse_generated(parser *p, column *c)
{
    bool always = accept_kw(p, "always");
    if (!always) {
        expect_kw(p, "by");
        expect_kw(p, "default");
    }
    expect_kw(p, "as");
    if (accept_kw(p, "identity")) {
        c->identity = true;
        c->not_null = true;
        if (is_punct(p, '('))
            skip_parens(p);
        return;
    }
    if (!always || !is_punct(p, '('))
        syntax_error(p, "expected IDENTITY or (expression) STORED");
    skip_parens(p);
    expect_kw(p, "stored");
    c->generated = true;
}

/* REFERENCES t [(c)] [MATCH ...] [ON DELETE/UPDATE action]... */
static void parse_references(parser *p, column *c)
{
    c->ref_table = parse_name(p, "referenced table");
    c->ref_column = NULL;
    if (accept_punct(p, '(')) {
        c->ref_column = parse_name(p, "referenced column");
        expect_punct(p, ')');
    }
    for (;;) {
        if (accept_kw(p, "match")) {
            next(p);
        } else if (accept_kw(p, "on")) {
            if (!accept_kw(p, "delete"))
                expect_kw(p, "update");
            if (accept_kw(p, "no")) {
                expect_kw(p, "action");
            } else if (accept_kw(p, "set")) {
                if (!accept_kw(p, "null"))
                    expect_kw(p, "default");
                if (is_punct(p, '('))
                    skip_parens(p);
            } else if (!accept_kw(p, "cascade")) {
                expect_kw(p, "restrict");
            }
        } else {
            return;
        }
    }
}

char *parse_default_expr(parser *p)
{
    sb b = {0};
    int depth = 0;
    for (;;) {
        const token *t = peek(p);
        if (t->kind == TK_EOF || (t->kind == TK_PUNCT && t->src[0] == ';'))
            break;
        if (depth == 0 && t->kind == TK_PUNCT && (t->src[0] == ',' || t->src[0] == ')'))
            break;
        if (depth == 0 && b.len > 0 && is_stop_kw(t))
            break; /* the first token may be NULL itself: DEFAULT NULL */
        if (t->kind == TK_PUNCT && t->src[0] == '(')
            depth++;
        else if (t->kind == TK_PUNCT && t->src[0] == ')')
            depth--;
        /* Whitespace and comments inside the expression collapse to one space. */
        if (b.len > 0 && t->space_before)
            sb_puts(&b, " ");
        sb_putn(&b, t->src, t->len);
        next(p);
    }
    if (!b.s)
        syntax_error(p, "expected an expression after DEFAULT");
    return b.s;
}

/* Keywords that end a DEFAULT expression at the top level. */
static bool is_stop_kw(const token *t)
{
    static const char *const kw[] = {"not",     "null",       "check",      "references",
                                     "unique",  "primary",    "constraint", "generated",
                                     "collate", "deferrable", "initially",  NULL};
    if (t->kind != TK_IDENT)
        return false;
    for (const char *const *k = kw; *k; k++)
        if (strcmp(t->low, *k) == 0)
            return true;
    return false;
}

void parse_type(parser *p, const char *colname, column *c)
{
    const token *at = peek(p);
    char *name = parse_name(p, "column type");
    c->maxlen = 0;
    c->en = NULL;
    if (!strcmp(name, "bigint") || !strcmp(name, "int8")) {
        c->type = CT_BIGINT;
    } else if (!strcmp(name, "integer") || !strcmp(name, "int") || !strcmp(name, "int4")) {
        c->type = CT_INTEGER;
    } else if (!strcmp(name, "smallint") || !strcmp(name, "int2")) {
        c->type = CT_SMALLINT;
    } else if (!strcmp(name, "boolean") || !strcmp(name, "bool")) {
        c->type = CT_BOOLEAN;
    } else if (!strcmp(name, "text")) {
        c->type = CT_TEXT;
    } else if (!strcmp(name, "varchar") ||
               (!strcmp(name, "character") && accept_kw(p, "varying"))) {
        c->type = CT_VARCHAR;
        c->maxlen = parse_type_len(p);
    } else if (!strcmp(name, "char") || !strcmp(name, "character") || !strcmp(name, "bpchar")) {
        c->type = CT_CHAR;
        c->maxlen = parse_type_len(p);
        if (c->maxlen == 0)
            c->maxlen = 1; /* char without a length is char(1) */
    } else if (!strcmp(name, "uuid")) {
        c->type = CT_UUID;
    } else if (!strcmp(name, "numeric") || !strcmp(name, "decimal")) {
        c->type = CT_NUMERIC;
        if (is_punct(p, '('))
            skip_parens(p);
    } else if (!strcmp(name, "date")) {
        c->type = CT_DATE;
    } else if (!strcmp(name, "timestamptz")) {
        c->type = CT_TIMESTAMPTZ;
    } else if (!strcmp(name, "timestamp") && peek_at(p, 0)->kind == TK_IDENT &&
               !strcmp(peek(p)->low, "with") && !strcmp(peek_at(p, 1)->low, "time")) {
        next(p);
        next(p);
        expect_kw(p, "zone");
        c->type = CT_TIMESTAMPTZ;
    } else if (!strcmp(name, "jsonb")) {
        c->type = CT_JSONB;
    } else if (!strcmp(name, "json")) {
        c->type = CT_JSON;
    } else if (!strcmp(name, "tsvector")) {
        c->type = CT_TSVECTOR;
    } else {
        for (int i = 0; i < p->s->nenums && !c->en; i++)
            if (!strcmp(p->s->enums[i]->name, name))
                c->en = p->s->enums[i];
        if (!c->en)
            die_at(p->tl->file, at->line, "unknown column type '%s' for column %s", name, colname);
        c->type = CT_ENUM;
    }
    if (accept_punct(p, '[')) {
        if (!accept_punct(p, ']'))
            die_at(p->tl->file, at->line, "expected ] after %s[ for column %s", name, colname);
        c->array = true;
    }
}

/* "(n)" after varchar/char; 0 when absent. */
static int parse_type_len(parser *p)
{
    if (!accept_punct(p, '('))
        return 0;
    const token *t = next(p);
    long n = t->kind == TK_NUMBER ? strtol(t->low, NULL, 10) : 0;
    if (n <= 0 || n > 10485760)
        syntax_error(p, "expected a positive length");
    expect_punct(p, ')');
    return (int)n;
}

void parse_table_constraint(parser *p, table *t)
{
    if (accept_kw(p, "constraint"))
        parse_name(p, "constraint name");
    char **names;
    if (accept_kw(p, "primary")) {
        expect_kw(p, "key");
        int n = parse_name_list(p, &names);
        for (int i = 0; i < n; i++)
            set_pk(p, t, table_column(p, t, names[i]), i + 1);
    } else if (accept_kw(p, "unique")) {
        if (accept_kw(p, "nulls")) {
            accept_kw(p, "not");
            expect_kw(p, "distinct");
        }
        /* Only single-column keys get a get_by function. */
        if (parse_name_list(p, &names) == 1)
            table_column(p, t, names[0])->unique = true;
    } else if (accept_kw(p, "foreign")) {
        expect_kw(p, "key");
        int n = parse_name_list(p, &names);
        column tmp = {0};
        expect_kw(p, "references");
        parse_references(p, &tmp);
        if (n == 1) {
            column *c = table_column(p, t, names[0]);
            c->ref_table = tmp.ref_table;
            c->ref_column = tmp.ref_column;
        }
    }
    skip_to_comma(p); /* CHECK (...), EXCLUDE, LIKE, INCLUDE (...), DEFERRABLE... */
}

/* "(a, b, c)"; returns the count. */
static int parse_name_list(parser *p, char ***out)
{
    int n = 0;
    *out = NULL;
    expect_punct(p, '(');
    do {
        *out = xrealloc(*out, (size_t)(n + 1) * sizeof **out);
        (*out)[n++] = parse_name(p, "column name");
    } while (accept_punct(p, ','));
    expect_punct(p, ')');
    return n;
}

static column *table_column(parser *p, table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    syntax_error(p, "table %s has no column %s", t->name, name);
}

static void set_pk(parser *p, table *t, column *c, int pos)
{
    for (int i = 0; pos == 1 && i < t->ncols; i++)
        if (t->cols[i].pk)
            syntax_error(p, "table %s has more than one primary key", t->name);
    if (pos > MAX_PK)
        syntax_error(p, "primary key of %s has more than %d columns", t->name, MAX_PK);
    c->pk = pos;
    c->not_null = true;
}

void table_add_column(parser *p, table *t, const column *c)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, c->name) == 0)
            syntax_error(p, "column %s.%s specified more than once", t->name, c->name);
    if (c->pk)
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i].pk)
                syntax_error(p, "table %s has more than one primary key", t->name);
    t->cols = xrealloc(t->cols, (size_t)(t->ncols + 1) * sizeof *t->cols);
    t->cols[t->ncols++] = *c;
}
