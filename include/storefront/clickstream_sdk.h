/*
 * clickstream_sdk.h — the AWS Clickstream Analytics SDK wire protocol
 * (POST /v1/clickstream?appId=…&hashCode=…), turned into cs_event values for the one
 * writer (storefront/clickstream.h). No HTTP and no database here: the handler passes
 * the query parameters and the raw body bytes in, submits the events that come out.
 *
 * docs/clickstream.md ("SDK protocol") records what the real SDKs send and the rules
 * below: which failures reject the whole request (4xx, the SDK retries) and which only
 * drop one event (200, so one bad event cannot make the SDK re-send a batch forever).
 */
#ifndef STOREFRONT_CLICKSTREAM_SDK_H
#define STOREFRONT_CLICKSTREAM_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/clickstream.h"
#include "storefront/error.h"

/* Events per SDK request. Above the native CS_MAX_EVENTS_PER_BATCH because the web SDK
 * (Batch mode) sends up to 512 KiB of stored events per request and one of its events
 * is ~870 bytes: ~600 events after a long offline spell. A 413 there would make it
 * re-send that batch forever, so the handler submits the events to the writer in
 * slices of at most CS_MAX_EVENTS_PER_BATCH instead. */
#define CS_SDK_MAX_EVENTS 1000

/* Inflates a gzip stream of n bytes into the arena, refusing output over `limit` bytes
 * (SF_INVALID, code "payload-too-large") and corrupt input (SF_INVALID). On SF_OK *out
 * is NUL-terminated and *out_len excludes the NUL. The handler passes the shared gzip
 * helper of POST /v1/events; NULL = gzip bodies are refused. */
typedef sf_status (*cs_sdk_inflate_fn)(arena *a, const unsigned char *in, size_t n, size_t limit,
                                       char **out, size_t *out_len, sf_error *e);

/* One request: the query parameters exactly as received (NULL = absent), and what the
 * handler knows about the caller and the server. */
typedef struct cs_sdk_request {
    const char *app_id;                   /* appId: required, must be allowed */
    const char *platform;                 /* platform: optional token ("Web", "Android") */
    const char *event_bundle_sequence_id; /* optional, decimal digits */
    const char *upload_timestamp;         /* optional, decimal digits (Unix ms) */
    const char *hash_code;                /* hashCode: required, 8 hex digits */
    const char *compression;              /* compression: absent, "" or "gzip" */

    const char *const *allowed_app_ids; /* CLICKSTREAM_APP_IDS; none = every appId is 403 */
    size_t nallowed;

    /* The accepted event times: [now_ms - max_past_ms, now_ms + max_future_ms], the
     * same window as POST /v1/events (the writer has partitions only for it). */
    int64_t now_ms;
    int64_t max_past_ms;
    int64_t max_future_ms;

    const char *user_id;    /* the verified token's sub, or NULL (never from the body) */
    const char *user_agent; /* User-Agent in its stored form (<= 512 characters), or NULL */
    const char *client_ip;  /* already truncated (cs_ip_truncate), or NULL */
    cs_sdk_inflate_fn inflate;
} cs_sdk_request;

/* The events of a batch that were dropped, for the handler's log line and metrics. */
typedef struct cs_sdk_rejects {
    size_t count;
    size_t first_index;     /* position in the body's array of the first dropped event */
    char first_reason[128]; /* why it was dropped, e.g. "event_id: not a UUID" */
} cs_sdk_rejects;

/* True when hash_code is the first 8 hex digits (either case) of the SHA-256 of the
 * len body bytes exactly as they arrived: the JSON text from the web SDK, the base64
 * text of the gzip stream from the Android/Swift SDKs with compression=gzip. */
bool cs_sdk_hash_ok(const char *body, size_t len, const char *hash_code);

/* Checks the query parameters: SF_INVALID ("validation-error", field = the parameter)
 * for a missing or malformed appId/hashCode, a non-numeric event_bundle_sequence_id or
 * upload_timestamp, a platform that is not a short token, a compression other than
 * "gzip"; SF_FORBIDDEN ("forbidden") for an appId outside the allowlist. *gzip tells
 * whether the body is compressed. */
sf_status cs_sdk_check_query(const cs_sdk_request *rq, bool *gzip, sf_error *e);

/* Maps a JSON array of SDK events (len bytes, need not be NUL-terminated) into *out (n
 * events, arena-allocated, source "sdk", app_id = rq->app_id). The whole batch fails
 * with SF_INVALID for a body that is not a JSON array of at most
 * CS_SDK_MAX_EVENTS elements ("validation-error"; "payload-too-large" for too
 * many events) or over CS_MAX_BODY_BYTES ("payload-too-large"). An element that is
 * not a valid event (no UUID event_id, no integer timestamp inside the window, a bad
 * event_type, an app_id other than the query's, over-long ids) is dropped and counted
 * in *rej, never failing the batch. */
sf_status cs_sdk_map(arena *a, const char *json, size_t len, const cs_sdk_request *rq,
                     cs_event **out, size_t *n, cs_sdk_rejects *rej, sf_error *e);

/* The whole protocol for one request, so the handler stays thin: query check, the
 * body size, the hashCode over the raw bytes, base64 and gzip decoding when
 * compression=gzip (through rq->inflate, limit CS_MAX_BODY_BYTES), then cs_sdk_map.
 * On SF_OK submit the n events in slices of at most CS_MAX_EVENTS_PER_BATCH (n may
 * be 0: answer 200 anyway) and log *rej. */
sf_status cs_sdk_handle(arena *a, const cs_sdk_request *rq, const char *body, size_t len,
                        cs_event **out, size_t *n, cs_sdk_rejects *rej, sf_error *e);

/* The native event type an SDK event_type maps to: the SDK's preset names that have a
 * native counterpart ("_page_view" -> "page_view", "_search" -> "search", "_click" ->
 * "click"), a name the shop recorded that is a native type ("add_to_cart") as itself,
 * everything else "custom.<name>" ("custom._session_start"). Returns a static string
 * or an arena copy. */
const char *cs_sdk_event_type(arena *a, const char *sdk_name);

#endif
