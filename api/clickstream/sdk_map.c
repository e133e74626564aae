/*
 * sdk_map.c — the AWS Clickstream Analytics SDK protocol: query checks, the hashCode,
 * and the mapping of SDK events onto cs_event (see include/storefront/clickstream_sdk.h
 * and docs/clickstream.md, "SDK protocol").
 *
 * Why events are dropped rather than the batch refused: the SDKs ignore the response
 * body and re-send a batch until it gets a 200 (the web SDK in Batch mode keeps unsent
 * events in localStorage and always flushes from the oldest), so one event we cannot
 * store would block everything recorded after it, forever. Only what makes the whole
 * request untrustworthy (appId, hashCode, not JSON, over a limit) is a 4xx.
 */
#include "storefront/clickstream_sdk.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SDK_MAX_EVENT_TYPE 50   /* the SDK's own limit on event names */
#define SDK_MAX_ID         128  /* anonymous_id, session_id columns */
#define SDK_MAX_URL        2048 /* page_url, referrer columns */
#define SDK_MAX_SEARCH     256  /* search_query column */
#define SDK_MAX_SKU        64   /* sku column */
#define SDK_MAX_PROP_KEY   128
#define SDK_MAX_SAFE_INT   9007199254740991LL /* 2^53 - 1: ids stay exact in JSON */

typedef struct props_acc {
    json_t *obj;
    size_t dropped;
    const char *last_key; /* the newest key, removed to make room for _props_dropped */
} props_acc;

static bool is_token(const char *s, size_t max);
static bool is_digits(const char *s, size_t max);
static bool valid_event_name(const char *s);
static size_t utf8_cut(const char *s, size_t len, size_t max);
static const char *arena_cut(arena *a, const char *s, size_t max);
static void reject(cs_sdk_rejects *rej, size_t index, const char *reason);
static const char *map_one(arena *a, json_t *ev, const cs_sdk_request *rq, cs_event *out);
static const char *map_attributes(arena *a, json_t *attrs, cs_event *out, props_acc *p);
static void map_item(arena *a, json_t *items, cs_event *out);
static void map_user(json_t *user, props_acc *p);
static void prop_add(props_acc *p, const char *key, json_t *value);
static const char *props_finish(arena *a, props_acc *p);
static sf_status decode_gzip_body(arena *a, const cs_sdk_request *rq, const char *body, size_t len,
                                  char **json, size_t *json_len, sf_error *e);

/* Preset SDK events with a native counterpart in POST /v1/events. Everything else
 * (the SDK's other presets, the shop's own names) is stored as "custom.<name>", so an
 * SDK event can never pass for a native one whose props the native endpoint checks. */
static const struct {
    const char *sdk;
    const char *native;
} preset_types[] = {
    {"_page_view", "page_view"},
    {"_search", "search"},
    {"_click", "click"},
};

/* Top-level SDK fields worth keeping, stored in props under "_<name>". */
static const char *const envelope_props[] = {
    "device_id",    "platform",    "sdk_name",     "sdk_version",   "locale",
    "country_code", "zone_offset", "screen_width", "screen_height",
};

bool cs_sdk_hash_ok(const char *body, size_t len, const char *hash_code)
{
    if (!hash_code || strlen(hash_code) != 8)
        return false;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 4)
        return false;
    char hex[9];
    snprintf(hex, sizeof hex, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
    for (int i = 0; i < 8; i++)
        if (tolower((unsigned char)hash_code[i]) != hex[i])
            return false;
    return true;
}

sf_status cs_sdk_check_query(const cs_sdk_request *rq, bool *gzip, sf_error *e)
{
    *gzip = false;
    /* appId: the SDK's ids are short names ("storefront-web", "shop_android"). */
    if (!rq->app_id || !is_token(rq->app_id, 128))
        sf_field_fail(e, "appId", "required: the app id of the Clickstream SDK configuration");
    if (!rq->hash_code || strlen(rq->hash_code) != 8 || !is_digits(rq->hash_code, 0))
        sf_field_fail(e, "hashCode", "required: the first 8 hex digits of the body's SHA-256");
    if (rq->platform && !is_token(rq->platform, 32))
        sf_field_fail(e, "platform", "must be a short name such as Web, Android or iOS");
    if (rq->event_bundle_sequence_id && !is_digits(rq->event_bundle_sequence_id, 18))
        sf_field_fail(e, "event_bundle_sequence_id", "must be a non-negative integer");
    if (rq->upload_timestamp && !is_digits(rq->upload_timestamp, 18))
        sf_field_fail(e, "upload_timestamp", "must be Unix time in milliseconds");
    if (rq->compression && rq->compression[0] && strcmp(rq->compression, "gzip") != 0)
        sf_field_fail(e, "compression", "must be gzip or empty");
    if (e->status != SF_OK)
        return e->status;
    bool allowed = false;
    for (size_t i = 0; i < rq->nallowed && !allowed; i++)
        allowed = strcmp(rq->allowed_app_ids[i], rq->app_id) == 0;
    if (!allowed)
        return sf_fail(e, SF_FORBIDDEN, "forbidden", "appId \"%s\" is not accepted by this server",
                       rq->app_id);
    *gzip = rq->compression && strcmp(rq->compression, "gzip") == 0;
    return SF_OK;
}

sf_status cs_sdk_handle(arena *a, const cs_sdk_request *rq, const char *body, size_t len,
                        cs_event **out, size_t *n, cs_sdk_rejects *rej, sf_error *e)
{
    *out = NULL;
    *n = 0;
    memset(rej, 0, sizeof *rej);
    bool gzip;
    if (cs_sdk_check_query(rq, &gzip, e) != SF_OK)
        return e->status;
    if (len > CS_MAX_BODY_BYTES)
        return sf_fail(e, SF_INVALID, "payload-too-large", "the body is over %d bytes",
                       CS_MAX_BODY_BYTES);
    /* The SDKs hash the bytes they send: for gzip, the compressed (base64) text. */
    if (!cs_sdk_hash_ok(body, len, rq->hash_code)) {
        sf_field_fail(e, "hashCode", "does not match the SHA-256 of the body");
        return e->status;
    }
    if (!gzip)
        return cs_sdk_map(a, body, len, rq, out, n, rej, e);
    char *json;
    size_t json_len;
    if (decode_gzip_body(a, rq, body, len, &json, &json_len, e) != SF_OK)
        return e->status;
    return cs_sdk_map(a, json, json_len, rq, out, n, rej, e);
}

sf_status cs_sdk_map(arena *a, const char *json, size_t len, const cs_sdk_request *rq,
                     cs_event **out, size_t *n, cs_sdk_rejects *rej, sf_error *e)
{
    *out = NULL;
    *n = 0;
    memset(rej, 0, sizeof *rej);
    if (len > CS_MAX_BODY_BYTES)
        return sf_fail(e, SF_INVALID, "payload-too-large", "the events are over %d bytes",
                       CS_MAX_BODY_BYTES);
    json_error_t jerr;
    /* Duplicate keys are refused: which of two event_ids would we dedupe on? */
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        sf_field_fail(e, "body", "not valid JSON (line %d: %.100s)", jerr.line, jerr.text);
        return e->status;
    }
    sf_status st = SF_OK;
    if (!json_is_array(root)) {
        sf_field_fail(e, "body", "must be a JSON array of Clickstream SDK events");
        st = e->status;
    } else if (json_array_size(root) > CS_SDK_MAX_EVENTS) {
        st = sf_fail(e, SF_INVALID, "payload-too-large", "at most %d events per request, got %zu",
                     CS_SDK_MAX_EVENTS, json_array_size(root));
    } else {
        size_t total = json_array_size(root);
        cs_event *evs = total ? arena_calloc(a, total * sizeof *evs) : NULL;
        size_t kept = 0;
        for (size_t i = 0; i < total; i++) {
            const char *why = map_one(a, json_array_get(root, i), rq, &evs[kept]);
            if (why)
                reject(rej, i, why);
            else
                kept++;
        }
        *out = evs;
        *n = kept;
    }
    json_decref(root);
    return st;
}

const char *cs_sdk_event_type(arena *a, const char *sdk_name)
{
    for (size_t i = 0; i < sizeof preset_types / sizeof preset_types[0]; i++)
        if (strcmp(preset_types[i].sdk, sdk_name) == 0)
            return preset_types[i].native;
    /* A name the shop records itself that is a native type keeps it, so the funnel and
     * top products count shops that use the SDK too. */
    for (size_t i = 0; cs_event_types[i]; i++)
        if (strcmp(cs_event_types[i], sdk_name) == 0)
            return cs_event_types[i];
    return arena_sprintf(a, "custom.%s", sdk_name);
}

/* Maps one array element; NULL on success, else why it was dropped. */
static const char *map_one(arena *a, json_t *ev, const cs_sdk_request *rq, cs_event *out)
{
    /* out may hold a half-mapped event that was dropped just before. */
    memset(out, 0, sizeof *out);
    if (!json_is_object(ev))
        return "not a JSON object";
    const char *id = json_string_value(json_object_get(ev, "event_id"));
    if (!cs_uuid_canonical(id, out->event_id))
        return "event_id: not a UUID";
    json_t *ts = json_object_get(ev, "timestamp");
    if (!json_is_integer(ts))
        return "timestamp: not an integer (Unix ms)";
    json_int_t t = json_integer_value(ts);
    if (t < rq->now_ms - rq->max_past_ms || t > rq->now_ms + rq->max_future_ms)
        return "timestamp: outside the accepted window";
    const char *type = json_string_value(json_object_get(ev, "event_type"));
    if (!type || !valid_event_name(type))
        return "event_type: not an SDK event name";
    json_t *app = json_object_get(ev, "app_id");
    /* An allowed appId in the query must not carry events of another app. */
    if (app && (!json_is_string(app) || strcmp(json_string_value(app), rq->app_id) != 0))
        return "app_id: differs from the appId query parameter";
    json_t *uid = json_object_get(ev, "unique_id");
    if (uid && !json_is_null(uid) && (!json_is_string(uid) || json_string_length(uid) > SDK_MAX_ID))
        return "unique_id: not a string of at most 128 bytes";
    json_t *attrs = json_object_get(ev, "attributes");
    if (attrs && !json_is_null(attrs) && !json_is_object(attrs))
        return "attributes: not an object";

    out->time_ms = t;
    out->event_type = cs_sdk_event_type(a, type);
    out->source = "sdk";
    out->app_id = arena_strdup(a, rq->app_id);
    out->anonymous_id =
        uid && json_string_length(uid) ? arena_strdup(a, json_string_value(uid)) : NULL;
    out->user_id = arena_strdup(a, rq->user_id);
    out->user_agent = rq->user_agent; /* already in its stored form (http_user_agent) */
    out->client_ip = arena_strdup(a, rq->client_ip);

    props_acc p = {.obj = json_object()};
    for (size_t i = 0; i < sizeof envelope_props / sizeof envelope_props[0]; i++) {
        json_t *v = json_object_get(ev, envelope_props[i]);
        if (v)
            prop_add(&p, arena_sprintf(a, "_%s", envelope_props[i]), v);
    }
    map_user(json_object_get(ev, "user"), &p);
    const char *why = json_is_object(attrs) ? map_attributes(a, attrs, out, &p) : NULL;
    if (!why) {
        map_item(a, json_object_get(ev, "items"), out);
        out->props_json = props_finish(a, &p);
    }
    json_decref(p.obj);
    return why;
}

/* The reserved attributes that have columns go there; the rest into props. */
static const char *map_attributes(arena *a, json_t *attrs, cs_event *out, props_acc *p)
{
    const char *key;
    json_t *v;
    json_object_foreach(attrs, key, v)
    {
        const char *s = json_string_value(v);
        if (strcmp(key, "_session_id") == 0) {
            if (!s || json_string_length(v) > SDK_MAX_ID)
                return "attributes._session_id: not a string of at most 128 bytes";
            out->session_id = *s ? arena_strdup(a, s) : NULL;
        } else if (strcmp(key, "_page_url") == 0 && s) {
            out->page_url = *s ? arena_cut(a, s, SDK_MAX_URL) : NULL;
        } else if (strcmp(key, "_page_referrer") == 0 && s) {
            out->referrer = *s ? arena_cut(a, s, SDK_MAX_URL) : NULL;
        } else if (strcmp(key, "_search_term") == 0 && s) {
            out->search_query = *s ? arena_cut(a, s, SDK_MAX_SEARCH) : NULL;
        } else {
            prop_add(p, key, v);
        }
    }
    return NULL;
}

/* items[0].id: a product id when it is a positive integer below 2^53 (as a number or
 * digits), else a SKU when it fits the column; other item fields are not stored. */
static void map_item(arena *a, json_t *items, cs_event *out)
{
    json_t *id = json_object_get(json_array_get(items, 0), "id");
    if (json_is_integer(id) && json_integer_value(id) > 0 &&
        json_integer_value(id) <= SDK_MAX_SAFE_INT) {
        out->has_product_id = true;
        out->product_id = json_integer_value(id);
        return;
    }
    const char *s = json_string_value(id);
    if (!s || !*s)
        return;
    if (is_digits(s, 15) && s[0] != '0') {
        long long v = strtoll(s, NULL, 10);
        if (v <= SDK_MAX_SAFE_INT) {
            out->has_product_id = true;
            out->product_id = v;
            return;
        }
    }
    if (json_string_length(id) <= SDK_MAX_SKU)
        out->sku = arena_strdup(a, s);
}

/* user: {"_user_id": {"value": "u-1", "set_timestamp": …}, …} -> props "user._user_id".
 * The SDK's user id is whatever the page said: a prop, never the verified user_id. */
static void map_user(json_t *user, props_acc *p)
{
    const char *key;
    json_t *v;
    json_object_foreach(user, key, v)
    {
        json_t *value = json_is_object(v) ? json_object_get(v, "value") : v;
        if (!value)
            continue;
        char name[SDK_MAX_PROP_KEY + 8];
        if (snprintf(name, sizeof name, "user.%s", key) >= (int)sizeof name) {
            p->dropped++;
            continue;
        }
        prop_add(p, name, value);
    }
}

/* Adds key=value when the value is a scalar (strings cut to CS_MAX_PROP_VALUE_BYTES on a
 * UTF-8 boundary) and there is room; counts what it leaves out. The first value of a
 * key wins (envelope fields before user fields before attributes). */
static void prop_add(props_acc *p, const char *key, json_t *value)
{
    if (json_object_get(p->obj, key))
        return;
    if (strlen(key) > SDK_MAX_PROP_KEY || json_is_object(value) || json_is_array(value) ||
        json_object_size(p->obj) >= CS_MAX_PROPS) {
        p->dropped++;
        return;
    }
    json_t *copy;
    if (json_is_string(value)) {
        size_t keep =
            utf8_cut(json_string_value(value), json_string_length(value), CS_MAX_PROP_VALUE_BYTES);
        copy = json_stringn(json_string_value(value), keep);
    } else {
        copy = json_copy(value);
    }
    json_object_set_new(p->obj, key, copy);
    p->last_key = json_object_iter_key(json_object_key_to_iter(key));
}

/* The props as compact JSON in the arena, or NULL when empty. When keys were left
 * out, "_props_dropped": <count> says so, taking the place of the newest key if the
 * object is full. */
static const char *props_finish(arena *a, props_acc *p)
{
    if (p->dropped) {
        if (json_object_size(p->obj) >= CS_MAX_PROPS && p->last_key) {
            json_object_del(p->obj, p->last_key);
            p->dropped++;
        }
        json_object_set_new(p->obj, "_props_dropped", json_integer((json_int_t)p->dropped));
    }
    if (json_object_size(p->obj) == 0)
        return NULL;
    /* 15 significant digits: 19.99 stays 19.99 rather than 19.989999999999998. */
    char *s = json_dumps(p->obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    char *copy = arena_strdup(a, s);
    free(s);
    return copy;
}

/* compression=gzip: the Android and Swift SDKs send base64 text of the gzip stream
 * (with Content-Type application/json); raw gzip bytes are accepted too. */
static sf_status decode_gzip_body(arena *a, const cs_sdk_request *rq, const char *body, size_t len,
                                  char **json, size_t *json_len, sf_error *e)
{
    if (!rq->inflate)
        return sf_fail(e, SF_INVALID, "bad-request", "compression=gzip is not supported here");
    const unsigned char *gz = (const unsigned char *)body;
    size_t gz_len = len;
    if (!(len >= 2 && gz[0] == 0x1f && gz[1] == 0x8b)) {
        size_t pad = 0;
        if (len == 0 || len % 4 != 0 || len > 0x7fffffff) {
            sf_field_fail(e, "body", "compression=gzip: neither gzip nor base64 of gzip");
            return e->status;
        }
        pad = (body[len - 1] == '=') + (len > 1 && body[len - 2] == '=');
        unsigned char *buf = arena_alloc(a, len / 4 * 3 + 1);
        int got = EVP_DecodeBlock(buf, gz, (int)len);
        if (got < 0 || (size_t)got < pad) {
            sf_field_fail(e, "body", "compression=gzip: neither gzip nor base64 of gzip");
            return e->status;
        }
        gz = buf;
        gz_len = (size_t)got - pad;
    }
    return rq->inflate(a, gz, gz_len, CS_MAX_BODY_BYTES, json, json_len, e);
}

static void reject(cs_sdk_rejects *rej, size_t index, const char *reason)
{
    if (rej->count++ == 0) {
        rej->first_index = index;
        snprintf(rej->first_reason, sizeof rej->first_reason, "%s", reason);
    }
}

/* 1..max characters of [A-Za-z0-9._-]. */
static bool is_token(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* 1..max decimal digits; max 0 = hex digits of any length instead. */
static bool is_digits(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || (max && n > max))
        return false;
    for (size_t i = 0; i < n; i++)
        if (max ? !isdigit((unsigned char)s[i]) : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* 8-4-4-4-12 hex digits, either case (the SDK's uuid v4). */
/* The SDK's rule: letters, digits and '_', not starting with a digit, <= 50 chars. */
static bool valid_event_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SDK_MAX_EVENT_TYPE || isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

/* The longest prefix of s (len bytes) of at most max bytes that ends on a UTF-8
 * character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

static const char *arena_cut(arena *a, const char *s, size_t max)
{
    return arena_strndup(a, s, utf8_cut(s, strlen(s), max));
}
