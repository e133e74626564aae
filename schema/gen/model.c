/*
 * model.c — questions the emitters ask about columns and tables: which C and SQL types
 * a column maps to, whether it is written, nullable or defaulted, and which names
 * collide once turned into C identifiers.
 */
#include "sfgen.h"

#include <ctype.h>
#include <string.h>

static bool in_list(const char *name, const char *const *list);
static bool valid_c_ident(const char *s);

/* Reserved words that must be double-quoted when used as column names. */
static const char *const sql_reserved[] = {"all",          "analyse",
                                           "analyze",      "and",
                                           "any",          "array",
                                           "as",           "asc",
                                           "asymmetric",   "both",
                                           "case",         "cast",
                                           "check",        "collate",
                                           "column",       "constraint",
                                           "create",       "current_catalog",
                                           "current_date", "current_role",
                                           "current_time", "current_timestamp",
                                           "current_user", "default",
                                           "deferrable",   "desc",
                                           "distinct",     "do",
                                           "else",         "end",
                                           "except",       "false",
                                           "fetch",        "for",
                                           "foreign",      "from",
                                           "grant",        "group",
                                           "having",       "in",
                                           "initially",    "intersect",
                                           "into",         "lateral",
                                           "leading",      "limit",
                                           "localtime",    "localtimestamp",
                                           "not",          "null",
                                           "offset",       "on",
                                           "only",         "or",
                                           "order",        "placing",
                                           "primary",      "references",
                                           "returning",    "select",
                                           "session_user", "some",
                                           "symmetric",    "table",
                                           "then",         "to",
                                           "trailing",     "true",
                                           "union",        "unique",
                                           "user",         "using",
                                           "variadic",     "when",
                                           "where",        "window",
                                           "with",         NULL};

static const char *const c_keywords[] = {
    "auto",     "break",  "case",   "char",     "const",    "continue", "default",  "do",
    "double",   "else",   "enum",   "extern",   "float",    "for",      "goto",     "if",
    "inline",   "int",    "long",   "register", "restrict", "return",   "short",    "signed",
    "sizeof",   "static", "struct", "switch",   "typedef",  "union",    "unsigned", "void",
    "volatile", "while",  "bool",   "true",     "false",    "_Bool",    NULL};

/* Parameter and local names in generated functions that take key columns. */
static const char *const param_names[] = {"a",   "c",   "e",    "i",     "n",     "r",      "st",
                                          "out", "row", "rows", "limit", "items", "params", NULL};

bool is_c_keyword(const char *s)
{
    return in_list(s, c_keywords);
}

bool col_writable(const column *c)
{
    return !c->identity && !c->generated;
}

bool col_nullable(const column *c)
{
    return !c->not_null && !c->pk;
}

bool col_has_default(const column *c)
{
    return c->default_sql != NULL && col_writable(c);
}

const char *col_ctype(const column *c)
{
    switch (c->type) {
    case CT_BIGINT: return "int64_t";
    case CT_INTEGER:
    case CT_SMALLINT: return "int32_t";
    case CT_BOOLEAN: return "bool";
    case CT_ENUM: return xprintf("db_%s", c->en->name);
    default: return "char *";
    }
}

const char *col_param_ctype(const column *c)
{
    const char *t = col_ctype(c);
    return strcmp(t, "char *") == 0 ? "const char *" : t;
}

const char *col_sqlcast(const column *c)
{
    switch (c->type) {
    case CT_BIGINT: return "bigint";
    case CT_INTEGER: return "integer";
    case CT_SMALLINT: return "smallint";
    case CT_BOOLEAN: return "boolean";
    /* Never cast to varchar(n)/char(n): an explicit cast truncates silently, while
     * assignment to the column rejects an over-long value. */
    case CT_TEXT:
    case CT_VARCHAR:
    case CT_CHAR: return "text";
    case CT_UUID: return "uuid";
    case CT_NUMERIC: return "numeric";
    case CT_DATE: return "date";
    case CT_TIMESTAMPTZ: return "timestamptz";
    case CT_JSONB: return "jsonb";
    case CT_JSON: return "json";
    case CT_ENUM: return c->en->name;
    case CT_TSVECTOR: return "tsvector";
    }
    return "text";
}

char *col_sqltype(const column *c)
{
    switch (c->type) {
    case CT_VARCHAR: return c->maxlen ? xprintf("varchar(%d)", c->maxlen) : xstrdup("varchar");
    case CT_CHAR: return xprintf("char(%d)", c->maxlen);
    default: return xstrdup(col_sqlcast(c));
    }
}

const char *sql_ident(const char *name)
{
    bool plain = in_list(name, sql_reserved) == false;
    for (const char *p = name; *p && plain; p++)
        plain = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    return plain ? name : xprintf("\"%s\"", name);
}

int table_pk(const table *t, const column **out, int max)
{
    int n = 0;
    for (int pos = 1; pos <= max; pos++)
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i].pk == pos)
                out[n++] = &t->cols[i];
    return n;
}

char *upper_ident(const char *s)
{
    char *u = xstrdup(s);
    for (char *p = u; *p; p++)
        *p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    return u;
}

static bool valid_c_ident(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

void schema_validate(const schema *s)
{
    char **names = xcalloc((size_t)(s->nenums + s->ntables) + 1, sizeof *names);
    int n = 0;
    for (int i = 0; i < s->nenums; i++)
        names[n++] = s->enums[i]->name;
    for (int i = 0; i < s->ntables; i++) {
        const table *t = s->tables[i];
        names[n++] = t->singular;
        if (t->ncols == 0)
            die("table %s has no columns the generator can map", t->name);
        for (int j = 0; j < t->ncols; j++) {
            const char *c = t->cols[j].name;
            if (!valid_c_ident(c) || in_list(c, c_keywords))
                die("column %s.%s cannot be a C struct field name", t->name, c);
            /* Key, unique and foreign key columns become function parameters. */
            const column *col = &t->cols[j];
            if ((col->pk || col->unique || col->ref_table) && in_list(c, param_names))
                die("column %s.%s clashes with a parameter name of the generated functions",
                    t->name, c);
        }
    }
    for (int i = 0; i < s->nenums; i++) {
        const sql_enum *en = s->enums[i];
        for (int j = 0; j < en->nvalues; j++)
            for (int k = 0; k < j; k++)
                if (strcmp(upper_ident(en->values[j]), upper_ident(en->values[k])) == 0)
                    die("enum %s: labels '%s' and '%s' map to the same C name", en->name,
                        en->values[k], en->values[j]);
    }
    for (int i = 0; i < n; i++) {
        if (!valid_c_ident(names[i]))
            die("name %s cannot be a C identifier", names[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                die("two schema objects map to the C name db_%s", names[i]);
    }
}

static bool in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}
