/*
 * query.h — the named queries of schema/queries/ (one .sql file per area): their model, how they
 * are read, described by PostgreSQL, recorded in schema/queries/described.txt and emitted as C.
 * Private to the generator; README.md ("Queries") is the user's view.
 */
#ifndef SFGEN_QUERY_H
#define SFGEN_QUERY_H

#include <stdint.h>

#include "sfgen.h"

/* QK_SHAPE: never run; it gives a row struct and a public decoder to statements that
 * are assembled at run time (the catalog's filter combinations). */
/* QK_FRAGMENT: not a statement but a piece of one, for statements assembled at run time:
 * its text verbatim (comment lines dropped, lines joined by one space) as a constant,
 * with {slot}s and @params the builder (api/db/sqlbuf.c) fills in. Not described. */
/* QK_COPY: `COPY <table> [(columns)] FROM STDIN`, no parameters: the function starts the
 * COPY (db_copy_begin) and the caller streams the rows. Described by starting it on the
 * scratch database and aborting it, so a wrong table or column stops the build too. */
typedef enum qkind { QK_ONE, QK_MANY, QK_EXEC, QK_EXECROWS, QK_SHAPE, QK_FRAGMENT, QK_COPY } qkind;

/* A parameter or a result column. `pgtype` is PostgreSQL's type name as described
 * ("int8", "text", "timestamptz", "_int8" for int8[]); `en` is set when it names an enum
 * of the schema model. */
typedef struct qfield {
    char *name;
    char *pgtype;
    bool nullable;
    sql_enum *en;
} qfield;

typedef struct query {
    char *name;
    qkind kind;
    const char *file; /* relative to the source root */
    int line;         /* of the `-- name:` line */
    char *doc;        /* the comment lines above it, without "-- " */
    char *sql;        /* as sent: comments dropped, @name replaced by $n */
    int *tok_off;     /* offsets in sql where each source line's tokens start ... */
    int *tok_line;    /* ... and those lines, for mapping PostgreSQL's error positions */
    int ntok;
    uint64_t hash; /* of name, kind and sql: the described types belong to this text */
    qfield *params;
    int nparams;
    qfield *cols;
    int ncols;
    bool described;
    table **embeds; /* sfgen.embed(table): decoded as the table's generated struct */
    int nembeds;
} query;

typedef struct query_set {
    query *v;
    int n;
    uint64_t migrations_hash; /* of every migration's path and text, in order */
} query_set;

/* FNV-1a, 64 bits: a change detector, not a security measure. */
uint64_t fnv1a(uint64_t h, const char *s, size_t n);
#define FNV_OFFSET 0xcbf29ce484222325ULL

/* Reads one queries file (path relative to the root for messages) into qs; dies with
 * file:line on a malformed annotation, a positional $n, a duplicate name, an embed of an
 * unknown table. */
void queries_parse_file(query_set *qs, const schema *s, const char *file, const char *text);
/* The source line of a 1-based character position in q->sql (PostgreSQL's error
 * position). */
int query_line_at(const query *q, int position);

/* The described types (described.txt): reads them into qs, checking that they belong
 * to these migrations and these query texts; dies with file:line otherwise. */
void described_read(query_set *qs, const schema *s, const char *path, const char *text);
void described_write(const query_set *qs, sb *out);

/* sfgen --describe: prepares every query on a database where the migrations were
 * applied and records the types PostgreSQL reports; dies with file:line on any error. */
void describe_all(query_set *qs, const char *conninfo, const schema *s, char *const *mtexts);

/* Dies at a query's file:line on what the C cannot carry: a type without a mapping, a
 * C keyword, two fields of one name. Run after describing and before emitting. */
void queries_validate(const query_set *qs);
/* storefront/queries_gen.h and queries_gen.c. */
void emit_queries_header(const schema *s, const query_set *qs, sb *out);
void emit_queries_source(const schema *s, const query_set *qs, sb *out);

#endif
