/*
 * pool.c — bounded PostgreSQL connection pool and prepared-statement execution.
 *
 * Why a pool of N and not one connection per thread: the HTTP worker count and the
 * database's connection budget are sized independently (RDS counts connections), and
 * a bounded wait turns "database saturated" into a quick 503 instead of a pile-up.
 *
 * Per-thread binding (the hot path takes no lock): the first acquire on a thread binds
 * a free slot to that thread (a pthread key per pool); later acquires on that thread
 * take their slot back with one compare-and-swap on its state, and release is one
 * atomic store. A thread without a slot (more threads than connections, or a nested
 * acquire while its own slot is out) falls back to the shared bounded wait under the
 * mutex: it borrows any idle slot, unbound ones first, and gets SF_UNAVAILABLE after
 * acquire_timeout_ms. A releaser signals the condvar only when someone waits. The key's
 * destructor unbinds a slot when its thread exits; db_pool_free deletes the key, after
 * which no destructor runs and stale thread values read as NULL (glibc checks the key's
 * sequence number), so neither a pool freed first nor a thread exiting first dangles.
 * Gauges are read from the slots themselves (state, per-slot counters), so they are
 * exact without a shared counter on the hot path.
 *
 * Connections open lazily and reopen by themselves: a connection found broken is
 * closed on release and reconnected on its next checkout, and a statement that fails
 * because the server went away (restart, failover) is retried once on a fresh
 * connection when no transaction was open. Every reconnect of a pool connection goes
 * through one shared database state (pool_connect): after a failed connect, connects
 * wait a capped, jittered exponential backoff during which acquire fails at once with
 * SF_UNAVAILABLE, and only state changes are logged (docs/database.md). Each
 * connection remembers which db_stmt it has prepared (by address), so a statement is
 * parsed once per connection.
 */
#include "storefront/db.h"
#include "storefront/queries_gen.h"

#include "values.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#define PREPARED_INITIAL_CAP 64
#define BACKOFF_FIRST_MS     100
#define REMINDER_EVERY_S     60

enum { SLOT_IDLE = 0, SLOT_BUSY = 1 };

struct db_conn {
    PGconn *pg;
    db_pool *pool; /* NULL for standalone connections */
    const char *conninfo;
    const char *application_name;
    int statement_timeout_ms;
    int index;                      /* slot in the pool */
    bool in_setup;                  /* conn_connect is running the session setup: db_exec must not
                                       reconnect from inside it */
    atomic_int state;               /* SLOT_IDLE / SLOT_BUSY; the CAS that takes a slot */
    bool bound;                     /* a thread owns this slot (written under pool->mu) */
    atomic_uint_fast64_t checkouts; /* acquires that got this slot */
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

/* The database as the pool last saw it; all fields under health_mu. */
typedef struct db_health {
    bool down;      /* the last connect failed */
    bool probing;   /* one thread is trying to connect after the backoff */
    int backoff_ms; /* current backoff, doubles up to backoff_max_ms */
    double down_since, next_attempt, last_log; /* monotonic seconds */
    uint64_t refused;                          /* acquires refused during this outage */
    uint64_t refused_total;                    /* and during all of them */
    unsigned seed;                             /* jitter */
} db_health;

struct db_pool {
    char *conninfo;
    char *application_name;
    int size, acquire_timeout_ms, statement_timeout_ms, backoff_max_ms;
    pthread_key_t owner; /* this thread's bound slot (db_conn *) */
    bool owner_ok;
    pthread_mutex_t mu; /* the shared wait and slot binding */
    pthread_cond_t cv;
    db_conn *conns;
    atomic_int waiting;
    uint64_t timeouts_total;             /* under mu */
    atomic_uint_fast64_t connects_total; /* connections opened */
    atomic_uint_fast64_t attempts_total; /* connects tried (failed ones too) */
    pthread_mutex_t health_mu;
    db_health health;
};

static sf_status conn_connect(db_conn *c, sf_error *e, char *why, size_t whylen);
static sf_status conn_reconnect(db_conn *c, sf_error *e);
static sf_status pool_connect(db_conn *c, sf_error *e);
static void conn_disconnect(db_conn *c);
static void unbind_on_exit(void *slot);
static db_conn *claim_idle(db_pool *p, bool bind);
static sf_status acquire_shared(db_pool *p, db_conn **out, sf_error *e);
static double mono_now(void);
static void notice_receiver(void *arg, const PGresult *r);
static void one_line(char *dst, size_t len, const char *src);
static void log_lost(const db_conn *c, const PGresult *r);
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
    p->backoff_max_ms = cfg->reconnect_backoff_max_ms > 0 ? cfg->reconnect_backoff_max_ms : 5000;
    p->conns = calloc((size_t)p->size, sizeof *p->conns);
    p->owner_ok = pthread_key_create(&p->owner, unbind_on_exit) == 0;
    if (!p->conninfo || !p->application_name || !p->conns || !p->owner_ok) {
        db_pool_free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_mutex_init(&p->health_mu, NULL);
    p->health.seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)p;
    atomic_init(&p->waiting, 0);
    atomic_init(&p->connects_total, 0);
    atomic_init(&p->attempts_total, 0);
    for (int i = 0; i < p->size; i++) {
        db_conn *c = &p->conns[i];
        c->pool = p;
        c->index = i;
        c->conninfo = p->conninfo;
        c->application_name = p->application_name;
        c->statement_timeout_ms = p->statement_timeout_ms;
        atomic_init(&c->state, SLOT_IDLE);
        atomic_init(&c->checkouts, 0);
    }
    return p;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    /* First: after pthread_key_delete no thread's exit touches this pool. */
    if (p->owner_ok)
        pthread_key_delete(p->owner);
    if (p->conns) {
        for (int i = 0; i < p->size; i++) {
            conn_disconnect(&p->conns[i]);
            free(p->conns[i].prepared);
        }
    }
    if (p->conns && p->owner_ok) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->health_mu);
    }
    free(p->conns);
    free(p->conninfo);
    free(p->application_name);
    free(p);
}

sf_status db_pool_acquire(db_pool *p, db_conn **out, sf_error *e)
{
    /* Hot path: this thread's own slot, taken back with one CAS and no lock. */
    db_conn *c = pthread_getspecific(p->owner);
    int idle = SLOT_IDLE;
    if (!c || c->pool != p ||
        !atomic_compare_exchange_strong_explicit(&c->state, &idle, SLOT_BUSY, memory_order_acquire,
                                                 memory_order_relaxed)) {
        if (acquire_shared(p, &c, e) != SF_OK)
            return e->status;
    }
    atomic_fetch_add_explicit(&c->checkouts, 1, memory_order_relaxed);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (pool_connect(c, e) != SF_OK) {
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
    /* seq_cst store, then seq_cst load of waiting: either a waiter that counted itself
     * in sees this slot idle on its scan, or we see it and signal under the mutex it
     * holds until it sleeps. Nobody waiting (the common case): no lock at all. */
    atomic_store(&c->state, SLOT_IDLE);
    if (atomic_load(&p->waiting) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

void db_pool_stats_get(db_pool *p, db_pool_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&p->mu);
    out->size = p->size;
    for (int i = 0; i < p->size; i++) {
        if (atomic_load_explicit(&p->conns[i].state, memory_order_relaxed) == SLOT_BUSY)
            out->in_use++;
        if (p->conns[i].bound)
            out->bound++;
        out->acquired_total += atomic_load_explicit(&p->conns[i].checkouts, memory_order_relaxed);
    }
    out->waiting = atomic_load(&p->waiting);
    out->timeouts_total = p->timeouts_total;
    pthread_mutex_unlock(&p->mu);
    out->reconnects_total = atomic_load(&p->connects_total);
    out->connect_attempts_total = atomic_load(&p->attempts_total);
    pthread_mutex_lock(&p->health_mu);
    out->database_down = p->health.down;
    out->refused_total = p->health.refused_total;
    pthread_mutex_unlock(&p->health_mu);
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
    atomic_init(&c->state, SLOT_BUSY);
    atomic_init(&c->checkouts, 0);
    if (conn_reconnect(c, e) != SF_OK) {
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
        log_lost(c, r);
        PQclear(r);
        r = NULL;
        if (conn_reconnect(c, e) != SF_OK)
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
        log_lost(c, r);
        PQclear(r);
        r = NULL;
        if (conn_reconnect(c, e) != SF_OK)
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

/* --- static helpers --------------------------------------------------------------- */

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The pthread key's destructor: the thread that owned `slot` exits, so the slot can be
 * bound to another thread. Runs only while the pool lives (db_pool_free deletes the
 * key first). */
static void unbind_on_exit(void *slot)
{
    db_conn *c = slot;
    pthread_mutex_lock(&c->pool->mu);
    c->bound = false;
    pthread_mutex_unlock(&c->pool->mu);
}

/* Takes an idle slot (caller holds p->mu). Unbound slots first, lowest index first, so
 * an idle server keeps few connections and owners keep theirs; with `bind` the slot
 * becomes this thread's. Borrowing a bound slot is the fallback: its owner then finds
 * it busy and waits here like everyone else. */
static db_conn *claim_idle(db_pool *p, bool bind)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < p->size; i++) {
            db_conn *c = &p->conns[i];
            int idle = SLOT_IDLE;
            if (c->bound != (pass == 1))
                continue;
            if (!atomic_compare_exchange_strong(&c->state, &idle, SLOT_BUSY))
                continue;
            if (bind && !c->bound && pthread_setspecific(p->owner, c) == 0)
                c->bound = true;
            return c;
        }
    }
    return NULL;
}

/* The shared path: no slot of our own (or it is out). Waits at most acquire_timeout_ms
 * for any slot to go idle; binds one to this thread if it has none yet. */
static sf_status acquire_shared(db_pool *p, db_conn **out, sf_error *e)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += p->acquire_timeout_ms / 1000;
    deadline.tv_nsec += (long)(p->acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    db_conn *mine = pthread_getspecific(p->owner);
    bool bind = !mine || mine->pool != p;

    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->waiting, 1);
    db_conn *c;
    while (!(c = claim_idle(p, bind))) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT &&
            !(c = claim_idle(p, bind))) {
            atomic_fetch_sub(&p->waiting, 1);
            p->timeouts_total++;
            pthread_mutex_unlock(&p->mu);
            return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                           "The service is busy; try again shortly.");
        }
    }
    atomic_fetch_sub(&p->waiting, 1);
    pthread_mutex_unlock(&p->mu);
    *out = c;
    return SF_OK;
}

/* Standalone connections (background workers, the events writer, the CLI) retry on
 * their own schedules and their callers report the failure; the libpq reason is logged
 * here, but during an outage at most once a minute for all of them together, so a few
 * workers retrying every few hundred ms do not flood the log. The one process-wide
 * throttle is the exception to "no mutable globals": it is log state, nothing reads it. */
static pthread_mutex_t standalone_log_mu = PTHREAD_MUTEX_INITIALIZER;
static double standalone_logged_at = -1e9;
static unsigned long standalone_suppressed;

static sf_status conn_reconnect(db_conn *c, sf_error *e)
{
    if (c->pool)
        return pool_connect(c, e);
    char why[256];
    sf_status s = conn_connect(c, e, why, sizeof why);
    if (s != SF_OK) {
        double now = mono_now();
        pthread_mutex_lock(&standalone_log_mu);
        if (now - standalone_logged_at >= REMINDER_EVERY_S) {
            y_log_message(Y_LOG_LEVEL_ERROR,
                          "db: %s: connect failed: %s; failed connects of background "
                          "connections are logged at most once a minute (%lu since the last)",
                          c->application_name, why, standalone_suppressed);
            standalone_logged_at = now;
            standalone_suppressed = 0;
        } else {
            standalone_suppressed++;
        }
        pthread_mutex_unlock(&standalone_log_mu);
    }
    return s;
}

/* Connects a pool slot through the shared database state. While the database is
 * down, only one thread at a time tries, and only after the backoff; everyone else
 * is refused at once, without a connect attempt or a log line, so an outage costs
 * neither the log nor the recovering server a storm. */
static sf_status pool_connect(db_conn *c, sf_error *e)
{
    db_pool *p = c->pool;
    db_health *h = &p->health;
    double now = mono_now();
    bool probe = false;
    pthread_mutex_lock(&p->health_mu);
    if (h->down) {
        if (h->probing || now < h->next_attempt) {
            h->refused++;
            h->refused_total++;
            if (now - h->last_log >= REMINDER_EVERY_S) {
                h->last_log = now;
                y_log_message(Y_LOG_LEVEL_WARNING,
                              "database still unreachable after %.0f s; %llu requests refused",
                              now - h->down_since, (unsigned long long)h->refused);
            }
            pthread_mutex_unlock(&p->health_mu);
            conn_disconnect(c);
            return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                           "The database is unavailable; try again shortly.");
        }
        h->probing = probe = true;
    }
    pthread_mutex_unlock(&p->health_mu);

    char why[256];
    atomic_fetch_add(&p->attempts_total, 1);
    sf_status s = conn_connect(c, e, why, sizeof why);
    now = mono_now();

    pthread_mutex_lock(&p->health_mu);
    if (probe)
        h->probing = false;
    if (s == SF_OK) {
        if (h->down) {
            y_log_message(Y_LOG_LEVEL_WARNING,
                          "database reachable again after %.1f s; %llu requests refused",
                          now - h->down_since, (unsigned long long)h->refused);
            h->down = false;
            h->backoff_ms = 0;
        }
    } else if (!h->down || probe) {
        if (!h->down) {
            h->down = true;
            h->down_since = h->last_log = now;
            h->refused = 0;
            h->backoff_ms = BACKOFF_FIRST_MS;
            y_log_message(Y_LOG_LEVEL_ERROR, "database unreachable: %s; retrying with backoff",
                          why);
        } else {
            h->backoff_ms =
                h->backoff_ms * 2 < p->backoff_max_ms ? h->backoff_ms * 2 : p->backoff_max_ms;
        }
        if (h->backoff_ms > p->backoff_max_ms)
            h->backoff_ms = p->backoff_max_ms;
        /* Jitter in [backoff/2, backoff]: instances restarted together spread out. */
        double half = h->backoff_ms / 2000.0;
        h->next_attempt = now + half + half * ((double)rand_r(&h->seed) / RAND_MAX);
    }
    /* else: a connect that started before another thread saw the outage; that thread
     * logged it and set the backoff already. */
    pthread_mutex_unlock(&p->health_mu);
    return s;
}

/* One line of text from a libpq message: the newlines libpq puts in multi-line
 * messages would otherwise reach the log inside the JSON string as "\n"s. */
static void one_line(char *dst, size_t len, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < len; src++)
        dst[n++] = (*src == '\n' || *src == '\r' || *src == '\t') ? ' ' : *src;
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

/* A session the server ended between requests, about to be replaced: one warning per
 * lost connection, with the server's reason ("terminating connection due to
 * administrator command") on one line, so a restart or failover shows in the log
 * even though no request fails. */
static void log_lost(const db_conn *c, const PGresult *r)
{
    /* The connection's message, not the result's: since PostgreSQL 14 it holds every
     * error of the last command, the server's FATAL before libpq's "server closed the
     * connection unexpectedly". */
    const char *msg = c->pg ? PQerrorMessage(c->pg) : NULL;
    if ((!msg || !*msg) && r)
        msg = PQresultErrorMessage(r);
    char text[512];
    one_line(text, sizeof text, msg && *msg ? msg : "no session");
    y_log_message(Y_LOG_LEVEL_WARNING, "db: connection lost (%s); reconnecting", text);
}

/* libpq's notices and warnings (NOTICEs from DDL, "terminating connection because of
 * crash of another server process", an error that arrives while idle) go to stderr by
 * default, raw; here they become one log line each, at the level of their severity. */
static void notice_receiver(void *arg, const PGresult *r)
{
    const db_conn *c = arg;
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    char text[512];
    one_line(text, sizeof text, msg ? msg : PQresultErrorMessage(r));
    unsigned long level = Y_LOG_LEVEL_INFO;
    if (!sev || strcmp(sev, "WARNING") == 0)
        level = Y_LOG_LEVEL_WARNING;
    else if (strcmp(sev, "ERROR") == 0 || strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0)
        level = Y_LOG_LEVEL_ERROR;
    else if (strcmp(sev, "DEBUG") == 0)
        level = Y_LOG_LEVEL_DEBUG;
    y_log_message(level, "db notice: %s %s (sqlstate=%s, connection %s)", sev ? sev : "WARNING",
                  text, state ? state : "-", c->application_name);
}

/* Opens the session. On failure `why` holds libpq's reason on one line (for the log,
 * never the client) and e says SF_UNAVAILABLE; nothing is logged here. */
static sf_status conn_connect(db_conn *c, sf_error *e, char *why, size_t whylen)
{
    conn_disconnect(c);
    /* connect_timeout comes first so a value in the user's conninfo overrides it. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"3", c->application_name, c->conninfo, NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        one_line(why, whylen, c->pg ? PQerrorMessage(c->pg) : "out of memory");
        conn_disconnect(c);
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The database is unavailable; try again shortly.");
    }
    PQsetNoticeReceiver(c->pg, notice_receiver, c);
    /* UTC, ISO dates, the statement timeout, jit off (schema/queries/session.sql says
     * why). in_setup: a failure here is reported, not retried by reconnecting. */
    sf_error se;
    sf_error_clear(&se);
    c->in_setup = true;
    bool ok = q_session_setup(c, &(q_session_setup_params){.timeout_ms = c->statement_timeout_ms},
                              &se) == SF_OK;
    c->in_setup = false;
    if (!ok) {
        char msg[200];
        one_line(msg, sizeof msg, c->pg ? PQerrorMessage(c->pg) : "connection lost");
        snprintf(why, whylen, "session setup failed: %s", msg);
        conn_disconnect(c);
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "The database is unavailable; try again shortly.");
    }
    if (c->pool)
        atomic_fetch_add(&c->pool->connects_total, 1);
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
