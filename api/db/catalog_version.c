/*
 * catalog_version.c — the catalog version's listener (catalog_version.h): the libpq side
 * of the catalog cache's exactness.
 *
 * One thread, one connection of its own (never a pool slot: it sits in LISTEN for
 * ever). Each cycle: connect, LISTEN catalog_version, SELECT the version (in that order:
 * a bump committed between the two is read, announced, or both, never neither), publish
 * it, then wait in poll() on the connection's socket and a wake-up eventfd. Each
 * notification's payload is the version its transaction produced; the bumps take one
 * row lock until commit, so they arrive in increasing order and the largest seen is the
 * current version. The connection lost (a restart, pg_terminate_backend, an error) sets
 * the version to 0 at once — the cache then stops answering — and the cycle starts again
 * after a backoff. Every 30 s of silence the version is re-read: a dead TCP peer is found
 * out, and the published version is checked against the table.
 *
 * A request thread may drain the socket itself first (db_catalog_listener_catch_up):
 * a notification already in the socket is then seen by that request even when this
 * thread has not been scheduled yet, which on a loaded machine is the larger part of the
 * time between a commit elsewhere and this instance knowing it.
 *
 * Logging: state changes only (connected, lost, and the first failure of a series), each
 * one JSON line through yder; a database that stays down writes nothing more.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <yder.h>

#include "storefront/catalog_version.h"
#include "storefront/db.h"
#include "storefront/queries_gen.h"

#define LISTENER_TIMEOUT_MS     5000  /* statement_timeout of its connection */
#define LISTENER_IDLE_MS        30000 /* silence after which the version is re-read */
#define LISTENER_BACKOFF_MIN_MS 50

struct db_catalog_listener {
    char *conninfo, *app_name;
    int backoff_max_ms;
    int wake_fd; /* eventfd: stop */
    pthread_t thread;
    /* conn_mu guards conn's libpq state: the thread drains under it, and so may a request
     * thread that catches up (db_catalog_listener_catch_up). Only the thread opens and
     * closes conn, and it never holds conn_mu while it waits in poll(). */
    pthread_mutex_t conn_mu;
    db_conn *conn;
    _Atomic bool stopping;
    _Atomic int64_t version; /* 0 = not connected */
    _Atomic unsigned long long connects, notifications;
};

static void *listener_loop(void *arg);
static db_conn *connect_and_listen(db_catalog_listener *l, int64_t *version, sf_error *e);
static bool wait_ready(db_catalog_listener *l, int fd, int timeout_ms, bool *readable);
static bool drain(db_catalog_listener *l, db_conn *c);
static void publish_max(db_catalog_listener *l, int64_t v);
static int64_t take_notified(db_catalog_listener *l, PGconn *pg, int64_t best);
static bool reread(db_catalog_listener *l, db_conn *c);
static bool same_session(db_conn *c, PGconn *pg, int pid);
static void listener_free(db_catalog_listener *l);

db_catalog_listener *db_catalog_listener_start(const char *conninfo, const char *application_name,
                                               int backoff_max_ms)
{
    db_catalog_listener *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->conninfo = strdup(conninfo ? conninfo : "");
    l->app_name = strdup(application_name ? application_name : "storefront-catalog-listener");
    l->backoff_max_ms =
        backoff_max_ms < LISTENER_BACKOFF_MIN_MS ? LISTENER_BACKOFF_MIN_MS : backoff_max_ms;
    l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_mutex_init(&l->conn_mu, NULL);
    if (!l->conninfo || !l->app_name || l->wake_fd < 0) {
        y_log_message(Y_LOG_LEVEL_ERROR, "catalog listener: not started: %s",
                      l->wake_fd < 0 ? strerror(errno) : "out of memory");
        listener_free(l);
        return NULL;
    }
    if (pthread_create(&l->thread, NULL, listener_loop, l) != 0) {
        y_log_message(Y_LOG_LEVEL_ERROR, "catalog listener: cannot start its thread");
        listener_free(l);
        return NULL;
    }
    return l;
}

void db_catalog_listener_stop(db_catalog_listener *l)
{
    if (!l)
        return;
    atomic_store(&l->stopping, true);
    uint64_t one = 1;
    if (write(l->wake_fd, &one, sizeof one) < 0) {
        /* An eventfd write fails only on overflow, which a stop cannot cause. */
    }
    pthread_join(l->thread, NULL);
    listener_free(l);
}

int64_t db_catalog_listener_version(const db_catalog_listener *l)
{
    return l ? atomic_load_explicit(&l->version, memory_order_acquire) : 0;
}

int64_t db_catalog_listener_catch_up(db_catalog_listener *l)
{
    if (!l || atomic_load_explicit(&l->version, memory_order_acquire) == 0)
        return 0;
    /* trylock: a request never waits on the listener thread (it holds the lock while it
     * drains or re-reads the version); then the listener is at work anyway, and the
     * version it last stored is as current as this request can learn cheaply. */
    if (pthread_mutex_trylock(&l->conn_mu) != 0)
        return atomic_load_explicit(&l->version, memory_order_acquire);
    if (l->conn) {
        struct pollfd p = {.fd = PQsocket(db_conn_pg(l->conn)), .events = POLLIN};
        if (poll(&p, 1, 0) > 0 && !drain(l, l->conn)) {
            /* Lost: libpq has closed the socket the thread may be polling, so wake it
             * to reconnect. */
            atomic_store_explicit(&l->version, 0, memory_order_release);
            uint64_t one = 1;
            if (write(l->wake_fd, &one, sizeof one) < 0) {
                /* only on counter overflow, which cannot happen here */
            }
        }
    }
    pthread_mutex_unlock(&l->conn_mu);
    return atomic_load_explicit(&l->version, memory_order_acquire);
}

void db_catalog_listener_stats_get(const db_catalog_listener *l, db_catalog_listener_stats *out)
{
    out->connects = l ? atomic_load(&l->connects) : 0;
    out->notifications = l ? atomic_load(&l->notifications) : 0;
}

/* db_exec reconnects by itself after a drop between statements, and a new session has
 * not LISTENed: the handle and the backend's pid tell (a freed handle's address may be
 * reused by the next one). */
static bool same_session(db_conn *c, PGconn *pg, int pid)
{
    PGconn *now = db_conn_pg(c);
    return now == pg && now && PQstatus(now) == CONNECTION_OK && PQbackendPID(now) == pid;
}

static void listener_free(db_catalog_listener *l)
{
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    free(l->conninfo);
    free(l->app_name);
    pthread_mutex_destroy(&l->conn_mu);
    free(l);
}

static void *listener_loop(void *arg)
{
    db_catalog_listener *l = arg;
    db_conn *c = NULL; /* l->conn, which only this thread sets */
    int backoff = LISTENER_BACKOFF_MIN_MS;
    bool failing = false; /* a failure is logged once per series */
    while (!atomic_load(&l->stopping)) {
        if (!c) {
            sf_error e;
            sf_error_clear(&e);
            int64_t v = 0;
            c = connect_and_listen(l, &v, &e);
            if (!c) {
                if (!failing)
                    y_log_message(Y_LOG_LEVEL_WARNING,
                                  "catalog listener: cannot connect (%s); the catalog cache is "
                                  "off until it can, retrying with backoff up to %d ms",
                                  e.detail, l->backoff_max_ms);
                failing = true;
                bool readable;
                wait_ready(l, -1, backoff, &readable);
                backoff = backoff * 2 > l->backoff_max_ms ? l->backoff_max_ms : backoff * 2;
                continue;
            }
            pthread_mutex_lock(&l->conn_mu);
            l->conn = c;
            atomic_store_explicit(&l->version, v, memory_order_release);
            pthread_mutex_unlock(&l->conn_mu);
            atomic_fetch_add(&l->connects, 1);
            y_log_message(Y_LOG_LEVEL_INFO, "catalog listener: connected, catalog version %lld",
                          (long long)v);
            failing = false;
            backoff = LISTENER_BACKOFF_MIN_MS;
        }
        bool readable = false;
        bool ok = wait_ready(l, PQsocket(db_conn_pg(c)), LISTENER_IDLE_MS, &readable);
        if (atomic_load(&l->stopping))
            break;
        pthread_mutex_lock(&l->conn_mu);
        if (ok)
            ok = readable ? drain(l, c) : reread(l, c);
        if (!ok) {
            /* From here until the next connect the cache does not answer: a bump made
             * meanwhile would never be announced to us. */
            atomic_store_explicit(&l->version, 0, memory_order_release);
            l->conn = NULL;
        }
        pthread_mutex_unlock(&l->conn_mu);
        if (!ok) {
            y_log_message(Y_LOG_LEVEL_WARNING,
                          "catalog listener: lost its connection; the catalog cache is off "
                          "until it reconnects");
            db_conn_close(c);
            c = NULL;
        }
    }
    pthread_mutex_lock(&l->conn_mu);
    atomic_store(&l->version, 0);
    l->conn = NULL;
    pthread_mutex_unlock(&l->conn_mu);
    db_conn_close(c);
    return NULL;
}

static db_conn *connect_and_listen(db_catalog_listener *l, int64_t *version, sf_error *e)
{
    db_conn *c = db_conn_open(l->conninfo, l->app_name, LISTENER_TIMEOUT_MS, e);
    if (!c)
        return NULL;
    PGconn *pg = db_conn_pg(c);
    int pid = PQbackendPID(pg);
    q_catalog_version_get_row row;
    if (q_catalog_version_listen(c, e) != SF_OK || q_catalog_version_get(c, &row, e) != SF_OK ||
        !same_session(c, pg, pid)) {
        if (e->status == SF_OK)
            sf_fail(e, SF_UNAVAILABLE, "service-unavailable", "the connection was replaced");
        db_conn_close(c);
        return NULL;
    }
    /* Notifications that came with the answers are older than or equal to what was
     * read, or newer: take the largest. */
    *version = row.version;
    for (PGnotify *n; (n = PQnotifies(pg)); PQfreemem(n)) {
        int64_t v = strtoll(n->extra, NULL, 10);
        if (v > *version)
            *version = v;
    }
    return c;
}

/* Waits for the socket (fd >= 0) to be readable, a stop, or the timeout. False on a
 * poll error; *readable tells the socket's readiness from a timeout. */
static bool wait_ready(db_catalog_listener *l, int fd, int timeout_ms, bool *readable)
{
    struct pollfd fds[2] = {{.fd = l->wake_fd, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    *readable = false;
    int n;
    do
        n = poll(fds, fd >= 0 ? 2 : 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return false;
    if (fds[0].revents & POLLIN) {
        uint64_t count; /* a stop, or a request thread that found the connection lost */
        if (read(l->wake_fd, &count, sizeof count) < 0) {
            /* EAGAIN: another reader took it; nothing to do */
        }
    }
    *readable = fd >= 0 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP));
    return true;
}

/* Raises l->version to v unless it is already >= v or 0 (not connected): request
 * threads (db_catalog_listener_sync) and the listener publish concurrently, and a
 * version must never go back. */
static void publish_max(db_catalog_listener *l, int64_t v)
{
    int64_t cur = atomic_load_explicit(&l->version, memory_order_acquire);
    while (cur != 0 && v > cur &&
           !atomic_compare_exchange_weak_explicit(&l->version, &cur, v, memory_order_acq_rel,
                                                  memory_order_acquire))
        ;
}

sf_status db_catalog_listener_sync(db_catalog_listener *l, db_pool *pool, sf_error *e)
{
    if (!l)
        return SF_OK;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_catalog_version_get_row row;
    sf_status st = q_catalog_version_get(c, &row, e);
    db_pool_release(pool, c);
    if (st == SF_OK)
        publish_max(l, row.version);
    return st;
}

/* Reads what the socket holds and publishes the largest version announced. False when
 * the connection is gone. */
static bool drain(db_catalog_listener *l, db_conn *c)
{
    PGconn *pg = db_conn_pg(c);
    if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
        return false;
    publish_max(l, take_notified(l, pg, 0));
    return true;
}

/* Consumes the notifications libpq holds; the largest version among them and `best`. */
static int64_t take_notified(db_catalog_listener *l, PGconn *pg, int64_t best)
{
    for (PGnotify *n; (n = PQnotifies(pg)); PQfreemem(n)) {
        atomic_fetch_add(&l->notifications, 1);
        int64_t v = strtoll(n->extra, NULL, 10);
        if (v > best)
            best = v;
    }
    return best;
}

/* A quiet spell: one round trip proves the connection alive and re-reads the version. */
static bool reread(db_catalog_listener *l, db_conn *c)
{
    sf_error e;
    sf_error_clear(&e);
    PGconn *pg = db_conn_pg(c);
    int pid = PQbackendPID(pg);
    q_catalog_version_get_row row;
    if (q_catalog_version_get(c, &row, &e) != SF_OK || !same_session(c, pg, pid))
        return false;
    publish_max(l, take_notified(l, db_conn_pg(c), row.version));
    return true;
}
