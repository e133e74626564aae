/*
 * parser.h — the token cursor shared by parser.c (statements) and parse_column.c
 * (column definitions and table constraints). Private to the generator.
 */
#ifndef SFGEN_PARSER_H
#define SFGEN_PARSER_H

#include "sfgen.h"

typedef struct parser {
    const token_list *tl;
    size_t i;
    schema *s;
} parser;

const token *peek(const parser *p);
const token *peek_at(const parser *p, size_t ahead);
const token *next(parser *p);
/* Is the current token the unquoted keyword kw (lower case)? */
bool is_kw(const parser *p, const char *kw);
/* Consumes kw when present. */
bool accept_kw(parser *p, const char *kw);
void expect_kw(parser *p, const char *kw);
bool is_punct(const parser *p, char c);
bool accept_punct(parser *p, char c);
void expect_punct(parser *p, char c);
/* An identifier, possibly schema-qualified (only the last part is kept). */
char *parse_name(parser *p, const char *what);
/* Skips a parenthesised group starting at the current '('. */
void skip_parens(parser *p);
/* Skips to the next ',' or ')' at the current nesting level (not consumed). */
void skip_to_comma(parser *p);
__attribute__((noreturn)) void syntax_error(const parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

table *find_table(const schema *s, const char *name);
/* Parses one column definition; returns false for columns that are dropped (tsvector). */
bool parse_column(parser *p, table *t, column *out);
/* Parses a table constraint (PRIMARY KEY / UNIQUE / FOREIGN KEY / CHECK / ...). */
void parse_table_constraint(parser *p, table *t);
/* Adds a column, dying when the name is taken. */
void table_add_column(parser *p, table *t, const column *c);
/* The column's DEFAULT expression text, read up to the next constraint keyword. */
char *parse_default_expr(parser *p);
/* Reads a column type at the current position. */
void parse_type(parser *p, const char *colname, column *c);

#endif
