/*
 * forwarder.h — the clickstream's transactional-outbox forwarder: a background thread
 * that ships stored events (event_outbox rows, schema/migrations/0009_clickstream.sql)
 * to Kinesis Data Streams with PutRecords, and deletes each row once Kinesis has
 * acknowledged its record. A failed record or request is retried with capped
 * exponential backoff; an outage delays delivery but loses nothing. The one window for
 * a duplicate is a crash (or lost database) between Kinesis' acknowledgement and the
 * commit that deletes the rows: consumers dedupe on event_id (docs/clickstream.md).
 */
#ifndef STOREFRONT_FORWARDER_H
#define STOREFRONT_FORWARDER_H

#include <stdint.h>

#include "storefront/config.h"
#include "storefront/worker.h"

typedef struct cs_forwarder cs_forwarder;

/* Starts the forwarder when cfg->kinesis_stream is set (config_load has then checked
 * the endpoint, region and credentials); NULL when forwarding is off or its worker could
 * not start. It runs as an sf_worker named "forwarder" (worker.h): its own database
 * connection to cfg->database_url (application_name storefront-forwarder, reconnecting
 * after a loss), a cycle every FORWARD_POLL_MS and at once after a cycle that found
 * rows. It keeps pointers into cfg, which must outlive it. */
cs_forwarder *cs_forwarder_start(const sf_config *cfg);

/* Aborts a PutRecords in flight (its rows stay in the outbox, untouched), stops the
 * worker (sf_worker_stop) and frees everything. Returns within a second or two. NULL is
 * a no-op. Stop the forwarder only this way, never its worker directly. */
void cs_forwarder_stop(cs_forwarder *f);

/* The forwarder's worker, for its round counters on /metrics (sf_worker_stats_get);
 * owned by f. NULL for NULL. */
sf_worker *cs_forwarder_worker(cs_forwarder *f);

/* Wakes the thread now instead of after FORWARD_POLL_MS (the writer may call it after
 * committing outbox rows). Cheap, thread-safe; NULL is a no-op. */
void cs_forwarder_notify(cs_forwarder *f);

/* Counters for /metrics (monotonic since start, except backlog). */
typedef struct cs_forwarder_stats {
    uint64_t forwarded; /* records Kinesis acknowledged (their rows deleted) */
    uint64_t failed;    /* record attempts that failed (each retried later) */
    uint64_t requests;  /* PutRecords requests sent */
    uint64_t dropped;   /* outbox rows whose event was gone (retention), deleted */
    int64_t backlog;    /* outbox rows at the last count (every few seconds); -1 = unknown */
} cs_forwarder_stats;
void cs_forwarder_stats_get(cs_forwarder *f, cs_forwarder_stats *out);

#endif
