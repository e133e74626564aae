/*
 * sqlbuf.h — assembling a statement from the :fragment constants of schema/queries/ (for
 * the catalog's filter combinations: each combination its own text, so its own prepared
 * statement and plan). Private to api/db/.
 *
 * Values never enter the text: a fragment's @name becomes $n with the value bound as
 * parameter n. {slot}s take trusted text only (a column name, ASC/DESC, a number the
 * code formatted). A fragment or value that does not fit sets `overflow`, and the
 * statement must not run (a cut statement could still parse with a filter missing).
 */
#ifndef STOREFRONT_DB_SQLBUF_H
#define STOREFRONT_DB_SQLBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "storefront/db.h"

#define SQL_BUF_PARAMS 32

typedef struct sql_buf {
    char text[6144];
    size_t len;
    const char *params[SQL_BUF_PARAMS];
    int nparams;
    bool overflow;
} sql_buf;

/* Appends frag (after one space, unless b is empty), replacing each {slot} by its value
 * in `slots` and each @name by $n bound to its value in `params` (both NULL-terminated
 * lists of name, value pairs; NULL = none). The same @name twice in one call is the same
 * $n. An unknown slot or parameter name sets overflow. */
void sql_frag(sql_buf *b, const char *frag, const char *const *slots, const char *const *params);

/* Runs the assembled statement (prepared once per connection by its text, db_exec_sql);
 * an overflowed buffer is SF_INTERNAL and never runs. NULL with e filled on failure. */
PGresult *sql_buf_exec(db_conn *c, const sql_buf *b, sf_error *e);

#endif
