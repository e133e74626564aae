/*
 * h_clickstream.c — POST /v1/clickstream: the AWS Clickstream Analytics SDK wire
 * protocol (docs/clickstream.md, "SDK protocol"), so a storefront that uses the official
 * SDK with `endpoint: <API>/v1/clickstream` needs no change.
 *
 *   media type (415) -> optional Bearer (401) -> anonymous rate limit (429)
 *   -> cs_sdk_handle: query (400/403), size (413), hashCode (400), gzip, mapping
 *   -> group commit in slices of <= 500, the connection suspended meanwhile (503)
 *   -> 200, empty body
 *
 * The SDK looks at nothing but the status, and re-sends a whole batch until it gets
 * 200; so single bad events are dropped and logged (never a 4xx that would make it
 * re-send the same poison batch forever), and a 200 means every stored event is
 * committed.
 */
#include <string.h>

#include "http/http.h"
#include "storefront/clickstream.h"
#include "storefront/clickstream_sdk.h"

static bool media_type_or_problem(http_ctx *c);
static void answer_committed(http_ctx *c, void *arg, const sf_error *e);

void h_clickstream_sdk(http_ctx *c)
{
    c->private_cache = true;
    if (!media_type_or_problem(c))
        return;
    /* The web SDK sends no token; a client that does send one must send a valid one. */
    if (u_map_get_case(c->req->map_header, "Authorization") && !http_authenticate_or_problem(c))
        return;
    char addr[64], ip[64];
    http_client_addr(c, addr, sizeof addr);
    if (!c->authenticated && !http_events_rate_or_problem(c, addr))
        return;
    cs_ip_truncate(addr, ip, sizeof ip);

    const sf_config *cfg = &c->app->cfg;
    int64_t now = http_now_ms();
    cs_time_window win = cs_time_window_at(now, cfg->events_max_age_days);
    cs_sdk_request rq = {
        .app_id = http_query_get(c, "appId"),
        .platform = http_query_get(c, "platform"),
        .event_bundle_sequence_id = http_query_get(c, "event_bundle_sequence_id"),
        .upload_timestamp = http_query_get(c, "upload_timestamp"),
        .hash_code = http_query_get(c, "hashCode"),
        .compression = http_query_get(c, "compression"),
        .allowed_app_ids = cfg->clickstream_app_ids,
        .nallowed = cfg->nclickstream_app_ids,
        .now_ms = now,
        .max_past_ms = now - win.min_ms,
        .max_future_ms = win.max_ms - now,
        .user_id = c->authenticated ? arena_strdup(c->a, c->principal.sub) : NULL,
        .user_agent = http_user_agent(c),
        .client_ip = ip[0] ? ip : NULL,
        .inflate = cs_gunzip,
    };
    cs_event *ev = NULL;
    size_t n = 0;
    cs_sdk_rejects rej;
    memset(&rej, 0, sizeof rej);
    sf_error e;
    sf_error_clear(&e);
    if (cs_sdk_handle(c->a, &rq, (const char *)c->req->binary_body, c->req->binary_body_length, &ev,
                      &n, &rej, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    if (rej.count)
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "clickstream: request %s: %zu SDK event(s) dropped, first #%zu: %s",
                      c->request_id, rej.count, rej.first_index, rej.first_reason);
    if (n == 0) {
        c->status = 200;
        return;
    }
    /* Submitted in slices of at most CS_MAX_EVENTS_PER_BATCH without holding the
     * worker. A 503 after an earlier slice committed is safe: the SDK re-sends the batch
     * and the stored events are dropped as duplicates. */
    http_submit_events(c, ev, n, answer_committed, NULL);
}

/* 200 once every event is committed; else the writer's 503. */
static void answer_committed(http_ctx *c, void *arg, const sf_error *e)
{
    (void)arg;
    if (e->status != SF_OK) {
        http_send_error(c, e);
        return;
    }
    c->status = 200; /* no body: all the SDK reads is the status */
}

/* The web SDK sends application/json; the mobile SDKs' gzip mode is base64 text of the
 * gzip stream, also labelled JSON; raw gzip bytes come as application/octet-stream.
 * text/plain is accepted as for POST /v1/events (a beacon). */
static bool media_type_or_problem(http_ctx *c)
{
    static const char *const types[] = {"application/json", "text/plain",
                                        "application/octet-stream", NULL};
    return http_media_type_or_problem(c, types,
                                      "Send the SDK's body as application/json (or "
                                      "application/octet-stream for raw gzip).");
}
