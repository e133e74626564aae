/*
 * fuzz_events.c — POST /v1/events, the storefront's own batch format: the body (gzip'd
 * or not) as h_events.c reads it — a JSON array of events or {"events": [...]}, at most
 * CS_MAX_EVENTS_PER_BATCH — then cs_event_from_json on every element, the per-event
 * validation the handler runs before the writer.
 *
 * The batch shape is checked by static helpers of h_events.c that also answer the
 * request, so this target repeats those few lines (json_loadb with the same flags, the
 * same shape and count rules) and fuzzes everything they call. Input, by the first
 * byte: even = the rest is the body; odd = the rest is gzip'd by this target first and
 * inflated through cs_gunzip, as with Content-Encoding: gzip.
 */
#include <zlib.h>

#include "fuzz_input.h"
#include "storefront/clickstream.h"

#define FUZZ_NOW_MS  1795578700000LL /* a fixed clock: runs are reproducible */
#define MAX_AGE_DAYS 7               /* EVENTS_MAX_AGE_DAYS' default */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *gzip_of(const uint8_t *in, size_t n, size_t *len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&zs, n) + 32;
    unsigned char *gz = malloc(cap);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = gz;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    *len = cap - zs.avail_out;
    deflateEnd(&zs);
    return gz;
}

/* h_events.c events_or_problem(): the array of events, or NULL for a 400/413. */
static json_t *batch(const char *body, size_t len, json_t **root)
{
    if (len == 0)
        return NULL;
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!doc)
        return NULL;
    json_t *list = doc;
    if (json_is_object(doc)) {
        list = json_object_get(doc, "events");
        if (json_object_size(doc) != 1)
            list = NULL;
    }
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > CS_MAX_EVENTS_PER_BATCH) {
        json_decref(doc);
        return NULL;
    }
    *root = doc;
    return list;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t mode = fuzz_byte(&in);
    arena *a = arena_new(0);
    const char *body = NULL;
    size_t len = 0;
    char *raw = NULL;
    if (mode & 1) {
        size_t gz_len;
        unsigned char *gz = gzip_of(in.p, in.n, &gz_len);
        char *out;
        sf_error e;
        sf_error_clear(&e);
        if (cs_gunzip(a, gz, gz_len, CS_MAX_BODY_BYTES, &out, &len, &e) == SF_OK)
            body = out;
        free(gz);
    } else {
        raw = fuzz_rest(&in, &len);
        if (len <= CS_MAX_BODY_BYTES)
            body = raw;
    }
    json_t *root = NULL;
    json_t *list = body ? batch(body, len, &root) : NULL;
    if (list) {
        cs_time_window win = cs_time_window_at(FUZZ_NOW_MS, MAX_AGE_DAYS);
        size_t n = json_array_size(list);
        for (size_t i = 0; i < n; i++) {
            cs_event ev;
            cs_field_error errs[CS_MAX_EVENT_ERRORS];
            int nerrs = cs_event_from_json(json_array_get(list, i), win, a, &ev, errs);
            if (nerrs < 0 || nerrs > CS_MAX_EVENT_ERRORS)
                abort();
            /* An accepted event is what the writer stores: in the window, a type, a
             * canonical UUID. */
            if (nerrs == 0 && (ev.time_ms < win.min_ms || ev.time_ms > win.max_ms ||
                               !ev.event_type || strlen(ev.event_id) != 36))
                abort();
        }
        json_decref(root);
    }
    arena_free(a);
    free(raw);
    return 0;
}
