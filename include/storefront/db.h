/*
 * db.h — the only door to PostgreSQL: a bounded connection pool and prepared
 * statement execution. Only api/db/ and generated code include <libpq-fe.h> users of
 * this header outside db/ treat db_conn as opaque.
 *
 * Statements are static `db_stmt` values; db_exec prepares each one lazily, once per
 * connection, and re-prepares after a reconnect. Parameters travel as text, results
 * come back as text. SQLSTATEs are mapped to sf_status here and nowhere else:
 *   23505 unique_violation       -> SF_CONFLICT  (code "conflict")
 *   23503 foreign_key_violation  -> SF_CONFLICT  (code "conflict")
 *   23514/23502/22xxx            -> SF_INVALID   (code "invalid-value")
 *   40001/40P01                  -> SF_CONFLICT  (code "retry")  (callers may retry)
 *   57014 query_canceled (statement_timeout) -> SF_UNAVAILABLE
 *   08xxx / lost connection      -> SF_UNAVAILABLE (connection is reset on release)
 *   anything else                -> SF_INTERNAL
 * The server log gets the SQLSTATE and message; the sf_error detail stays generic.
 */
#ifndef STOREFRONT_DB_H
#define STOREFRONT_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/error.h"

typedef struct db_pool db_pool;
typedef struct db_conn db_conn;

/* A statement known at compile time. `name` must be unique in the program. */
typedef struct db_stmt {
    const char *name;
    const char *sql;
    int nparams;
} db_stmt;

typedef struct db_pool_config {
    const char *conninfo;     /* libpq connection string or URL */
    int size;                 /* connections, >= 1 */
    int acquire_timeout_ms;   /* wait for a free connection, then SF_UNAVAILABLE */
    int statement_timeout_ms; /* SET statement_timeout on every connection, 0 = none */
    const char *application_name;
    int reconnect_backoff_max_ms; /* cap of the reconnect backoff, 0 = 5000 */
} db_pool_config;

/* Creates the pool. Connections are opened lazily, so this succeeds even while the
 * database is down. Returns NULL only on allocation failure. */
db_pool *db_pool_new(const db_pool_config *cfg);
/* Closes every connection; must not be called while connections are checked out or
 * while other threads still acquire. Threads that used the pool may exit before or
 * after it is freed. */
void db_pool_free(db_pool *p);

/* Checks out a connection, connecting (or reconnecting) as needed. The first acquire
 * on a thread binds a free connection to that thread, and later acquires there take it
 * back without a lock; other threads (and a nested acquire) wait at most
 * acquire_timeout_ms for any idle one. SF_UNAVAILABLE when none frees up in time, when
 * the database cannot be reached, or at once, without a connect attempt, while the
 * reconnect backoff after a failed connect runs (see pool.c). */
sf_status db_pool_acquire(db_pool *p, db_conn **out, sf_error *e);
/* Returns a connection. A connection that failed or is inside a transaction is reset. */
void db_pool_release(db_pool *p, db_conn *c);

/* Pool gauges for /metrics. */
typedef struct db_pool_stats {
    int size, in_use, waiting;
    int bound; /* connections bound to a thread */
    uint64_t acquired_total, timeouts_total;
    uint64_t reconnects_total;       /* connections opened (the first one too) */
    uint64_t connect_attempts_total; /* connects tried, failed ones too */
    uint64_t refused_total;          /* acquires refused during the reconnect backoff */
    bool database_down;              /* the last connect failed */
} db_pool_stats;
void db_pool_stats_get(db_pool *p, db_pool_stats *out);

/* Opens one standalone connection (CLI subcommands, background threads, tests): session
 * set to UTC, ISO dates, statement_timeout as given, application_name as given (NULL =
 * "storefront-cli") so pg_stat_activity tells the writer from the forwarder. NULL + e
 * filled on failure. */
db_conn *db_conn_open(const char *conninfo, const char *application_name, int statement_timeout_ms,
                      sf_error *e);
void db_conn_close(db_conn *c);
PGconn *db_conn_pg(db_conn *c); /* the raw handle, for COPY and tests */

/* Executes a prepared statement with `params` (st->nparams entries; NULL entry = SQL
 * NULL). Returns a PGresult the caller must PQclear, or NULL with e filled. Results
 * of status PGRES_TUPLES_OK / PGRES_COMMAND_OK count as success. */
PGresult *db_exec(db_conn *c, const db_stmt *st, const char *const *params, sf_error *e);

/* Executes SQL assembled at run time from fixed fragments (never from values: those
 * travel only as parameters). Prepared once per connection and cached by its text, up
 * to DB_DYNAMIC_CACHE distinct texts per connection; past that it runs unprepared. */
#define DB_DYNAMIC_CACHE 256
PGresult *db_exec_sql(db_conn *c, const char *sql, int nparams, const char *const *params,
                      sf_error *e);

/* Starts `COPY … FROM STDIN` (a :copy named query's text, see schema/gen/README.md):
 * SF_OK when the server waits for rows, which the caller then sends on db_conn_pg(c)
 * with PQputCopyData / PQputCopyEnd and finishes by reading every PQgetResult. */
sf_status db_copy_begin(db_conn *c, const char *sql, sf_error *e);

/* Runs SQL text as it is, unprepared: for tests that set up scratch tables. The server
 * itself runs only named queries (BEGIN/COMMIT/ROLLBACK are schema/queries/session.sql). */
sf_status db_command(db_conn *c, const char *sql, sf_error *e);

/* Transactions: a transaction is just the connection inside BEGIN..COMMIT. */
sf_status db_begin(db_conn *c, sf_error *e);
sf_status db_commit(db_conn *c, sf_error *e);
void db_rollback(db_conn *c); /* best effort, never fails the caller */

/* Helpers for decoding text results into arena memory. */
char *db_text(arena *a, const PGresult *r, int row, int col); /* NULL when SQL NULL */
int64_t db_int64(const PGresult *r, int row, int col);
int32_t db_int32(const PGresult *r, int row, int col);
bool db_bool(const PGresult *r, int row, int col);
/* timestamptz text ("2026-01-02 03:04:05.123456+00") -> RFC 3339 UTC
 * ("2026-01-02T03:04:05.123456Z"), in the arena. NULL when SQL NULL. */
char *db_timestamp(arena *a, const PGresult *r, int row, int col);
/* Formats an integer parameter into the arena. */
char *db_param_int64(arena *a, int64_t v);
const char *db_param_bool(bool v); /* "t" / "f" */

/* For the generated queries (queries_gen.c). Scalars: false when SQL NULL. Arrays in
 * PostgreSQL's text form (one dimension): 1 = a value, 0 = SQL NULL (*v NULL, *n 0),
 * -1 = malformed. */
bool db_get_int64(const PGresult *r, int row, int col, int64_t *out);
bool db_get_int32(const PGresult *r, int row, int col, int32_t *out);
bool db_get_bool(const PGresult *r, int row, int col, bool *out);
bool db_get_double(const PGresult *r, int row, int col, double *out);
int db_get_int64_array(arena *a, const PGresult *r, int row, int col, int64_t **v, size_t *n);
int db_get_int32_array(arena *a, const PGresult *r, int row, int col, int32_t **v, size_t *n);
int db_get_text_array(arena *a, const PGresult *r, int row, int col, char ***v, size_t *n);
/* A value a generated decoder cannot take (NULL in a NOT NULL column, an unknown enum
 * label): logs query and column, fills e with SF_INTERNAL, returns false. */
bool db_decode_failed(sf_error *e, const char *query, const char *column);
/* Parameters in text form, in the arena: a float, and one-dimensional array literals
 * ('{}' when n is 0; text elements quoted, NULL elements as NULL). */
char *db_param_double(arena *a, double v);
char *db_param_int64_array(arena *a, const int64_t *v, size_t n);
char *db_param_int32_array(arena *a, const int32_t *v, size_t n);
char *db_param_text_array(arena *a, const char *const *v, size_t n);

/* Maps a failed result to e (and logs it). Exposed for code that uses libpq directly. */
sf_status db_result_error(db_conn *c, const PGresult *r, sf_error *e);

#endif
