/*
 * emit_queries.c — writes db_gen.c: the enum label functions, and per table the row
 * decoder and one function per query, each with its own `static const db_stmt` right
 * above it (sqlc style: straight-line code, positional $n parameters, no SQL built at
 * run time). JSON functions come from emit_json.c.
 */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

typedef struct plist {
    sb code; /* "    params[i] = ...;" lines */
    int n;
} plist;

static void emit_enum_funcs(const sql_enum *en, sb *o);
static void emit_decode(const table *t, sb *o);
static void emit_insert(const table *t, sb *o);
static void emit_get(const table *t, const column *by, sb *o);
static void emit_update(const table *t, sb *o);
static void emit_delete(const table *t, sb *o);
static void emit_list(const table *t, const column *by, sb *o);
static void emit_stmt(sb *o, const char *name, const char *sql, int nparams);
static void emit_exec_one(const table *t, const char *stmt, bool have_params, sb *o);
static int add_param(plist *pl, const char *expr);
static char *param_text(const column *c, const char *v);
static char *write_expr(const column *c, plist *pl, bool update);
static char *select_list(const table *t);
static char *not_found(const table *t);

void emit_source(const schema *s, sb *o)
{
    emit_banner(s, o);
    sb_puts(o, " *\n"
               " * Queries and JSON codecs declared in storefront/db_gen.h. Every query is a\n"
               " * prepared statement with positional parameters; values never enter SQL text.\n"
               " */\n"
               "#include \"storefront/db_gen.h\"\n\n"
               "#include <inttypes.h>\n"
               "#include <stdio.h>\n"
               "#include <stdlib.h>\n"
               "#include <string.h>\n");
    for (int i = 0; i < s->nenums; i++)
        emit_enum_funcs(s->enums[i], o);
    emit_json_helpers(s, o);
    for (int i = 0; i < s->ntables; i++) {
        const table *t = s->tables[i];
        sb_printf(o, "\n/* ---- table %s ---- */\n", t->name);
        emit_decode(t, o);
        if (t->no_crud)
            continue;
        emit_insert(t, o);
        if (table_has_pk(t))
            emit_get(t, NULL, o);
        for (int j = 0; j < t->ncols; j++)
            if (t->cols[j].unique)
                emit_get(t, &t->cols[j], o);
        if (table_has_update(t))
            emit_update(t, o);
        if (table_has_pk(t)) {
            emit_delete(t, o);
            emit_list(t, NULL, o);
            for (int j = 0; j < t->ncols; j++)
                if (t->cols[j].ref_table)
                    emit_list(t, &t->cols[j], o);
        }
        emit_json_table(t, o);
    }
}

static void emit_enum_funcs(const sql_enum *en, sb *o)
{
    char *up = upper_ident(en->name);
    sb_printf(o, "\nconst char *db_%s_str(db_%s v)\n{\n    switch (v) {\n", en->name, en->name);
    for (int i = 0; i < en->nvalues; i++) {
        sb_printf(o, "    case DB_%s_%s: return \"", up, upper_ident(en->values[i]));
        c_escape(o, en->values[i], strlen(en->values[i]));
        sb_puts(o, "\";\n");
    }
    sb_puts(o, "    }\n    return NULL;\n}\n");
    sb_printf(o, "\nbool db_%s_parse(const char *s, db_%s *out)\n{\n", en->name, en->name);
    sb_puts(o, "    static const char *const labels[] = {");
    for (int i = 0; i < en->nvalues; i++) {
        sb_puts(o, i ? ", \"" : "\"");
        c_escape(o, en->values[i], strlen(en->values[i]));
        sb_puts(o, "\"");
    }
    sb_printf(o,
              "};\n\n"
              "    for (size_t i = 0; s && i < sizeof labels / sizeof *labels; i++) {\n"
              "        if (strcmp(s, labels[i]) == 0) {\n"
              "            *out = (db_%s)i;\n"
              "            return true;\n"
              "        }\n"
              "    }\n"
              "    return false;\n}\n",
              en->name);
}

static void emit_decode(const table *t, sb *o)
{
    sb_printf(o, "\n%s\n{\n    memset(out, 0, sizeof *out);\n", sig_decode(t));
    for (int i = 0; i < t->ncols; i++) {
        const column *c = &t->cols[i];
        char *col = i ? xprintf("first_col + %d", i) : xstrdup("first_col");
        const char *n = c->name;
        bool nullable = col_nullable(c);
        switch (c->type) {
        case CT_BIGINT:
        case CT_INTEGER:
        case CT_SMALLINT:
        case CT_BOOLEAN:
        case CT_ENUM: {
            char *get;
            if (c->type == CT_ENUM)
                get =
                    xprintf("db_%s_parse(PQgetvalue(r, row, %s), &out->%s);", c->en->name, col, n);
            else
                get = xprintf("out->%s = db_%s(r, row, %s);", n,
                              c->type == CT_BIGINT    ? "int64"
                              : c->type == CT_BOOLEAN ? "bool"
                                                      : "int32",
                              col);
            if (nullable)
                sb_printf(o,
                          "    out->%s_is_null = PQgetisnull(r, row, %s);\n"
                          "    if (!out->%s_is_null)\n        %s\n",
                          n, col, n, get);
            else
                sb_printf(o, "    %s\n", get);
            break;
        }
        default:
            sb_printf(o, "    out->%s = db_%s(a, r, row, %s);\n", n,
                      c->type == CT_TIMESTAMPTZ ? "timestamp" : "text", col);
            if (nullable)
                sb_printf(o, "    out->%s_is_null = out->%s == NULL;\n", n, n);
        }
        if (col_has_default(c))
            sb_printf(o, "    out->%s_is_set = true;\n", n);
    }
    sb_puts(o, "}\n");
}

static void emit_insert(const table *t, sb *o)
{
    plist pl = {0};
    sb cols = {0}, vals = {0};
    for (int i = 0; i < t->ncols; i++) {
        const column *c = &t->cols[i];
        if (!col_writable(c))
            continue;
        sb_printf(&cols, "%s%s", cols.len ? ", " : "", sql_ident(c->name));
        sb_printf(&vals, "%s%s", vals.len ? ", " : "", write_expr(c, &pl, false));
    }
    char *stmt = xprintf("gen_%s_insert", t->singular);
    char *sql = cols.len ? xprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING %s",
                                   sql_ident(t->name), cols.s, vals.s, select_list(t))
                         : xprintf("INSERT INTO %s DEFAULT VALUES RETURNING %s", sql_ident(t->name),
                                   select_list(t));
    emit_stmt(o, stmt, sql, pl.n);
    sb_printf(o, "\n%s\n{\n", sig_insert(t));
    if (pl.n)
        sb_printf(o, "    const char *params[%d];\n\n%s", pl.n, pl.code.s);
    emit_exec_one(t, stmt, pl.n > 0, o);
}

/* db_x_get (by == NULL: by primary key) or db_x_get_by_<col>. */
static void emit_get(const table *t, const column *by, sb *o)
{
    plist pl = {0};
    sb where = {0};
    const column *keys[MAX_PK];
    int nkeys = by ? 1 : table_pk(t, keys, MAX_PK);
    if (by)
        keys[0] = by;
    for (int i = 0; i < nkeys; i++) {
        int k = add_param(&pl, param_text(keys[i], keys[i]->name));
        sb_printf(&where, "%s%s = $%d", i ? " AND " : "", sql_ident(keys[i]->name), k);
    }
    char *stmt = by ? xprintf("gen_%s_get_by_%s", t->singular, by->name)
                    : xprintf("gen_%s_get", t->singular);
    emit_stmt(o, stmt,
              xprintf("SELECT %s FROM %s WHERE %s", select_list(t), sql_ident(t->name), where.s),
              pl.n);
    sb_printf(o, "\n%s\n{\n", by ? sig_get_by(t, by) : sig_get(t));
    sb_printf(o, "    const char *params[%d];\n\n%s", pl.n, pl.code.s);
    emit_exec_one(t, stmt, true, o);
}

static void emit_update(const table *t, sb *o)
{
    plist pl = {0};
    sb set = {0}, where = {0};
    const column *keys[MAX_PK];
    int nkeys = table_pk(t, keys, MAX_PK);
    for (int i = 0; i < nkeys; i++) {
        int k = add_param(&pl, param_text(keys[i], xprintf("in->%s", keys[i]->name)));
        sb_printf(&where, "%s%s = $%d", i ? " AND " : "", sql_ident(keys[i]->name), k);
    }
    for (int i = 0; i < t->ncols; i++) {
        const column *c = &t->cols[i];
        if (c->pk || !col_writable(c))
            continue;
        sb_printf(&set, "%s%s = %s", set.len ? ", " : "", sql_ident(c->name),
                  write_expr(c, &pl, true));
    }
    char *stmt = xprintf("gen_%s_update", t->singular);
    emit_stmt(o, stmt,
              xprintf("UPDATE %s SET %s WHERE %s RETURNING %s", sql_ident(t->name), set.s, where.s,
                      select_list(t)),
              pl.n);
    sb_printf(o, "\n%s\n{\n    const char *params[%d];\n\n%s", sig_update(t), pl.n, pl.code.s);
    emit_exec_one(t, stmt, true, o);
}

static void emit_delete(const table *t, sb *o)
{
    const column *keys[MAX_PK];
    int nkeys = table_pk(t, keys, MAX_PK);
    sb where = {0}, decl = {0}, code = {0};
    for (int i = 0; i < nkeys; i++) {
        const column *c = keys[i];
        sb_printf(&where, "%s%s = $%d", i ? " AND " : "", sql_ident(c->name), i + 1);
        /* No arena here: integers are formatted into stack buffers. */
        if (c->type == CT_BIGINT || c->type == CT_INTEGER || c->type == CT_SMALLINT) {
            sb_printf(&decl, "    char %s_text[24];\n", c->name);
            sb_printf(&code,
                      "    snprintf(%s_text, sizeof %s_text, \"%%\" PRId64, (int64_t)%s);\n"
                      "    params[%d] = %s_text;\n",
                      c->name, c->name, c->name, i, c->name);
        } else {
            sb_printf(&code, "    params[%d] = %s;\n", i, param_text(c, c->name));
        }
    }
    char *stmt = xprintf("gen_%s_delete", t->singular);
    emit_stmt(o, stmt, xprintf("DELETE FROM %s WHERE %s RETURNING 1", sql_ident(t->name), where.s),
              nkeys);
    sb_printf(o, "\n%s\n{\n%s    const char *params[%d];\n\n%s", sig_delete(t),
              decl.s ? decl.s : "", nkeys, code.s);
    sb_printf(o,
              "    PGresult *r = db_exec(c, &%s, params, e);\n"
              "    if (!r)\n"
              "        return e->status;\n"
              "    int rows = PQntuples(r);\n"
              "    PQclear(r);\n"
              "    if (rows == 0)\n"
              "        return sf_fail(e, SF_NOT_FOUND, \"not-found\", \"%s\");\n"
              "    return SF_OK;\n}\n",
              stmt, not_found(t));
}

/* db_x_list (by == NULL) or db_x_list_by_<fk>: two statements, first page and after a
 * cursor, so each gets a plain index range scan instead of an "$1 IS NULL OR" plan. */
static void emit_list(const table *t, const column *by, sb *o)
{
    const column *keys[MAX_PK];
    int nkeys = table_pk(t, keys, MAX_PK), base = by ? 1 : 0;
    sb order = {0}, lhs = {0}, rhs = {0}, setp = {0}, cond = {0};
    for (int i = 0; i < nkeys; i++) {
        const column *k = keys[i];
        bool ptr = col_ctype(k)[strlen(col_ctype(k)) - 1] == '*';
        sb_printf(&order, "%s%s", i ? ", " : "", sql_ident(k->name));
        sb_printf(&lhs, "%s%s", i ? ", " : "", sql_ident(k->name));
        sb_printf(&rhs, "%s$%d::%s", i ? ", " : "", base + i + 1, col_sqlcast(k));
        sb_printf(&setp, "        params[%d] = %s;\n", base + i,
                  param_text(k, xprintf("%safter_%s", ptr ? "" : "*", k->name)));
        if (i > 0)
            sb_printf(&cond, "%s(after_%s == NULL) != (after_%s == NULL)",
                      i > 1 ? " ||\n        " : "", k->name, keys[0]->name);
    }
    char *name = by ? xprintf("gen_%s_list_by_%s", t->singular, by->name)
                    : xprintf("gen_%s_list", t->singular);
    char *filter = by ? xprintf("%s = $1", sql_ident(by->name)) : NULL;
    char *after = nkeys == 1 ? xprintf("%s > $%d", sql_ident(keys[0]->name), base + 1)
                             : xprintf("(%s) > (%s)", lhs.s, rhs.s);
    char *head = xprintf("SELECT %s FROM %s", select_list(t), sql_ident(t->name));
    emit_stmt(o, name,
              xprintf("%s%s%s ORDER BY %s LIMIT $%d", head, filter ? " WHERE " : "",
                      filter ? filter : "", order.s, base + 1),
              base + 1);
    emit_stmt(o, xprintf("%s_after", name),
              xprintf("%s WHERE %s%s%s ORDER BY %s LIMIT $%d", head, filter ? filter : "",
                      filter ? " AND " : "", after, order.s, base + nkeys + 1),
              base + nkeys + 1);
    sb_printf(o, "\n%s\n{\n    const char *params[%d];\n    const db_stmt *st = &%s;\n\n",
              by ? sig_list_by(t, by) : sig_list(t), base + nkeys + 1, name);
    sb_puts(o, "    *items = NULL;\n    *n = 0;\n    if (limit < 0)\n"
               "        return sf_fail(e, SF_INVALID, \"invalid-parameter\", \"limit must not be "
               "negative\");\n");
    if (nkeys > 1)
        sb_printf(o,
                  "    if (%s)\n        return sf_fail(e, SF_INVALID, \"invalid-parameter\",\n"
                  "                       \"a list cursor sets every key column or none\");\n",
                  cond.s);
    if (by)
        sb_printf(o, "    params[0] = %s;\n", param_text(by, by->name));
    sb_printf(o,
              "    if (after_%s) {\n        st = &%s_after;\n%s"
              "        params[%d] = db_param_int64(a, limit);\n"
              "    } else {\n        params[%d] = db_param_int64(a, limit);\n    }\n",
              keys[0]->name, name, setp.s, base + nkeys, base);
    sb_printf(o,
              "    PGresult *r = db_exec(c, st, params, e);\n"
              "    if (!r)\n"
              "        return e->status;\n"
              "    int rows = PQntuples(r);\n"
              "    if (rows > 0) {\n"
              "        *items = arena_alloc(a, (size_t)rows * sizeof **items);\n"
              "        for (int i = 0; i < rows; i++)\n"
              "            db_%s_decode(a, r, i, 0, &(*items)[i]);\n"
              "    }\n"
              "    *n = (size_t)rows;\n"
              "    PQclear(r);\n"
              "    return SF_OK;\n}\n",
              t->singular);
}

static void emit_stmt(sb *o, const char *name, const char *sql, int nparams)
{
    sb_printf(o, "\nstatic const db_stmt %s = {\n    .name = \"%s\",\n    .sql = ", name, name);
    emit_sql_literal(o, sql, 11);
    sb_printf(o, ",\n    .nparams = %d,\n};\n", nparams);
}

/* The tail shared by insert/get/update: run, expect one row, decode it. */
static void emit_exec_one(const table *t, const char *stmt, bool have_params, sb *o)
{
    sb_printf(o,
              "    PGresult *r = db_exec(c, &%s, %s, e);\n"
              "    if (!r)\n"
              "        return e->status;\n"
              "    if (PQntuples(r) != 1) {\n"
              "        PQclear(r);\n"
              "        return sf_fail(e, SF_NOT_FOUND, \"not-found\", \"%s\");\n"
              "    }\n"
              "    db_%s_decode(a, r, 0, 0, out);\n"
              "    PQclear(r);\n"
              "    return SF_OK;\n}\n",
              stmt, have_params ? "params" : "NULL", not_found(t), t->singular);
}

static int add_param(plist *pl, const char *expr)
{
    sb_printf(&pl->code, "    params[%d] = %s;\n", pl->n, expr);
    return ++pl->n;
}

/* C expression for the text form of value v of column c (NULL-safe for strings). */
static char *param_text(const column *c, const char *v)
{
    switch (c->type) {
    case CT_BIGINT:
    case CT_INTEGER:
    case CT_SMALLINT: return xprintf("db_param_int64(a, %s)", v);
    case CT_BOOLEAN: return xprintf("db_param_bool(%s)", v);
    case CT_ENUM: return xprintf("db_%s_str(%s)", c->en->name, v);
    default: return xstrdup(v);
    }
}

/* The SQL value written to column c by insert (or update), adding its parameters.
 * Defaulted columns: NOT NULL ones pass NULL when unset and COALESCE to the default (or,
 * on update, the stored value); nullable ones need a separate "is set" parameter, since
 * NULL is then a legitimate value. */
static char *write_expr(const column *c, plist *pl, bool update)
{
    const char *cast = col_sqlcast(c);
    char *val = param_text(c, xprintf("in->%s", c->name));
    const char *fallback = update ? sql_ident(c->name) : c->default_sql;
    if (col_has_default(c) && col_nullable(c)) {
        int f = add_param(pl, xprintf("db_param_bool(in->%s_is_set)", c->name));
        int v = add_param(pl, xprintf("in->%s_is_null ? NULL : %s", c->name, val));
        return xprintf("CASE WHEN $%d::boolean THEN $%d::%s ELSE %s END", f, v, cast, fallback);
    }
    if (col_has_default(c)) {
        int v = add_param(pl, xprintf("in->%s_is_set ? %s : NULL", c->name, val));
        return xprintf("COALESCE($%d::%s, %s)", v, cast, fallback);
    }
    if (col_nullable(c))
        val = xprintf("in->%s_is_null ? NULL : %s", c->name, val);
    return xprintf("$%d::%s", add_param(pl, val), cast);
}

static char *select_list(const table *t)
{
    sb b = {0};
    for (int i = 0; i < t->ncols; i++)
        sb_printf(&b, "%s%s", i ? ", " : "", sql_ident(t->cols[i].name));
    return b.s;
}

/* "product variant not found" */
static char *not_found(const table *t)
{
    char *s = xprintf("%s not found", t->singular);
    for (char *p = s; *p; p++)
        if (*p == '_')
            *p = ' ';
    return s;
}
