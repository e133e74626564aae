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

#include "storefront/error.h"

/* Limits shared by both ways in. */
#define CS_MAX_EVENTS_PER_BATCH 500
#define CS_MAX_BODY_BYTES (1024 * 1024) /* after decompression */
#define CS_MAX_PROPS 50
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

#endif
