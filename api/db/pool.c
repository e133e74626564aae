/*
 * pool.c — bounded PostgreSQL connection pool and prepared-statement execution.
 *
 * Why a pool of N and not one connection per thread: the HTTP worker count and the
 * database's connection budget are sized independently (RDS counts connections), and
 * a bounded wait turns "database saturated" into a quick 503 instead of a pile-up.
 *
 * Connections open lazily and reopen by themselves: a connection found broken is
 * closed on release and reconnected on its next checkout, and a statement that fails
 * because the server went away (restart, failover) is retried once on a fresh
 * connection when no transaction was open. Each connection remembers which db_stmt it
 * has prepared (by address), so a statement is parsed once per connection.
 */
#include "storefront/db.h"
#include "storefront/queries_gen.h"

#include "values.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#define PREPARED_INITIAL_CAP 64

struct db_conn {
    PGconn *pg;
    db_pool *pool; /* NULL for standalone connections */
    const char *conninfo;
    const char *application_name;
    int statement_timeout_ms;
    int index;     /* slot in the pool */
    bool in_setup; /* conn_connect is running the session setup: db_exec must not
                      reconnect from inside it */
    /* Open-addressing set of statements prepared on this connection. */
    const db_stmt **prepared;
    size_t prepared_cap, prepared_count;
    /* Run-time assembled statements (db_exec_sql), keyed by a hash of their text. */
    struct dyn_entry {
        uint64_t hash;
        char *sql;
    } dyn[DB_DYNAMIC_CACHE];
    size_t ndyn;
};

struct db_pool {
    char *conninfo;
    char *application_name;
    int size, acquire_timeout_ms, statement_timeout_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    db_conn *conns;
    int *free_slots; /* stack of free slot indexes */
    int nfree, waiting;
    uint64_t acquired_total, timeouts_total, reconnects_total;
};

static sf_status conn_connect(db_conn *c, sf_error *e);
static void conn_disconnect(db_conn *c);
static bool prepared_has(const db_conn *c, const db_stmt *st);
static void prepared_add(db_conn *c, const db_stmt *st);
static size_t ptr_hash(const void *p, size_t cap);
static PGresult *exec_once(db_conn *c, const db_stmt *st, const char *const *params);
static bool result_ok(const PGresult *r);
static PGresult *exec_dynamic_once(db_conn *c, const char *sql, int nparams,
                                   const char *const *params);
static uint64_t text_hash(const char *s);

db_pool *db_pool_new(const db_pool_config *cfg)
{
    db_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->conninfo = strdup(cfg->conninfo ? cfg->conninfo : "");
    p->application_name = strdup(cfg->application_name ? cfg->application_name : "storefront");
    p->size = cfg->size > 0 ? cfg->size : 1;
    p->acquire_timeout_ms = cfg->acquire_timeout_ms > 0 ? cfg->acquire_timeout_ms : 1000;
    p->statement_timeout_ms = cfg->statement_timeout_ms;
    p->conns = calloc((size_t)p->size, sizeof *p->conns);
    p->free_slots = calloc((size_t)p->size, sizeof *p->free_slots);
    if (!p->conninfo || !p->application_name || !p->conns || !p->free_slots) {
        db_pool_free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < p->size; i++) {
        db_conn *c = &p->conns[i];
        c->pool = p;
        c->index = i;
        c->conninfo = p->conninfo;
        c->application_name = p->application_name;
        c->statement_timeout_ms = p->statement_timeout_ms;
        /* Hand out the lowest slots first so an idle server keeps few connections. */
        p->free_slots[p->nfree++] = p->size - 1 - i;
    }
    return p;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    if (p->conns) {
        for (int i = 0; i < p->size; i++) {
            conn_disconnect(&p->conns[i]);
            free(p->conns[i].prepared);
        }
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
    }
    free(p->conns);
    free(p->free_slots);
    free(p->conninfo);
    free(p->application_name);
    free(p);
}

sf_status db_pool_acquire(db_pool *p, db_conn **out, sf_error *e)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += p->acquire_timeout_ms / 1000;
    deadline.tv_nsec += (long)(p->acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&p->mu);
    p->waiting++;
    while (p->nfree == 0) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT && p->nfree == 0) {
            p->waiting--;
            p->timeouts_total++;
            pthread_mutex_unlock(&p->mu);
            return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                           "The service is busy; try again shortly.");
        }
    }
    p->waiting--;
    db_conn *c = &p->conns[p->free_slots[--p->nfree]];
    p->acquired_total++;
    pthread_mutex_unlock(&p->mu);

    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (conn_connect(c, e) != SF_OK) {
            db_pool_release(p, c);
            return e->status;
        }
    }
    *out = c;
    return SF_OK;
}

void db_pool_release(db_pool *p, db_conn *c)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        /* A handler returned mid-transaction (an error path): never hand the next
         * request a connection with someone else's open transaction. */
        sf_error e;
        sf_error_clear(&e);
        if (q_tx_rollback(c, &e) != SF_OK)
            conn_disconnect(c);
    }
    if (c->pg && PQstatus(c->pg) != CONNECTION_OK)
        conn_disconnect(c);
    pthread_mutex_lock(&p->mu);
    p->free_slots[p->nfree++] = c->index;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void db_pool_stats_get(db_pool *p, db_pool_stats *out)
{
    pthread_mutex_lock(&p->mu);
    out->size = p->size;
    out->in_use = p->size - p->nfree;
    out->waiting = p->waiting;
    out->acquired_total = p->acquired_total;
    out->timeouts_total = p->timeouts_total;
    out->reconnects_total = p->reconnects_total;
    pthread_mutex_unlock(&p->mu);
}

db_conn *db_conn_open(const char *conninfo, const char *application_name, int statement_timeout_ms,
                      sf_error *e)
{
    db_conn *c = calloc(1, sizeof *c);
    if (!c) {
        sf_fail(e, SF_INTERNAL, "internal-error", "out of memory");
        return NULL;
    }
    c->conninfo = conninfo;
    c->application_name = application_name ? application_name : "storefront-cli";
    c->statement_timeout_ms = statement_timeout_ms;
    if (conn_connect(c, e) != SF_OK) {
        db_conn_close(c);
        return NULL;
    }
    return c;
}

void db_conn_close(db_conn *c)
{
    if (!c)
        return;
    conn_disconnect(c);
    free(c->prepared);
    free(c);
}

PGconn *db_conn_pg(db_conn *c)
{
    return c->pg;
}

PGresult *db_exec(db_conn *c, const db_stmt *st, const char *const *params, sf_error *e)
{
    bool was_idle = !c->in_setup && c->pg && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    PGresult *r = exec_once(c, st, params);
    if (!result_ok(r) && was_idle && (!c->pg || PQstatus(c->pg) != CONNECTION_OK)) {
        /* The server went away between requests (restart, failover, idle timeout).
         * Nothing was half-done since no transaction was open: reconnect and retry
         * once so the caller does not see the restart at all. */
        PQclear(r);
        r = NULL;
        if (conn_connect(c, e) != SF_OK)
            return NULL;
        r = exec_once(c, st, params);
    }
    if (!result_ok(r)) {
        db_result_error(c, r, e);
        PQclear(r);
        return NULL;
    }
    return r;
}

PGresult *db_exec_sql(db_conn *c, const char *sql, int nparams, const char *const *params,
                      sf_error *e)
{
    bool was_idle = c->pg && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    PGresult *r = exec_dynamic_once(c, sql, nparams, params);
    if (!result_ok(r) && was_idle && (!c->pg || PQstatus(c->pg) != CONNECTION_OK)) {
        /* Same transparent retry as db_exec: the server restarted between requests. */
        PQclear(r);
        r = NULL;
        if (conn_connect(c, e) != SF_OK)
            return NULL;
        r = exec_dynamic_once(c, sql, nparams, params);
    }
    if (!result_ok(r)) {
        db_result_error(c, r, e);
        PQclear(r);
        return NULL;
    }
    return r;
}

sf_status db_command(db_conn *c, const char *sql, sf_error *e)
{
    PGresult *r = c->pg ? PQexec(c->pg, sql) : NULL;
    if (!result_ok(r)) {
        db_result_error(c, r, e);
        PQclear(r);
        return e->status;
    }
    PQclear(r);
    return SF_OK;
}

sf_status db_copy_begin(db_conn *c, const char *sql, sf_error *e)
{
    PGresult *r = c->pg ? PQexec(c->pg, sql) : NULL;
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        db_result_error(c, r, e);
        PQclear(r);
        return e->status;
    }
    PQclear(r);
    return SF_OK;
}

sf_status db_begin(db_conn *c, sf_error *e)
{
    return q_tx_begin(c, e);
}

sf_status db_commit(db_conn *c, sf_error *e)
{
    return q_tx_commit(c, e);
}

void db_rollback(db_conn *c)
{
    if (c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        sf_error e;
        sf_error_clear(&e);
        q_tx_rollback(c, &e);
    }
}

sf_status db_result_error(db_conn *c, const PGresult *r, sf_error *e)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : NULL;
    if (!msg || !*msg)
        msg = c->pg ? PQerrorMessage(c->pg) : "no connection";
    y_log_message(Y_LOG_LEVEL_ERROR, "db: sqlstate=%s %s", state ? state : "-", msg);

    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK || (state && strncmp(state, "08", 2) == 0) ||
        (state && strncmp(state, "57P", 3) == 0))
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The database is unavailable; try again shortly.");
    if (!state)
        return sf_fail(e, SF_INTERNAL, "internal-error", "Unexpected database failure.");
    if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0)
        return sf_fail(e, SF_CONFLICT, "conflict", "The change conflicts with existing data.");
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return sf_fail(e, SF_CONFLICT, "retry", "Concurrent update; retry the request.");
    if (strcmp(state, "57014") == 0)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The database took too long to answer; try again shortly.");
    if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 || strncmp(state, "22", 2) == 0)
        return sf_fail(e, SF_INVALID, "invalid-value", "A value is out of range or malformed.");
    return sf_fail(e, SF_INTERNAL, "internal-error", "Unexpected database failure.");
}

char *db_text(arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t db_int64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int32_t db_int32(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : (int32_t)strtol(PQgetvalue(r, row, col), NULL, 10);
}

bool db_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

char *db_timestamp(arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    const char *v = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    char *out = arena_alloc(a, n + 4);
    memcpy(out, v, n + 1);
    if (n > 10 && out[10] == ' ')
        out[10] = 'T';
    /* The session runs in UTC, so the offset is "+00": RFC 3339 spells it "Z". */
    if (n >= 3 && strcmp(out + n - 3, "+00") == 0) {
        out[n - 3] = 'Z';
        out[n - 2] = '\0';
    } else if (n >= 3 && (out[n - 3] == '+' || out[n - 3] == '-')) {
        memcpy(out + n, ":00", 4);
    }
    return out;
}

bool db_get_int64(const PGresult *r, int row, int col, int64_t *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = strtoll(PQgetvalue(r, row, col), NULL, 10);
    return true;
}

bool db_get_int32(const PGresult *r, int row, int col, int32_t *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = (int32_t)strtol(PQgetvalue(r, row, col), NULL, 10);
    return true;
}

bool db_get_bool(const PGresult *r, int row, int col, bool *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = PQgetvalue(r, row, col)[0] == 't';
    return true;
}

bool db_get_double(const PGresult *r, int row, int col, double *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = strtod(PQgetvalue(r, row, col), NULL);
    return true;
}

int db_get_int64_array(arena *a, const PGresult *r, int row, int col, int64_t **v, size_t *n)
{
    *v = NULL;
    *n = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    return db_parse_int64_array(a, PQgetvalue(r, row, col), v, n);
}

int db_get_int32_array(arena *a, const PGresult *r, int row, int col, int32_t **v, size_t *n)
{
    int64_t *wide;
    *v = NULL;
    *n = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    if (db_parse_int64_array(a, PQgetvalue(r, row, col), &wide, n) < 0)
        return -1;
    *v = *n ? arena_alloc(a, *n * sizeof **v) : NULL;
    for (size_t i = 0; i < *n; i++)
        (*v)[i] = (int32_t)wide[i];
    return 1;
}

int db_get_text_array(arena *a, const PGresult *r, int row, int col, char ***v, size_t *n)
{
    *v = NULL;
    *n = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    return db_parse_text_array(a, PQgetvalue(r, row, col), v, n);
}

bool db_decode_failed(sf_error *e, const char *query, const char *column)
{
    y_log_message(Y_LOG_LEVEL_ERROR, "db: query %s: column %s: NULL or unreadable value", query,
                  column);
    sf_fail(e, SF_INTERNAL, "internal-error", "Unexpected database failure.");
    return false;
}

char *db_param_int64(arena *a, int64_t v)
{
    return arena_sprintf(a, "%" PRId64, v);
}

const char *db_param_bool(bool v)
{
    return v ? "t" : "f";
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status conn_connect(db_conn *c, sf_error *e)
{
    conn_disconnect(c);
    /* connect_timeout comes first so a value in the user's conninfo overrides it. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"3", c->application_name, c->conninfo, NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        y_log_message(Y_LOG_LEVEL_ERROR, "db: connect failed: %s",
                      c->pg ? PQerrorMessage(c->pg) : "out of memory");
        conn_disconnect(c);
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The database is unavailable; try again shortly.");
    }
    /* UTC, ISO dates, the statement timeout, jit off (schema/queries/session.sql says
     * why). in_setup: a failure here is reported, not retried by reconnecting. */
    sf_error se;
    sf_error_clear(&se);
    c->in_setup = true;
    bool ok = q_session_setup(c, &(q_session_setup_params){.timeout_ms = c->statement_timeout_ms},
                              &se) == SF_OK;
    c->in_setup = false;
    if (!ok) {
        y_log_message(Y_LOG_LEVEL_ERROR, "db: session setup failed: %s",
                      c->pg ? PQerrorMessage(c->pg) : "connection lost");
        conn_disconnect(c);
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The database is unavailable; try again shortly.");
    }
    if (c->pool) {
        pthread_mutex_lock(&c->pool->mu);
        c->pool->reconnects_total++;
        pthread_mutex_unlock(&c->pool->mu);
    }
    return SF_OK;
}

static void conn_disconnect(db_conn *c)
{
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    /* Prepared statements die with the session. */
    if (c->prepared)
        memset(c->prepared, 0, c->prepared_cap * sizeof *c->prepared);
    c->prepared_count = 0;
    for (size_t i = 0; i < DB_DYNAMIC_CACHE; i++) {
        free(c->dyn[i].sql);
        c->dyn[i].sql = NULL;
    }
    c->ndyn = 0;
}

static size_t ptr_hash(const void *p, size_t cap)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 7) & (cap - 1);
}

static bool prepared_has(const db_conn *c, const db_stmt *st)
{
    if (!c->prepared_cap)
        return false;
    for (size_t i = ptr_hash(st, c->prepared_cap);; i = (i + 1) & (c->prepared_cap - 1)) {
        if (c->prepared[i] == st)
            return true;
        if (!c->prepared[i])
            return false;
    }
}

static void prepared_add(db_conn *c, const db_stmt *st)
{
    if ((c->prepared_count + 1) * 2 > c->prepared_cap) {
        size_t cap = c->prepared_cap ? c->prepared_cap * 2 : PREPARED_INITIAL_CAP;
        const db_stmt **old = c->prepared;
        size_t old_cap = c->prepared_cap;
        c->prepared = calloc(cap, sizeof *c->prepared);
        if (!c->prepared) {
            c->prepared = old; /* keep working unprepared-set-wise; re-prepare fails loudly */
            return;
        }
        c->prepared_cap = cap;
        c->prepared_count = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i])
                prepared_add(c, old[i]);
        free(old);
    }
    size_t i = ptr_hash(st, c->prepared_cap);
    while (c->prepared[i])
        i = (i + 1) & (c->prepared_cap - 1);
    c->prepared[i] = st;
    c->prepared_count++;
}

static PGresult *exec_once(db_conn *c, const db_stmt *st, const char *const *params)
{
    if (!c->pg)
        return NULL;
    if (!prepared_has(c, st)) {
        PGresult *r = PQprepare(c->pg, st->name, st->sql, st->nparams, NULL);
        if (!result_ok(r))
            return r;
        PQclear(r);
        prepared_add(c, st);
    }
    return PQexecPrepared(c->pg, st->name, st->nparams, params, NULL, NULL, 0);
}

static bool result_ok(const PGresult *r)
{
    if (!r)
        return false;
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

static uint64_t text_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static PGresult *exec_dynamic_once(db_conn *c, const char *sql, int nparams,
                                   const char *const *params)
{
    if (!c->pg)
        return NULL;
    uint64_t h = text_hash(sql);
    size_t slot = (size_t)(h % DB_DYNAMIC_CACHE);
    char name[32];
    for (size_t probe = 0; probe < DB_DYNAMIC_CACHE; probe++) {
        struct dyn_entry *d = &c->dyn[(slot + probe) % DB_DYNAMIC_CACHE];
        if (d->sql && d->hash == h && strcmp(d->sql, sql) == 0) {
            snprintf(name, sizeof name, "dyn_%zu", (slot + probe) % DB_DYNAMIC_CACHE);
            return PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
        }
        if (!d->sql) {
            if (c->ndyn * 4 >= DB_DYNAMIC_CACHE * 3)
                break; /* keep the table sparse; run unprepared instead */
            snprintf(name, sizeof name, "dyn_%zu", (slot + probe) % DB_DYNAMIC_CACHE);
            PGresult *r = PQprepare(c->pg, name, sql, nparams, NULL);
            if (!result_ok(r))
                return r;
            PQclear(r);
            d->sql = strdup(sql);
            d->hash = h;
            c->ndyn++;
            return PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
        }
    }
    return PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
}
