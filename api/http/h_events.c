/*
 * h_events.c — POST /v1/events: a batch of clickstream events from the storefront
 * (fetch, or navigator.sendBeacon, which can only send text/plain without a preflight).
 *
 *   media type (415) -> optional Bearer (401) -> anonymous rate limit (429)
 *   -> gzip inflate, 1 MiB after inflating (413) -> JSON shape (400) -> <= 500 events
 *   (413) -> per-event validation -> group commit (503 when the queue is full)
 *
 * Good events of a batch are stored even when others are refused: 200 with the
 * accepted count and the refused ones by index. When none is valid: 400
 * validation-error, its errors[] naming `events[i].field`. A 200 means committed: the
 * handler hands the batch to the writer and returns; the connection waits suspended
 * (no worker held) and answer_committed renders the answer after the commit.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http.h"
#include "storefront/clickstream.h"
#include "storefront/text.h"

typedef struct rejected {
    int index;
    int nerrs;
    cs_field_error errs[CS_MAX_EVENT_ERRORS];
} rejected;

static bool media_type_or_problem(http_ctx *c);
static bool body_or_problem(http_ctx *c, const char **body, size_t *len);
static json_t *events_or_problem(http_ctx *c, const char *body, size_t len, json_t **root);
static double mono_s(void);
static void send_all_rejected(http_ctx *c, const rejected *rej, int nrej);
static void write_errors(jw *w, const rejected *r, bool prefixed);
static void answer_committed(http_ctx *c, void *arg, const sf_error *e);

/* What the answer needs once the writer committed the good events (in the arena). */
typedef struct outcome {
    int nok, nrej;
    rejected *rej;
} outcome;

void h_events_ingest(http_ctx *c)
{
    c->private_cache = true; /* the answer is about this caller's batch */
    if (!media_type_or_problem(c))
        return;
    bool has_token = u_map_get_case(c->req->map_header, "Authorization") != NULL;
    /* A token that does not verify is a 401, never a silent downgrade to anonymous. */
    if (has_token && !http_authenticate_or_problem(c))
        return;
    char addr[64], ip[64];
    http_client_addr(c, addr, sizeof addr);
    if (!c->authenticated && !http_events_rate_or_problem(c, addr))
        return;
    const char *body;
    size_t len;
    if (!body_or_problem(c, &body, &len))
        return;
    json_t *root = NULL;
    json_t *list = events_or_problem(c, body, len, &root);
    if (!list)
        return;

    size_t n = json_array_size(list);
    cs_event *ev = arena_alloc(c->a, n * sizeof *ev);
    rejected *rej = arena_alloc(c->a, n * sizeof *rej);
    int nok = 0, nrej = 0;
    cs_time_window win = cs_time_window_at(http_now_ms(), c->app->cfg.events_max_age_days);
    cs_ip_truncate(addr, ip, sizeof ip);
    const char *ua = http_user_agent(c);
    /* In the arena, not the stack: the events outlive this function (the connection is
     * suspended until the writer has committed them). */
    const char *client_ip = ip[0] ? arena_strdup(c->a, ip) : NULL;
    const char *user_id = c->authenticated ? arena_strdup(c->a, c->principal.sub) : NULL;
    for (size_t i = 0; i < n; i++) {
        rejected *r = &rej[nrej];
        r->nerrs = cs_event_from_json(json_array_get(list, i), win, c->a, &ev[nok], r->errs);
        if (r->nerrs) {
            r->index = (int)i;
            nrej++;
            continue;
        }
        ev[nok].user_id = user_id;
        ev[nok].user_agent = ua;
        ev[nok].client_ip = client_ip;
        nok++;
    }
    json_decref(root); /* cs_event strings live in the arena */
    if (nok == 0) {
        send_all_rejected(c, rej, nrej);
        return;
    }
    outcome *o = arena_alloc(c->a, sizeof *o);
    o->nok = nok;
    o->nrej = nrej;
    o->rej = rej;
    /* The worker is not held during the group commit: the connection is suspended and
     * answer_committed runs once the writer is done. */
    http_submit_events(c, ev, (size_t)nok, answer_committed, o);
}

/* 200 {accepted, rejected} once every good event is committed; else the writer's 503. */
static void answer_committed(http_ctx *c, void *arg, const sf_error *e)
{
    const outcome *o = arg;
    int nok = o->nok, nrej = o->nrej;
    const rejected *rej = o->rej;
    if (e->status != SF_OK) {
        http_send_error(c, e);
        return;
    }
    jw w;
    jw_init(&w, 64 + (size_t)nrej * 128);
    jw_obj_begin(&w);
    jw_key(&w, "accepted");
    jw_int(&w, nok);
    jw_key(&w, "rejected");
    jw_arr_begin(&w);
    for (int i = 0; i < nrej; i++) {
        jw_obj_begin(&w);
        jw_key(&w, "index");
        jw_int(&w, rej[i].index);
        jw_key(&w, "errors");
        jw_arr_begin(&w);
        write_errors(&w, &rej[i], false);
        jw_arr_end(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

/* application/json, or text/plain for navigator.sendBeacon (a string body gets
 * text/plain, the one type a browser sends cross-origin without a preflight). */
static bool media_type_or_problem(http_ctx *c)
{
    static const char *const types[] = {"application/json", "text/plain", NULL};
    return http_media_type_or_problem(
        c, types, "Send the events as application/json (or text/plain from sendBeacon).");
}

bool http_media_type_or_problem(http_ctx *c, const char *const *types, const char *detail)
{
    const char *ct = u_map_get_case(c->req->map_header, "Content-Type");
    size_t n = ct ? strcspn(ct, "; ") : 0;
    for (size_t i = 0; ct && types[i]; i++)
        if (n == strlen(types[i]) && strncasecmp(ct, types[i], n) == 0)
            return true;
    http_send_problem(c, SF_INVALID, "unsupported-media-type", detail);
    return false;
}

bool http_events_rate_or_problem(http_ctx *c, const char *addr)
{
    int retry = 1;
    if (cs_rate_allow(c->app->events_rate, addr, mono_s(), &retry))
        return true;
    c->retry_after = retry;
    http_send_problem(c, SF_RATE_LIMITED, "rate-limited",
                      "Too many event batches from this address; retry after Retry-After "
                      "seconds, or sign in.");
    return false;
}

/* The body, inflated when Content-Encoding is gzip. Other encodings are 415. */
static bool body_or_problem(http_ctx *c, const char **body, size_t *len)
{
    const unsigned char *raw = c->req->binary_body;
    size_t n = c->req->binary_body_length;
    const char *enc = u_map_get_case(c->req->map_header, "Content-Encoding");
    if (enc && *enc && strcasecmp(enc, "identity") != 0) {
        if (strcasecmp(enc, "gzip") != 0) {
            http_send_problem(c, SF_INVALID, "unsupported-media-type",
                              "Content-Encoding must be gzip (or absent).");
            return false;
        }
        char *out;
        sf_error e;
        sf_error_clear(&e);
        if (cs_gunzip(c->a, raw, n, CS_MAX_BODY_BYTES, &out, len, &e) != SF_OK) {
            http_send_error(c, &e);
            return false;
        }
        *body = out;
        return true;
    }
    if (n > CS_MAX_BODY_BYTES) {
        http_send_problem(c, SF_INVALID, "payload-too-large",
                          "The body is larger than 1 MiB; send fewer events per batch.");
        return false;
    }
    *body = (const char *)raw;
    *len = n;
    return true;
}

/* A JSON array of events, or {"events": [...]}; at most 500 (else 413). */
static json_t *events_or_problem(http_ctx *c, const char *body, size_t len, json_t **root)
{
    if (!body || len == 0) {
        http_send_problem(c, SF_INVALID, "bad-request", "The body is empty; send a JSON array.");
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!doc) {
        http_send_problem(
            c, SF_INVALID, "bad-request",
            arena_sprintf(c->a, "The body is not valid JSON: %s (line %d).", jerr.text, jerr.line));
        return NULL;
    }
    json_t *list = doc;
    if (json_is_object(doc)) {
        list = json_object_get(doc, "events");
        if (json_object_size(doc) != 1)
            list = NULL;
    }
    const char *why = NULL;
    if (!json_is_array(list))
        why = "The body must be a JSON array of events or {\"events\": [...]}.";
    else if (json_array_size(list) == 0)
        why = "The batch is empty; send at least one event.";
    if (why) {
        sf_error e;
        sf_error_clear(&e);
        sf_field_fail(&e, "events", "%s", why);
        http_send_error(c, &e);
        json_decref(doc);
        return NULL;
    }
    if (json_array_size(list) > CS_MAX_EVENTS_PER_BATCH) {
        http_send_problem(c, SF_INVALID, "payload-too-large",
                          "A batch holds at most 500 events; split it.");
        json_decref(doc);
        return NULL;
    }
    *root = doc;
    return list;
}

const char *http_user_agent(http_ctx *c)
{
    const char *ua = u_map_get_case(c->req->map_header, "User-Agent");
    if (!ua || !*ua)
        return NULL;
    size_t n = strlen(ua);
    if (!utf8_valid(ua, n))
        return NULL;
    size_t bytes = 0, chars = 0;
    while (bytes < n && chars < 512) {
        size_t k = utf8_seq_len((const unsigned char *)ua + bytes, n - bytes);
        bytes += k ? k : 1;
        chars++;
    }
    return arena_strndup(c->a, ua, bytes);
}

/* 400 validation-error whose errors[] name events[i].field for every refused event. */
static void send_all_rejected(http_ctx *c, const rejected *rej, int nrej)
{
    jw w;
    jw_init(&w, 256 + (size_t)nrej * 160);
    jw_obj_begin(&w);
    jw_key(&w, "type");
    jw_str(&w, "/problems/validation-error");
    jw_key(&w, "title");
    jw_str(&w, "Invalid request parameters");
    jw_key(&w, "status");
    jw_int(&w, 400);
    jw_key(&w, "detail");
    jw_str(&w, "No event of the batch is valid; nothing was stored.");
    jw_key(&w, "request_id");
    jw_str(&w, c->request_id);
    jw_key(&w, "errors");
    jw_arr_begin(&w);
    for (int i = 0; i < nrej; i++)
        write_errors(&w, &rej[i], true);
    jw_arr_end(&w);
    jw_obj_end(&w);
    free(c->body);
    c->body = jw_steal(&w, &c->body_len);
    c->status = 400;
    c->content_type = "application/problem+json";
}

static void write_errors(jw *w, const rejected *r, bool prefixed)
{
    char field[320];
    for (int k = 0; k < r->nerrs; k++) {
        jw_obj_begin(w);
        jw_key(w, "field");
        if (prefixed) {
            snprintf(field, sizeof field, "events[%d].%s", r->index, r->errs[k].field);
            jw_str(w, field);
        } else {
            jw_str(w, r->errs[k].field);
        }
        jw_key(w, "message");
        jw_str(w, r->errs[k].message);
        jw_obj_end(w);
    }
}

int64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
