/*
 * catalog_version.h — the catalog version's listener (issue 15, docs/caching.md): one
 * thread per server with a connection of its own that LISTENs on catalog_version (the
 * NOTIFY of migration 0018's bump triggers) and keeps the current version in an atomic,
 * so the catalog response cache can tell, without a query, whether an answer it keeps
 * is still exact.
 *
 * The version reads 0 whenever the listener is not connected (at start, after losing
 * its connection, until it has LISTENed again and re-read the version: notifications
 * sent while it was away are lost). 0 means "unknown": the cache must not answer then.
 */
#ifndef STOREFRONT_CATALOG_VERSION_H
#define STOREFRONT_CATALOG_VERSION_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/db.h"
#include "storefront/error.h"

typedef struct db_catalog_listener db_catalog_listener;

/* Starts the listener's thread; it connects (and reconnects, with backoff doubling from
 * 50 ms up to backoff_max_ms) on its own. application_name names its connection in
 * pg_stat_activity. Strings are copied. NULL when the thread cannot start (logged). */
db_catalog_listener *db_catalog_listener_start(const char *conninfo, const char *application_name,
                                               int backoff_max_ms);

/* Stops the thread promptly (it waits in poll() on its socket and a wake-up fd), closes
 * the connection and frees l. NULL is a no-op. */
void db_catalog_listener_stop(db_catalog_listener *l);

/* The current catalog version, or 0 while the listener is not connected. Lock-free;
 * any thread. NULL gives 0. */
int64_t db_catalog_listener_version(const db_catalog_listener *l);

/* The current version after reading whatever the listener's socket already holds (a
 * non-blocking poll and, when there is input, PQconsumeInput, under the listener's
 * connection mutex, taken only if free: while the listener's thread holds it, it is
 * reading the socket itself and its stored version is returned): a request that starts
 * after a notification reached this host sees it even if the listener's thread has not
 * run yet. Never waits. 0 while not connected. NULL gives 0. */
int64_t db_catalog_listener_catch_up(db_catalog_listener *l);

/* After a catalog write committed on this instance (a staff request): reads the
 * committed version on a pool connection and raises the listener's version to it when
 * it is behind (never lowers it, and never while the listener is not connected), so the
 * writer's own next read is exact without waiting for its NOTIFY. SF_OK, or the pool's
 * error (then nothing changes). NULL l is SF_OK. */
sf_status db_catalog_listener_sync(db_catalog_listener *l, db_pool *pool, sf_error *e);

/* Counters for /metrics: connections made (the first one included) and notifications
 * received. NULL gives zeros. */
typedef struct db_catalog_listener_stats {
    unsigned long long connects, notifications;
} db_catalog_listener_stats;
void db_catalog_listener_stats_get(const db_catalog_listener *l, db_catalog_listener_stats *out);

#endif
