/*
 * worker.h — the one shape of every background thread (issue #12): the unpaid-order
 * sweeper, the clickstream partition upkeep, the Kinesis forwarder, the analytics
 * refresher, the e-mail sender and the webhook sender.
 *
 * A worker is a thread with a connection of its own (never a pool slot: a slow round
 * must not take a request's connection) that calls `round` again and again, sleeping
 * between rounds. It:
 *   - opens its connection lazily before a round, and after a failed round closes it and
 *     opens a new one before the next (a restarted database heals by itself);
 *   - sleeps on a condition variable, so sf_worker_wake runs a round at once and
 *     sf_worker_stop returns promptly (the server stops it on SIGTERM after the HTTP
 *     server, so a round in progress finishes; it is never cancelled half-way);
 *   - logs a failed round at WARNING, but the same failure again only once a minute.
 *
 * The round says how long to sleep: *next_ms is preset to the interval; set it to 0
 * when more work is waiting (a full batch), or to a shorter or longer delay.
 *
 * A failed round never spins: whatever *next_ms says, the next round comes after
 * retry_ms (or the interval), and sf_worker_wake does not cut that delay short (a busy
 * notifier must not hammer a database that is down). A round that returns SF_OK but
 * leaves a transaction open on its connection is a failed round too: the transaction
 * is rolled back and the connection replaced, so a forgotten COMMIT cannot hold locks
 * for ever.
 */
#ifndef STOREFRONT_WORKER_H
#define STOREFRONT_WORKER_H

#include <stdbool.h>

#include "storefront/db.h"
#include "storefront/error.h"

typedef struct sf_worker sf_worker;

/* One round on the worker's connection `c` (NULL only when the spec has no conninfo).
 * A non-OK return is a failed round: logged, the connection is replaced, and the next
 * round comes after the interval (or *next_ms if the round set it). */
typedef sf_status (*sf_worker_round)(void *ctx, db_conn *c, int *next_ms, sf_error *e);

typedef struct sf_worker_spec {
    const char *name;         /* for logs and application_name ("storefront-<name>") */
    const char *conninfo;     /* the worker's own connection; NULL = none (round gets NULL) */
    int statement_timeout_ms; /* on that connection; 0 = none */
    int interval_ms;          /* the sleep between rounds unless the round says otherwise; > 0 */
    int retry_ms;             /* the sleep after a failed round; 0 = interval_ms */
    bool run_at_start;        /* first round at once (else after one interval) */
    sf_worker_round round;
    void *ctx;
    /* Optional: called on the worker's thread after its last round, with its
     * connection (or NULL: never opened, or dropped after a failure), e.g. to flush or
     * to free ctx. Not called when sf_worker_start fails: ctx stays the caller's. */
    void (*on_stop)(void *ctx, db_conn *c);
} sf_worker_spec;

/* Starts the thread (the spec is copied; strings are duplicated). NULL when it cannot
 * start (logged): no round function, interval_ms <= 0, retry_ms < 0, or no thread. */
sf_worker *sf_worker_start(const sf_worker_spec *spec);

/* The spec's name ("worker" when it had none), owned by w; "" for NULL. */
const char *sf_worker_name(const sf_worker *w);

/* Runs the next round now (e.g. new work was queued); harmless while a round runs. */
void sf_worker_wake(sf_worker *w);

/* Asks the thread to stop, waits for the round in progress (if any) to finish, joins
 * the thread, closes its connection and frees w. NULL is allowed. */
void sf_worker_stop(sf_worker *w);

/* Rounds run and failed so far (for /metrics and tests). A round is counted when it
 * was attempted, so one that could not even connect is a round and a failure; read
 * together, failures <= rounds always holds. NULL gives zeros. */
typedef struct sf_worker_stats {
    unsigned long long rounds, failures;
} sf_worker_stats;
void sf_worker_stats_get(sf_worker *w, sf_worker_stats *out);

#endif
