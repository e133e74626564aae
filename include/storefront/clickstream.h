/*
 * clickstream.h — the contract between the clickstream's ways in (POST /v1/events, the
 * AWS Clickstream SDK protocol at POST /v1/clickstream) and its one writer.
 *
 * Both endpoints turn their bodies into cs_event values (validated, mapped), then hand
 * them to cs_writer_submit, which group-commits them with other requests' events
 * (schema/migrations/0009_clickstream.sql) and returns only once they are committed:
 * a 2xx answer always means stored. docs/clickstream.md has the whole picture.
 */
#ifndef STOREFRONT_CLICKSTREAM_H
#define STOREFRONT_CLICKSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/config.h"
#include "storefront/error.h"
#include "storefront/worker.h"

/* Limits shared by both ways in. */
#define CS_MAX_EVENTS_PER_BATCH 500
#define CS_MAX_BODY_BYTES       (1024 * 1024) /* after decompression */
#define CS_MAX_PROPS            50
#define CS_MAX_PROP_VALUE_BYTES 1024

/* One event, validated, as the writer stores it (a row of `events`). Strings are
 * NUL-terminated UTF-8 within their column's limit, or NULL for SQL NULL. */
typedef struct cs_event {
    char event_id[37]; /* canonical lowercase UUID: the dedupe key */
    int64_t time_ms;   /* the client's timestamp, Unix ms, inside cs_time_window */
    const char *event_type;
    const char *source; /* "web" or "sdk" */
    const char *app_id;
    const char *anonymous_id;
    const char *session_id;
    const char *user_id; /* the verified token's sub, never the body's */
    const char *page_url;
    const char *referrer;
    bool has_product_id;
    int64_t product_id;
    const char *sku;
    const char *order_number;
    const char *search_query;
    const char *props_json; /* a compact JSON object, or NULL */
    const char *user_agent;
    const char *client_ip; /* already truncated (cs_ip_truncate) */
} cs_event;

typedef struct cs_writer cs_writer;

/* Queues the n events and waits until the transaction that holds them has committed:
 * SF_OK. Duplicates of stored events (same event_id and time) count as stored.
 * SF_UNAVAILABLE at once, without queueing anything, when the bounded queue cannot take
 * n more events (the caller answers 503 + Retry-After), or when the flush failed or the
 * writer is shutting down. The events are copied before queueing. Thread-safe. */
sf_status cs_writer_submit(cs_writer *w, const cs_event *ev, size_t n, sf_error *e);
/* The same without waiting, for the HTTP side (a suspended connection, not a blocked
 * worker): SF_OK = queued, and on_done(ctx, status) is called exactly once, from a
 * writer thread and with no writer lock held, after the flush that holds the events
 * finished (SF_OK = committed); until then ev[0..n) must stay valid and unchanged.
 * Any other status = refused at once as cs_writer_submit would (queue full, stopping,
 * out of memory; e filled) and on_done is never called. n must be 1..the writer's
 * batch_max (CS_MAX_EVENTS_PER_BATCH always fits). Thread-safe. */
typedef void (*cs_writer_done_fn)(void *ctx, sf_status status);
sf_status cs_writer_submit_async(cs_writer *w, const cs_event *ev, size_t n,
                                 cs_writer_done_fn on_done, void *ctx, sf_error *e);

/* --- additions (cs-ingest): lifecycle, validation, helpers -------------------------- */

#include <jansson.h>

#include "storefront/arena.h"

/* The accepted time window for a client timestamp: [now - max_age_days, now + future
 * skew]. Partitions exist for exactly the days this window can reach. */
#define CS_FUTURE_SKEW_MS (3600LL * 1000)
typedef struct cs_time_window {
    int64_t min_ms, max_ms;
} cs_time_window;
/* The window for the server clock now_ms and EVENTS_MAX_AGE_DAYS. */
cs_time_window cs_time_window_at(int64_t now_ms, int max_age_days);

typedef struct cs_writer_config {
    const char *conninfo;     /* DATABASE_URL: the writer opens its own connection */
    int queue_max;            /* EVENTS_QUEUE_MAX: events queued or in flight, at most */
    int flush_ms;             /* EVENTS_FLUSH_MS: the longest an event waits for company */
    int batch_max;            /* events per flush at most (a full batch flushes at once) */
    int threads;              /* EVENTS_WRITER_THREADS: flushes in progress at once */
    int statement_timeout_ms; /* for the flush transaction */
    bool outbox;              /* KINESIS_STREAM set: also insert event_outbox rows */
    bool use_copy;            /* EVENTS_INSERT_METHOD=copy: COPY + INSERT ... SELECT */
} cs_writer_config;

/* Creates the writer and starts its thread; it connects lazily and reconnects after a
 * lost connection. NULL on allocation or thread failure. */
cs_writer *cs_writer_start(const cs_writer_config *cfg);
/* Stops taking new events (submit answers SF_UNAVAILABLE), flushes and answers
 * everything already queued, joins the thread and frees the writer. NULL is a no-op.
 * Call after the HTTP server has stopped, so no request is left waiting. */
void cs_writer_stop(cs_writer *w);

/* Counters for /metrics (monotonic since start, except queue_depth). */
typedef struct cs_writer_stats {
    uint64_t inserted, duplicates, flushes, flush_errors, rejected_full;
    int queue_depth;
} cs_writer_stats;
void cs_writer_stats_get(cs_writer *w, cs_writer_stats *out);

/* The native event types (NULL-terminated); anything else is custom.<name>. One list for
 * POST /v1/events' validation, the SDK mapping and the analytics' funnel steps. */
extern const char *const cs_event_types[];

/* One per-event field error, as answered to the client. */
typedef struct cs_field_error {
    const char *field; /* "event_type", "props.color", ... (arena or static) */
    const char *message;
} cs_field_error;
#define CS_MAX_EVENT_ERRORS 8

/* Validates one event object of POST /v1/events into ev (strings in arena a; source
 * "web"; user_id, user_agent and client_ip are left NULL for the caller). Returns the
 * number of field errors written to errs (0 = valid, ev filled). */
int cs_event_from_json(const json_t *obj, cs_time_window win, arena *a, cs_event *ev,
                       cs_field_error errs[CS_MAX_EVENT_ERRORS]);

/* True and the canonical lowercase form in out[37] when s is a UUID (8-4-4-4-12 hex,
 * any case). */
bool cs_uuid_canonical(const char *s, char out[37]);

/* Writes the stored form of a textual IP address into out: IPv4 (and IPv4-mapped
 * IPv6) truncated to its /24 ("203.0.113.0"), IPv6 to its /48 ("2001:db8:1::").
 * False (out = "") when ip is not an address. */
bool cs_ip_truncate(const char *ip, char *out, size_t outlen);

/* A token-bucket rate limiter keyed by client address, with a fixed number of slots so
 * memory stays bounded whatever the number of clients (a collision may hand a client a
 * fresh bucket: lossy in the permissive direction). Thread-safe. */
typedef struct cs_rate cs_rate;
/* rate_per_s tokens per second, at most burst; NULL on allocation failure. */
cs_rate *cs_rate_new(double rate_per_s, double burst, size_t slots);
void cs_rate_free(cs_rate *r);
/* Takes one token from key's bucket at time now_s (monotonic seconds). False when the
 * bucket is empty; then *retry_after_s is the whole seconds until a token is back. */
bool cs_rate_allow(cs_rate *r, const char *key, double now_s, int *retry_after_s);

/* Inflates the gzip stream in[0..n) into the arena, at most `limit` bytes:
 * SF_INVALID "payload-too-large" (413) above it (checked while inflating, so a gzip bomb
 * costs at most limit + 1 bytes), SF_INVALID "bad-request" for data that is not one
 * whole gzip stream. On SF_OK *out is NUL-terminated and *out_len excludes the NUL.
 * (Its signature is cs_sdk_inflate_fn's, so the SDK protocol uses it too.) */
sf_status cs_gunzip(arena *a, const unsigned char *in, size_t n, size_t limit, char **out,
                    size_t *out_len, sf_error *e);

/* Partition upkeep (partitions.c): creates the day partitions for
 * [today - max_age_days, today + 3] and drops those older than today - retention_days,
 * UTC dates computed here. cs_partitions_run_once does it now on a connection of its own
 * (start-up, before listening); cs_partitions_start repeats it hourly in an sf_worker
 * named "partitions" (worker.h; a minute after a failure), NULL when it cannot start.
 * cfg must outlive the worker; stop it with sf_worker_stop. */
sf_status cs_partitions_run_once(const char *conninfo, int max_age_days, int retention_days,
                                 int64_t now_s, sf_error *e);
sf_worker *cs_partitions_start(const sf_config *cfg);

#endif
