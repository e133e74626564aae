/*
 * sfgen.h — shared model of the ORM generator: tokens, the schema it understands
 * (enums, tables, columns), a growable string buffer and the emitters' entry points.
 *
 * sfgen reads schema/migrations/NNNN_*.sql in order, replays CREATE TYPE / CREATE TABLE /
 * ALTER TABLE into this model, and prints C from it. Everything lives until exit, so
 * nothing here is ever freed.
 */
#ifndef SFGEN_H
#define SFGEN_H

#include <stdbool.h>
#include <stddef.h>

/* ---- utilities (util.c) ---- */

typedef struct sb {
    char *s;
    size_t len, cap;
} sb;

void sb_putn(sb *b, const char *s, size_t n);
void sb_puts(sb *b, const char *s);
void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "file:line: message" to stderr and exits with status 1. */
void die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Reads a whole file (NUL-terminated, length in *len); dies on failure. */
char *read_file(const char *path, size_t *len);
/* Writes `b` to path unless the file already holds exactly that; creates parent dirs. */
void write_if_changed(const char *path, const sb *b);

/* ---- lexer (lexer.c) ---- */

typedef enum tok_kind {
    TK_IDENT,  /* unquoted identifier or keyword; `low` is lower-cased */
    TK_QIDENT, /* "quoted identifier"; `low` is the unescaped name */
    TK_NUMBER,
    TK_STRING, /* '...' or E'...'; `low` is the unescaped value */
    TK_DOLLAR, /* $tag$ ... $tag$ body */
    TK_PARAM,  /* $1 */
    TK_PUNCT,  /* one of ( ) , ; [ ] . */
    TK_OP,     /* operator characters, e.g. :: = >= ~ */
    TK_EOF
} tok_kind;

typedef struct token {
    tok_kind kind;
    const char *src; /* raw text in the file */
    size_t len;
    char *low;
    int line;
    bool space_before; /* whitespace or a comment separated it from the previous token */
} token;

typedef struct token_list {
    const char *file; /* path as shown in messages */
    token *v;
    size_t n;
} token_list;

/* Tokenizes `text`, skipping comments; dies with file:line on unterminated quotes. */
void lex(const char *file, const char *text, token_list *out);

/* ---- schema model ---- */

typedef enum col_type {
    CT_BIGINT,
    CT_INTEGER,
    CT_SMALLINT,
    CT_BOOLEAN,
    CT_TEXT,
    CT_VARCHAR,
    CT_CHAR,
    CT_UUID,
    CT_NUMERIC,
    CT_DATE,
    CT_TIMESTAMPTZ,
    CT_JSONB,
    CT_JSON,
    CT_ENUM,
    CT_TSVECTOR
} col_type;

typedef struct sql_enum {
    char *name;
    char **values;
    int nvalues;
} sql_enum;

typedef struct column {
    char *name;
    col_type type;
    int maxlen;   /* varchar(n) / char(n), 0 = unlimited */
    sql_enum *en; /* CT_ENUM */
    bool not_null;
    int pk; /* 1-based position in the primary key, 0 = not in it */
    bool unique;
    bool identity;     /* GENERATED ... AS IDENTITY */
    bool generated;    /* GENERATED ALWAYS AS (...) STORED */
    char *default_sql; /* DEFAULT expression as written, NULL = none */
    bool array;        /* type[]: only as a derived column (see parse_column) */
    char *ref_table, *ref_column;
} column;

typedef struct table {
    char *name;
    char *singular; /* products -> product */
    column *cols;
    int ncols;
    bool no_crud; /* not in --crud's list: struct and decoder only */
} table;

typedef struct schema {
    sql_enum **enums;
    int nenums;
    table **tables;
    int ntables;
    char **files; /* migration paths relative to the source root, in order */
    int nfiles;
} schema;

/* Applies the statements of one migration file to the schema; dies on errors. */
void parse_file(schema *s, const token_list *toks);
/* Checks names the C output depends on (collisions, C keywords); dies on errors. */
void schema_validate(const schema *s);

/* ---- column helpers (model.c) ---- */

/* A C keyword (or bool/true/false): never a field name. */
bool is_c_keyword(const char *s);
/* Identity and generated columns: never written by insert/update/from_json. */
bool col_writable(const column *c);
/* Nullable = no NOT NULL and not part of the primary key. */
bool col_nullable(const column *c);
bool col_has_default(const column *c);
/* The C type of the struct field ("int64_t", "char *", "db_product_status"). */
const char *col_ctype(const column *c);
/* The C type of a by-value parameter ("int64_t", "const char *", ...). */
const char *col_param_ctype(const column *c);
/* The SQL type used to cast parameters ("bigint", "text", "product_status"). */
const char *col_sqlcast(const column *c);
/* The column's type as declared, for comments ("varchar(120)"). */
char *col_sqltype(const column *c);
/* The column name as it must appear in SQL (quoted when a reserved word). */
const char *sql_ident(const char *name);
/* Primary key columns in key order; returns their count. */
int table_pk(const table *t, const column **out, int max);
/* "PRODUCT_STATUS" from "product_status": upper case, non-alphanumerics -> '_'. */
char *upper_ident(const char *s);

/* ---- emitters ---- */

#define MAX_PK 8

/* storefront/db_gen.h (emit_header.c) */
void emit_header(const schema *s, sb *out);
/* db_gen.c: queries (emit_queries.c) and JSON (emit_json.c) */
void emit_source(const schema *s, sb *out);
void emit_json_helpers(const schema *s, sb *out);
void emit_json_table(const table *t, sb *out);
/* migrations_embed.c (emit_embed.c) */
void emit_embed(const schema *s, char *const *texts, const size_t *lens, sb *out);
/* The "Generated by sfgen from ... — do not edit." first comment line. */
void emit_banner(const schema *s, sb *out);

#endif
