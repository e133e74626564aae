/*
 * emit.h — pieces shared by the emitters: function signatures (the header declares
 * them, db_gen.c defines them, so both come from one place) and C string escaping.
 * Private to the generator.
 */
#ifndef SFGEN_EMIT_H
#define SFGEN_EMIT_H

#include "sfgen.h"

/* "db_product" */
char *struct_name(const table *t);
/* "int64_t id" or "int64_t product_id, int64_t category_id" */
char *pk_params(const table *t);
/* "const int64_t *after_id" (one per key column) */
char *after_params(const table *t);
/* Whether the table gets get/delete/list (has a primary key) and update. */
bool table_has_pk(const table *t);
bool table_has_update(const table *t);

char *sig_decode(const table *t);
char *sig_insert(const table *t);
char *sig_get(const table *t);
char *sig_get_by(const table *t, const column *c);
char *sig_update(const table *t);
char *sig_delete(const table *t);
char *sig_list(const table *t);
char *sig_list_by(const table *t, const column *c);
char *sig_to_json(const table *t);
char *sig_from_json(const table *t);

/* Appends s (n bytes) escaped for the inside of a C string literal. Bytes outside
 * printable ASCII become 3-digit octal escapes, and '?' after '?' is escaped so
 * trigraphs (still on in -std=c17) cannot form. */
void c_escape(sb *out, const char *s, size_t n);
/* Appends `sql` as concatenated C string literals, broken at spaces so no line runs past
 * ~96 columns; continuation lines are indented by `indent` spaces. */
void emit_sql_literal(sb *out, const char *sql, int indent);

/* Appends text + end, breaking after ", " so lines stay within 100 columns; continuation
 * lines start at column `cont`. */
void emit_wrapped(sb *o, const char *text, int cont, const char *end);

#endif
