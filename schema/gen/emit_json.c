/*
 * emit_json.c — the JSON half of db_gen.c: db_x_to_json (row -> object, keys = column
 * names) and db_x_from_json (object -> row, with field-level validation: unknown and
 * read-only keys, required columns, integer ranges, string lengths in characters, UTF-8,
 * enum labels). Small static helpers are emitted once, and only those the schema uses,
 * so -Wunused-function stays quiet.
 */
#include "emit.h"

#include <string.h>

typedef struct uses {
    bool text_out, json_out;                            /* to_json */
    bool text_in, int64_in, int32_in, bool_in, json_in; /* from_json */
} uses;

static uses schema_uses(const schema *s);
static bool is_text(const column *c);
static void emit_to_json(const table *t, sb *o);
static void emit_from_json(const table *t, sb *o);
static void emit_field_block(const column *c, sb *o);
static char *reader(const column *c);
static void emit_name_array(const table *t, bool read_only, sb *o);

static const char helper_utf8[] =
    "\n/* Characters in s[0..n), or -1 unless it is valid UTF-8 (shortest form, no surrogates)\n"
    " * without NUL bytes. */\n"
    "static long gen_utf8_chars(const char *s, size_t n)\n{\n"
    "    long chars = 0;\n\n"
    "    for (size_t i = 0; i < n; chars++) {\n"
    "        unsigned char b = (unsigned char)s[i];\n"
    "        size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3\n"
    "                   : (b & 0xF8) == 0xF0 ? 4 : 0;\n"
    "        if (b == 0 || len == 0 || len > n - i)\n"
    "            return -1;\n"
    "        uint32_t cp = len == 1 ? b : (uint32_t)(b & (0x7F >> len));\n"
    "        for (size_t k = 1; k < len; k++) {\n"
    "            if (((unsigned char)s[i + k] & 0xC0) != 0x80)\n"
    "                return -1;\n"
    "            cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);\n"
    "        }\n"
    "        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) "
    "||\n"
    "            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))\n"
    "            return -1;\n"
    "        i += len;\n"
    "    }\n"
    "    return chars;\n}\n"
    "\n/* A JSON string: valid UTF-8, at most max characters (exactly max when exact; max 0 =\n"
    " * no limit), copied into a. */\n"
    "static bool gen_from_json_text(arena *a, const json_t *v, const char *field, long max,\n"
    "                               bool exact, char **out, sf_error *e)\n{\n"
    "    if (!json_is_string(v)) {\n"
    "        sf_field_fail(e, field, \"must be a string\");\n"
    "        return false;\n"
    "    }\n"
    "    size_t len = json_string_length(v);\n"
    "    long chars = gen_utf8_chars(json_string_value(v), len);\n"
    "    if (chars < 0) {\n"
    "        sf_field_fail(e, field, \"must be valid UTF-8 without NUL characters\");\n"
    "        return false;\n"
    "    }\n"
    "    if (exact && chars != max) {\n"
    "        sf_field_fail(e, field, \"must be exactly %ld characters\", max);\n"
    "        return false;\n"
    "    }\n"
    "    if (max > 0 && chars > max) {\n"
    "        sf_field_fail(e, field, \"must be at most %ld characters\", max);\n"
    "        return false;\n"
    "    }\n"
    "    *out = arena_strndup(a, json_string_value(v), len);\n"
    "    return true;\n}\n";

static const char helper_int64[] =
    "\n/* A JSON integer within [min, max]. */\n"
    "static bool gen_from_json_int64(const json_t *v, const char *field, int64_t min, int64_t "
    "max,\n"
    "                                int64_t *out, sf_error *e)\n{\n"
    "    if (!json_is_integer(v)) {\n"
    "        sf_field_fail(e, field, \"must be an integer\");\n"
    "        return false;\n"
    "    }\n"
    "    json_int_t n = json_integer_value(v);\n"
    "    if (n < min || n > max) {\n"
    "        sf_field_fail(e, field, \"must be between %\" PRId64 \" and %\" PRId64, min, max);\n"
    "        return false;\n"
    "    }\n"
    "    *out = (int64_t)n;\n"
    "    return true;\n}\n";

static const char helper_int32[] = "\nstatic bool gen_from_json_int32(const json_t *v, const char "
                                   "*field, int32_t min, int32_t max,\n"
                                   "                                int32_t *out, sf_error *e)\n{\n"
                                   "    int64_t n;\n\n"
                                   "    if (!gen_from_json_int64(v, field, min, max, &n, e))\n"
                                   "        return false;\n"
                                   "    *out = (int32_t)n;\n"
                                   "    return true;\n}\n";

static const char helper_bool[] =
    "\nstatic bool gen_from_json_bool(const json_t *v, const char *field, bool *out, sf_error *e)\n"
    "{\n"
    "    if (!json_is_boolean(v)) {\n"
    "        sf_field_fail(e, field, \"must be a boolean\");\n"
    "        return false;\n"
    "    }\n"
    "    *out = json_is_true(v);\n"
    "    return true;\n}\n";

static const char helper_json_in[] =
    "\n/* Any JSON value, stored as its compact text. */\n"
    "static char *gen_from_json_any(arena *a, const json_t *v)\n{\n"
    "    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);\n"
    "    char *copy = arena_strdup(a, s ? s : \"null\");\n\n"
    "    free(s);\n"
    "    return copy;\n}\n";

static const char helper_fields[] =
    "\n/* Rejects keys outside `fields` and keys in `read_only`. */\n"
    "static bool gen_check_fields(const json_t *j, const char *const *fields,\n"
    "                             const char *const *read_only, sf_error *e)\n{\n"
    "    const char *key;\n"
    "    json_t *v;\n"
    "    bool ok = true;\n\n"
    "    json_object_foreach ((json_t *)j, key, v) {\n"
    "        bool known = false, ro = false;\n"
    "        for (const char *const *f = fields; *f && !known; f++)\n"
    "            known = strcmp(*f, key) == 0;\n"
    "        for (const char *const *f = read_only; *f && !ro; f++)\n"
    "            ro = strcmp(*f, key) == 0;\n"
    "        if (!known || ro) {\n"
    "            sf_field_fail(e, key, \"%s\", known ? \"is read-only\" : \"unknown field\");\n"
    "            ok = false;\n"
    "        }\n"
    "    }\n"
    "    return ok;\n}\n";

static const char helper_text_out[] = "\nstatic json_t *gen_json_text_or_null(const char *s)\n{\n"
                                      "    json_t *v = s ? json_string(s) : NULL;\n\n"
                                      "    return v ? v : json_null();\n}\n";

static const char helper_json_out[] =
    "\nstatic json_t *gen_json_parse_or_null(const char *s)\n{\n"
    "    json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;\n\n"
    "    return v ? v : json_null();\n}\n";

void emit_json_helpers(const schema *s, sb *o)
{
    uses u = schema_uses(s);
    sb_puts(o, "\n/* ---- JSON helpers ---- */\n");
    if (u.text_in)
        sb_puts(o, helper_utf8);
    if (u.int64_in || u.int32_in)
        sb_puts(o, helper_int64);
    if (u.int32_in)
        sb_puts(o, helper_int32);
    if (u.bool_in)
        sb_puts(o, helper_bool);
    if (u.json_in)
        sb_puts(o, helper_json_in);
    bool any = false;
    for (int i = 0; i < s->ntables; i++)
        any |= !s->tables[i]->no_crud;
    if (any)
        sb_puts(o, helper_fields);
    if (u.text_out)
        sb_puts(o, helper_text_out);
    if (u.json_out)
        sb_puts(o, helper_json_out);
}

void emit_json_table(const table *t, sb *o)
{
    emit_to_json(t, o);
    emit_from_json(t, o);
}

static uses schema_uses(const schema *s)
{
    uses u = {0};
    for (int i = 0; i < s->ntables; i++)
        for (int j = 0; j < s->tables[i]->ncols && !s->tables[i]->no_crud; j++) {
            const column *c = &s->tables[i]->cols[j];
            bool w = col_writable(c);
            bool js = c->type == CT_JSON || c->type == CT_JSONB;
            u.text_out |= is_text(c) || c->type == CT_ENUM;
            u.json_out |= js;
            u.text_in |= w && is_text(c);
            u.int64_in |= w && c->type == CT_BIGINT;
            u.int32_in |= w && (c->type == CT_INTEGER || c->type == CT_SMALLINT);
            u.bool_in |= w && c->type == CT_BOOLEAN;
            u.json_in |= w && js;
        }
    return u;
}

static bool is_text(const column *c)
{
    switch (c->type) {
    case CT_TEXT:
    case CT_VARCHAR:
    case CT_CHAR:
    case CT_UUID:
    case CT_NUMERIC:
    case CT_DATE:
    case CT_TIMESTAMPTZ: return true;
    default: return false;
    }
}

static void emit_to_json(const table *t, sb *o)
{
    sb_printf(o, "\n%s\n{\n    json_t *o = json_object();\n\n", sig_to_json(t));
    for (int i = 0; i < t->ncols; i++) {
        const column *c = &t->cols[i];
        const char *n = c->name;
        char *val;
        switch (c->type) {
        case CT_BIGINT:
        case CT_INTEGER:
        case CT_SMALLINT: val = xprintf("json_integer(in->%s)", n); break;
        case CT_BOOLEAN: val = xprintf("json_boolean(in->%s)", n); break;
        case CT_ENUM:
            val = xprintf("gen_json_text_or_null(db_%s_str(in->%s))", c->en->name, n);
            break;
        case CT_JSON:
        case CT_JSONB: val = xprintf("gen_json_parse_or_null(in->%s)", n); break;
        default: val = xprintf("gen_json_text_or_null(in->%s)", n);
        }
        if (col_nullable(c))
            sb_printf(o,
                      "    json_object_set_new(o, \"%s\",\n                        in->%s_is_null "
                      "? json_null() : %s);\n",
                      n, n, val);
        else
            sb_printf(o, "    json_object_set_new(o, \"%s\", %s);\n", n, val);
    }
    sb_puts(o, "    return o;\n}\n");
}

static void emit_from_json(const table *t, sb *o)
{
    bool any_writable = false;
    for (int i = 0; i < t->ncols; i++)
        any_writable |= col_writable(&t->cols[i]);
    sb_puts(o, "\n");
    emit_name_array(t, false, o);
    emit_name_array(t, true, o);
    sb_printf(o, "\n%s\n{\n", sig_from_json(t));
    if (any_writable)
        sb_puts(o, "    const json_t *v;\n");
    sb_puts(o, "    bool ok;\n\n    memset(out, 0, sizeof *out);\n    if (!json_is_object(j))\n"
               "        return sf_fail(e, SF_INVALID, \"validation-error\", \"expected a JSON "
               "object\");\n");
    sb_printf(o, "    ok = gen_check_fields(j, gen_%s_fields, gen_%s_read_only, e);\n", t->singular,
              t->singular);
    for (int i = 0; i < t->ncols; i++)
        if (col_nullable(&t->cols[i]))
            sb_printf(o, "    out->%s_is_null = true;\n", t->cols[i].name);
    for (int i = 0; i < t->ncols; i++)
        if (col_writable(&t->cols[i]))
            emit_field_block(&t->cols[i], o);
    sb_puts(o, "    return ok ? SF_OK : SF_INVALID;\n}\n");
}

static void emit_name_array(const table *t, bool read_only, sb *o)
{
    sb b = {0};
    sb_printf(&b, "static const char *const gen_%s_%s[] = {", t->singular,
              read_only ? "read_only" : "fields");
    for (int i = 0; i < t->ncols; i++)
        if (!read_only || !col_writable(&t->cols[i]))
            sb_printf(&b, "\"%s\", ", t->cols[i].name);
    sb_puts(&b, "NULL};");
    emit_wrapped(o, b.s, 4, "\n");
}

/* The block that reads one writable column:
 *   absent  -> "is required" when NOT NULL without default, else left unset
 *   null    -> _is_null for nullable columns, "must not be null" otherwise
 *   value   -> type-checked into out, _is_set / _is_null updated */
static void emit_field_block(const column *c, sb *o)
{
    const char *n = c->name;
    bool required = !col_nullable(c) && !col_has_default(c);
    sb_printf(o, "\n    v = json_object_get(j, \"%s\");\n", n);
    if (required)
        sb_printf(o,
                  "    if (!v) {\n        sf_field_fail(e, \"%s\", \"is required\");\n"
                  "        ok = false;\n    } else if (json_is_null(v)) {\n",
                  n);
    else
        sb_puts(o, "    if (v && json_is_null(v)) {\n");
    if (col_nullable(c))
        sb_puts(o, col_has_default(c) ? xprintf("        out->%s_is_set = true;\n", n)
                                      : "        /* stays NULL */\n");
    else
        sb_printf(
            o, "        sf_field_fail(e, \"%s\", \"must not be null\");\n        ok = false;\n", n);
    sb_puts(o, required ? "    } else {\n" : "    } else if (v) {\n");
    if (col_has_default(c))
        sb_printf(o, "        out->%s_is_set = true;\n", n);
    if (col_nullable(c))
        sb_printf(o, "        out->%s_is_null = false;\n", n);
    sb_printf(o, "%s    }\n", reader(c));
}

/* Statements (indented 8) that type-check v into out->col. */
static char *reader(const column *c)
{
    const char *n = c->name;
    switch (c->type) {
    case CT_BIGINT:
        return xprintf(
            "        if (!gen_from_json_int64(v, \"%s\", INT64_MIN, INT64_MAX, &out->%s, e))\n"
            "            ok = false;\n",
            n, n);
    case CT_INTEGER:
    case CT_SMALLINT:
        return xprintf("        if (!gen_from_json_int32(v, \"%s\", %s, %s, &out->%s, e))\n"
                       "            ok = false;\n",
                       n, c->type == CT_INTEGER ? "INT32_MIN" : "INT16_MIN",
                       c->type == CT_INTEGER ? "INT32_MAX" : "INT16_MAX", n);
    case CT_BOOLEAN:
        return xprintf("        if (!gen_from_json_bool(v, \"%s\", &out->%s, e))\n"
                       "            ok = false;\n",
                       n, n);
    case CT_JSON:
    case CT_JSONB: return xprintf("        out->%s = gen_from_json_any(a, v);\n", n);
    case CT_ENUM: {
        sb msg = {0};
        sb_puts(&msg, "must be one of: ");
        for (int i = 0; i < c->en->nvalues; i++) {
            if (i)
                sb_puts(&msg, ", ");
            c_escape(&msg, c->en->values[i], strlen(c->en->values[i]));
        }
        return xprintf("        if (!json_is_string(v) ||\n"
                       "            !db_%s_parse(json_string_value(v), &out->%s)) {\n"
                       "            sf_field_fail(e, \"%s\", \"%%s\", \"%s\");\n"
                       "            ok = false;\n        }\n",
                       c->en->name, n, n, msg.s);
    }
    default:
        return xprintf("        if (!gen_from_json_text(a, v, \"%s\", %d, %s, &out->%s, e))\n"
                       "            ok = false;\n",
                       n, c->maxlen, c->type == CT_CHAR ? "true" : "false", n);
    }
}
