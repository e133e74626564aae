/*
 * emit_qgen.c — storefront/queries_gen.h and queries_gen.c from the described queries.
 *
 * Per query `name`: `q_name_params` (when it has parameters), `q_name_row` (when it
 * returns columns) and `q_name()`, which binds the parameters as text (the server parses
 * them with the described types; text keeps one code path for every type and is what
 * libpq's results already are), runs the statement prepared once per connection through
 * db_exec, and decodes rows into the arena. A NULL in a column described NOT NULL, or a
 * value that does not parse, is SF_INTERNAL, logged with the query and column: never a
 * silent zero.
 */
#include "emit.h"
#include "query.h"

#include <stdlib.h>
#include <string.h>

typedef enum vkind { VK_INT64, VK_INT32, VK_BOOL, VK_DOUBLE, VK_TEXT, VK_TIME, VK_ENUM } vkind;

typedef struct ctype {
    vkind k;
    bool array;
} ctype;

static ctype map_type(const query *q, const qfield *f);
static bool is_scalar(ctype t);
static void emit_param_field(const query *q, const qfield *f, sb *o);
static void emit_row_field(const query *q, const qfield *f, sb *o);
static char *sig(const query *q);
static void emit_bind(const query *q, int i, sb *o);
static void emit_decode_col(const query *q, int i, sb *o);
static void emit_doc(const query *q, sb *o);
static char *decoder_sig(const query *q);
static void emit_shape_decoder(const query *q, sb *o);
static bool has_row(const query *q);
static int embed_at(const query *q, int col, int *width);
static void check_field_names(const query *q);
static bool needs_arena(const query *q);
static bool bind_buffer(const query *q, int i);

void queries_validate(const query_set *qs)
{
    for (int i = 0; i < qs->n; i++) {
        const query *q = &qs->v[i];
        for (int k = 0; k < q->nparams; k++)
            (void)map_type(q, &q->params[k]);
        for (int k = 0; k < q->ncols; k++)
            (void)map_type(q, &q->cols[k]);
        if (has_row(q))
            check_field_names(q);
    }
}

void emit_queries_header(const schema *s, const query_set *qs, sb *o)
{
    emit_banner(s, o);
    sb_puts(o, " *\n * The named queries of schema/queries/ (see schema/gen/README.md,\n"
               " * \"Queries\"): a params struct, a row struct and one function each.\n */\n"
               "#ifndef STOREFRONT_QUERIES_GEN_H\n#define STOREFRONT_QUERIES_GEN_H\n\n"
               "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
               "#include \"storefront/db_gen.h\"\n");
    for (int i = 0; i < qs->n; i++) {
        const query *q = &qs->v[i];
        sb_puts(o, "\n");
        emit_doc(q, o);
        if (q->nparams) {
            sb_printf(o, "typedef struct q_%s_params {\n", q->name);
            for (int k = 0; k < q->nparams; k++)
                emit_param_field(q, &q->params[k], o);
            sb_printf(o, "} q_%s_params;\n", q->name);
        }
        if (has_row(q)) {
            check_field_names(q);
            sb_printf(o, "typedef struct q_%s_row {\n", q->name);
            for (int k = 0, w; k < q->ncols; k++) {
                int t = embed_at(q, k, &w);
                if (t >= 0) {
                    sb_printf(o, "    %s %s;\n", struct_name(q->embeds[t]), q->embeds[t]->singular);
                    k += w - 1;
                    continue;
                }
                emit_row_field(q, &q->cols[k], o);
            }
            sb_printf(o, "} q_%s_row;\n", q->name);
        }
        if (q->kind == QK_FRAGMENT)
            sb_printf(o, "extern const char q_frag_%s[];\n", q->name);
        else if (q->kind == QK_SHAPE)
            emit_wrapped(o, decoder_sig(q), 4, ";\n");
        else
            emit_wrapped(o, sig(q), 4, ";\n");
    }
    sb_puts(o, "\n#endif\n");
}

void emit_queries_source(const schema *s, const query_set *qs, sb *o)
{
    emit_banner(s, o);
    sb_puts(o,
            " *\n * Definitions for storefront/queries_gen.h.\n */\n"
            "#include \"storefront/queries_gen.h\"\n\n#include <inttypes.h>\n#include <stdio.h>\n"
            "#include <stdlib.h>\n#include <string.h>\n");
    for (int i = 0; i < qs->n; i++) {
        const query *q = &qs->v[i];
        if (q->kind == QK_SHAPE) {
            emit_shape_decoder(q, o);
            continue;
        }
        if (q->kind == QK_FRAGMENT) {
            sb_printf(o, "\n/* %s:%d */\nconst char q_frag_%s[] = ", q->file, q->line, q->name);
            emit_sql_literal(o, q->sql, 4);
            sb_puts(o, ";\n");
            continue;
        }
        if (q->kind == QK_COPY) {
            sb_printf(o, "\n/* %s:%d */\nstatic const char q_copy_%s[] = ", q->file, q->line,
                      q->name);
            emit_sql_literal(o, q->sql, 4);
            sb_puts(o, ";\n\n");
            emit_wrapped(o, sig(q), 4, "\n{\n");
            sb_printf(o, "    return db_copy_begin(c, q_copy_%s, e);\n}\n", q->name);
            continue;
        }
        sb_printf(o,
                  "\n/* %s:%d */\nstatic const db_stmt q_stmt_%s = {\n    .name = \"q_%s\",\n"
                  "    .sql = ",
                  q->file, q->line, q->name, q->name);
        emit_sql_literal(o, q->sql, 11);
        sb_printf(o, ",\n    .nparams = %d,\n};\n", q->nparams);

        if (has_row(q)) {
            sb_puts(o, "\n");
            emit_wrapped(o,
                         xprintf("static bool q_%s_decode(%sconst PGresult *r, int row, q_%s_row "
                                 "*out, sf_error *e)",
                                 q->name, needs_arena(q) ? "arena *a, " : "", q->name),
                         4, "\n{\n");
            for (int k = 0, w; k < q->ncols; k++) {
                int t = embed_at(q, k, &w);
                if (t >= 0) {
                    sb_printf(o, "    %s_decode(a, r, row, %d, &out->%s);\n",
                              struct_name(q->embeds[t]), k, q->embeds[t]->singular);
                    k += w - 1;
                    continue;
                }
                emit_decode_col(q, k, o);
            }
            sb_puts(o, "    (void)e;\n    return true;\n}\n");
        }

        sb_puts(o, "\n");
        emit_wrapped(o, sig(q), 4, "\n{\n");
        if (q->nparams) {
            sb_printf(o, "    const char *params[%d];\n", q->nparams);
            for (int k = 0; k < q->nparams; k++)
                if (bind_buffer(q, k))
                    sb_printf(o, "    char b%d[32];\n", k);
            sb_puts(o, "\n");
            for (int k = 0; k < q->nparams; k++)
                emit_bind(q, k, o);
        }
        sb_printf(o, "    PGresult *r = db_exec(c, &q_stmt_%s, %s, e);\n", q->name,
                  q->nparams ? "params" : "NULL");
        sb_puts(o, "    if (!r)\n        return e->status;\n");
        switch (q->kind) {
        case QK_EXEC:
        case QK_SHAPE:
        case QK_FRAGMENT:
        case QK_COPY: break;
        case QK_EXECROWS: sb_puts(o, "    *rows = strtol(PQcmdTuples(r), NULL, 10);\n"); break;
        case QK_ONE:
            sb_puts(o,
                    "    if (PQntuples(r) == 0) {\n        PQclear(r);\n        return sf_fail(e, "
                    "SF_NOT_FOUND, \"not-found\", \"Not found.\");\n    }\n");
            sb_printf(o, "    bool ok = q_%s_decode(%sr, 0, out, e);\n", q->name,
                      needs_arena(q) ? "a, " : "");
            sb_puts(o, "    PQclear(r);\n    return ok ? SF_OK : e->status;\n}\n");
            continue;
        case QK_MANY:
            sb_printf(o,
                      "    size_t nt = (size_t)PQntuples(r);\n"
                      "    q_%s_row *v = nt ? arena_calloc(a, nt * sizeof *v) : NULL;\n"
                      "    for (size_t i = 0; i < nt; i++) {\n"
                      "        if (!q_%s_decode(%sr, (int)i, &v[i], e)) {\n"
                      "            PQclear(r);\n            return e->status;\n        }\n"
                      "    }\n    *rows = v;\n    *n = nt;\n",
                      q->name, q->name, needs_arena(q) ? "a, " : "");
            break;
        }
        sb_puts(o, "    PQclear(r);\n    return SF_OK;\n}\n");
    }
}

/* --- static helpers --------------------------------------------------------------- */

/* Integers and floats are formatted into a stack buffer; arrays into the arena. */
static bool bind_buffer(const query *q, int i)
{
    ctype t = map_type(q, &q->params[i]);
    return !t.array && (t.k == VK_INT64 || t.k == VK_INT32 || t.k == VK_DOUBLE);
}

/* The arena holds array parameters, :many's rows and decoded text/array columns; a
 * query with none of them takes none, so the signature says whether results outlive a
 * stack frame. */
static bool needs_arena(const query *q)
{
    for (int i = 0; i < q->nparams; i++)
        if (map_type(q, &q->params[i]).array)
            return true;
    if (q->kind == QK_MANY || q->kind == QK_SHAPE || q->nembeds)
        return true; /* the rows themselves; table decoders take one */
    if (!has_row(q))
        return false;
    for (int i = 0; i < q->ncols; i++) {
        ctype t = map_type(q, &q->cols[i]);
        if (t.array || t.k == VK_TEXT || t.k == VK_TIME)
            return true;
    }
    return false;
}

/* When an sfgen.embed(table) starts at result column `col`: the embed's index, and its
 * width (the table's column count) in *width; -1 otherwise. An embed starts at the
 * first column from which the table's columns follow by name, in order; the k-th embed
 * is searched after the (k-1)-th. */
static int embed_at(const query *q, int col, int *width)
{
    int from = 0;
    for (int k = 0; k < q->nembeds; k++) {
        const table *t = q->embeds[k];
        int at = -1;
        for (int i = from; at < 0 && i + t->ncols <= q->ncols; i++) {
            bool match = true;
            for (int j = 0; match && j < t->ncols; j++)
                match = strcmp(q->cols[i + j].name, t->cols[j].name) == 0;
            if (match)
                at = i;
        }
        if (at < 0)
            die_at(q->file, q->line, "%s: the columns of sfgen.embed(%s) are not in the result",
                   q->name, t->name);
        if (at == col) {
            *width = t->ncols;
            return k;
        }
        from = at + t->ncols;
    }
    return -1;
}

/* The row struct's field names (columns outside embeds, and each embed's) are unique. */
static void check_field_names(const query *q)
{
    const char **names = xcalloc((size_t)q->ncols + 1, sizeof *names);
    int n = 0;
    for (int k = 0, w; k < q->ncols; k++) {
        int t = embed_at(q, k, &w);
        const char *name = t >= 0 ? q->embeds[t]->singular : q->cols[k].name;
        if (t >= 0)
            k += w - 1;
        for (int i = 0; i < n; i++)
            if (strcmp(names[i], name) == 0)
                die_at(q->file, q->line, "%s: two result fields are named `%s` (alias one)",
                       q->name, name);
        names[n++] = name;
    }
    free(names);
}

static bool has_row(const query *q)
{
    return q->kind == QK_ONE || q->kind == QK_MANY || q->kind == QK_SHAPE;
}

static ctype map_type(const query *q, const qfield *f)
{
    const char *t = f->pgtype;
    ctype r = {.array = t[0] == '_'};
    if (r.array)
        t++;
    if (f->en && !r.array)
        r.k = VK_ENUM;
    else if (strcmp(t, "int8") == 0)
        r.k = VK_INT64;
    else if (strcmp(t, "int4") == 0 || strcmp(t, "int2") == 0)
        r.k = VK_INT32;
    else if (strcmp(t, "bool") == 0)
        r.k = VK_BOOL;
    else if (strcmp(t, "float8") == 0 || strcmp(t, "float4") == 0)
        r.k = VK_DOUBLE;
    else if (strcmp(t, "timestamptz") == 0)
        r.k = VK_TIME;
    else if (strcmp(t, "text") == 0 || strcmp(t, "varchar") == 0 || strcmp(t, "bpchar") == 0 ||
             strcmp(t, "name") == 0 || strcmp(t, "uuid") == 0 || strcmp(t, "numeric") == 0 ||
             strcmp(t, "date") == 0 || strcmp(t, "json") == 0 || strcmp(t, "jsonb") == 0 ||
             strcmp(t, "interval") == 0 || strcmp(t, "inet") == 0 || strcmp(t, "void") == 0 ||
             strcmp(t, "timestamp") == 0 || strcmp(t, "bytea") == 0 || f->en)
        r.k = VK_TEXT;
    else
        die_at(q->file, q->line, "%s: `%s` is of type %s, which has no C mapping (cast it)",
               q->name, f->name, f->pgtype);
    if (r.array && !(r.k == VK_INT64 || r.k == VK_INT32 || r.k == VK_TEXT))
        die_at(q->file, q->line, "%s: `%s`: arrays of %s have no C mapping", q->name, f->name,
               f->pgtype + 1);
    if (is_c_keyword(f->name))
        die_at(q->file, q->line, "%s: `%s` is a C keyword: rename it", q->name, f->name);
    return r;
}

static bool is_scalar(ctype t)
{
    return !t.array && (t.k == VK_INT64 || t.k == VK_INT32 || t.k == VK_BOOL || t.k == VK_DOUBLE ||
                        t.k == VK_ENUM);
}

static const char *scalar_ctype(const qfield *f, ctype t)
{
    switch (t.k) {
    case VK_INT64: return "int64_t";
    case VK_INT32: return "int32_t";
    case VK_BOOL: return "bool";
    case VK_DOUBLE: return "double";
    case VK_ENUM: return xprintf("db_%s", f->en->name);
    case VK_TEXT:
    case VK_TIME: break;
    }
    return "char *";
}

static void emit_param_field(const query *q, const qfield *f, sb *o)
{
    ctype t = map_type(q, f);
    if (t.array) {
        sb_printf(o, "    const %s%s%s;\n    size_t %s_n;\n", scalar_ctype(f, t),
                  t.k == VK_TEXT ? " const *" : " *", f->name, f->name);
        return;
    }
    if (t.k == VK_TEXT || t.k == VK_TIME) {
        sb_printf(o, "    const char *%s;%s\n", f->name,
                  f->nullable ? " /* NULL = SQL NULL */" : "");
        return;
    }
    sb_printf(o, "    %s %s;\n", scalar_ctype(f, t), f->name);
    if (f->nullable)
        sb_printf(o, "    bool %s_is_null;\n", f->name);
}

static void emit_row_field(const query *q, const qfield *f, sb *o)
{
    ctype t = map_type(q, f);
    if (t.array) {
        sb_printf(o, "    %s%s%s;\n    size_t %s_n;\n", scalar_ctype(f, t),
                  t.k == VK_TEXT ? "*" : " *", f->name, f->name);
        return;
    }
    if (t.k == VK_TEXT || t.k == VK_TIME) {
        sb_printf(o, "    char *%s;%s\n", f->name, t.k == VK_TIME ? " /* RFC 3339, UTC */" : "");
        return;
    }
    sb_printf(o, "    %s %s;\n", scalar_ctype(f, t), f->name);
    if (f->nullable)
        sb_printf(o, "    bool %s_is_null;\n", f->name);
}

static char *sig(const query *q)
{
    sb s = {0};
    sb_printf(&s, "sf_status q_%s(db_conn *c, %s", q->name, needs_arena(q) ? "arena *a, " : "");
    if (q->nparams)
        sb_printf(&s, "const q_%s_params *p, ", q->name);
    switch (q->kind) {
    case QK_ONE: sb_printf(&s, "q_%s_row *out, ", q->name); break;
    case QK_MANY: sb_printf(&s, "q_%s_row **rows, size_t *n, ", q->name); break;
    case QK_EXECROWS: sb_puts(&s, "long *rows, "); break;
    case QK_EXEC:
    case QK_SHAPE:
    case QK_FRAGMENT:
    case QK_COPY: break;
    }
    sb_puts(&s, "sf_error *e)");
    return s.s;
}

static void emit_bind(const query *q, int i, sb *o)
{
    const qfield *f = &q->params[i];
    ctype t = map_type(q, f);
    char *v = xprintf("p->%s", f->name);
    char *expr;
    if (t.array) {
        expr = xprintf("db_param_%s_array(a, %s, p->%s_n)",
                       t.k == VK_INT64   ? "int64"
                       : t.k == VK_INT32 ? "int32"
                                         : "text",
                       v, f->name);
    } else {
        switch (t.k) {
        case VK_INT64:
        case VK_INT32:
            sb_printf(o, "    snprintf(b%d, sizeof b%d, \"%%\" PRId64, (int64_t)%s);\n", i, i, v);
            expr = xprintf("b%d", i);
            break;
        case VK_BOOL: expr = xprintf("db_param_bool(%s)", v); break;
        case VK_DOUBLE:
            sb_printf(o, "    snprintf(b%d, sizeof b%d, \"%%.17g\", %s);\n", i, i, v);
            expr = xprintf("b%d", i);
            break;
        case VK_ENUM: expr = xprintf("db_%s_str(%s)", f->en->name, v); break;
        case VK_TEXT:
        case VK_TIME:
        default: expr = v; break;
        }
    }
    if (f->nullable && is_scalar(t))
        sb_printf(o, "    params[%d] = p->%s_is_null ? NULL : %s;\n", i, f->name, expr);
    else
        sb_printf(o, "    params[%d] = %s;\n", i, expr);
}

static void emit_decode_col(const query *q, int i, sb *o)
{
    const qfield *f = &q->cols[i];
    ctype t = map_type(q, f);
    const char *name = f->name;
    if (t.array) {
        sb_printf(o,
                  "    if (db_get_%s_array(a, r, row, %d, &out->%s, &out->%s_n) < 0)\n"
                  "        return db_decode_failed(e, \"%s\", \"%s\");\n",
                  t.k == VK_INT64   ? "int64"
                  : t.k == VK_INT32 ? "int32"
                                    : "text",
                  i, name, name, q->name, name);
        return;
    }
    switch (t.k) {
    case VK_TEXT: sb_printf(o, "    out->%s = db_text(a, r, row, %d);\n", name, i); return;
    case VK_TIME: sb_printf(o, "    out->%s = db_timestamp(a, r, row, %d);\n", name, i); return;
    case VK_ENUM:
        if (f->nullable)
            sb_printf(o, "    out->%s_is_null = PQgetisnull(r, row, %d);\n", name, i);
        sb_printf(o, "    if (%s!db_%s_parse(PQgetvalue(r, row, %d), &out->%s))\n",
                  f->nullable ? xprintf("!out->%s_is_null && ", name) : "", f->en->name, i, name);
        sb_printf(o, "        return db_decode_failed(e, \"%s\", \"%s\");\n", q->name, name);
        return;
    default: break;
    }
    const char *fn = t.k == VK_INT64   ? "int64"
                     : t.k == VK_INT32 ? "int32"
                     : t.k == VK_BOOL  ? "bool"
                                       : "double";
    if (f->nullable)
        sb_printf(o, "    out->%s_is_null = !db_get_%s(r, row, %d, &out->%s);\n", name, fn, i,
                  name);
    else
        sb_printf(o,
                  "    if (!db_get_%s(r, row, %d, &out->%s))\n"
                  "        return db_decode_failed(e, \"%s\", \"%s\");\n",
                  fn, i, name, q->name, name);
}

static char *decoder_sig(const query *q)
{
    return xprintf("bool q_%s_decode(arena *a, const PGresult *r, int row, q_%s_row *out, "
                   "sf_error *e)",
                   q->name, q->name);
}

/* A shape's decoder is public, and at a result's first row checks that the result has
 * the shape's columns by name and count: a statement assembled at run time that drifts from its
 * shape fails loudly (SF_INTERNAL) instead of decoding the wrong column. */
static void emit_shape_decoder(const query *q, sb *o)
{
    sb_printf(o, "\n/* %s:%d: the shape of statements assembled at run time. */\n", q->file,
              q->line);
    emit_wrapped(o, decoder_sig(q), 4, "\n{\n");
    sb_puts(o, "    static const char *const names[] = {");
    for (int k = 0; k < q->ncols; k++)
        sb_printf(o, "%s\"%s\"", k ? ", " : "", q->cols[k].name);
    /* The columns are the result's, not the row's: checked once, at its first row. */
    sb_printf(o,
              "};\n\n    if (row == 0 && PQnfields(r) != %d)\n        return db_decode_failed(e, "
              "\"%s\", \"(column count)\");\n",
              q->ncols, q->name);
    sb_printf(o,
              "    for (int k = 0; row == 0 && k < %d; k++)\n"
              "        if (strcmp(PQfname(r, k), names[k]) != 0)\n"
              "            return db_decode_failed(e, \"%s\", names[k]);\n",
              q->ncols, q->name);
    for (int k = 0, w; k < q->ncols; k++) {
        int t = embed_at(q, k, &w);
        if (t >= 0) {
            sb_printf(o, "    %s_decode(a, r, row, %d, &out->%s);\n", struct_name(q->embeds[t]), k,
                      q->embeds[t]->singular);
            k += w - 1;
            continue;
        }
        emit_decode_col(q, k, o);
    }
    sb_puts(o, "    (void)a;\n    return true;\n}\n");
}

static void emit_doc(const query *q, sb *o)
{
    sb_printf(o, "/* %s:%d (%s)\n", q->file, q->line,
              q->kind == QK_ONE    ? ":one, SF_NOT_FOUND when no row"
              : q->kind == QK_MANY ? ":many"
              : q->kind == QK_EXEC ? ":exec"
              : q->kind == QK_COPY
                  ? ":copy, starts COPY FROM STDIN: send the rows, then db_copy_end"
                  : ":execrows, the affected-row count");
    for (const char *p = q->doc; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n)
            sb_printf(o, " * %.*s\n", (int)n, p);
        else
            sb_puts(o, " *\n");
        p += n + (e != NULL);
    }
    sb_puts(o, " */\n");
}
