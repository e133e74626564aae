/*
 * test_clickstream_sdk.c — the AWS Clickstream SDK protocol over real SDK requests
 * (tests/fixtures/clickstream-sdk/, captured from @aws/clickstream-web in Chromium by
 * tests/e2e/clickstream-sdk-capture.test.mjs) and over hand-made bad ones: every reason
 * for a 4xx, and the events a batch drops without failing.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "storefront/clickstream_sdk.h"

#define DAY_MS (24LL * 3600 * 1000)

static const char *const allowed[] = {"storefront-web", "storefront-android"};

typedef struct fixture {
    char *body;
    size_t len;
    char query[512];
} fixture;

static char *slurp(const char *name, size_t *len);
static fixture load_fixture(const char *name, const char *ext);
static const char *qparam(const char *query, const char *key, char *buf, size_t size);
static cs_sdk_request request_for(const fixture *f, char bufs[6][128]);
static void hash_of(const char *body, size_t len, char out[9]);
static sf_status test_inflate(arena *a, const unsigned char *in, size_t n, size_t limit, char **out,
                              size_t *out_len, sf_error *e);
static sf_status handle_json(arena *a, cs_sdk_request *rq, const char *json, cs_event **ev,
                             size_t *n, cs_sdk_rejects *rej, sf_error *e);
static json_t *event_json(const char *id, long long ts, const char *type);

static void test_hash(void)
{
    fixture f = load_fixture("batch", "json");
    char buf[16];
    const char *h = qparam(f.query, "hashCode", buf, sizeof buf);
    CHECK(cs_sdk_hash_ok(f.body, f.len, h));
    char upper[9];
    for (int i = 0; i < 9; i++)
        upper[i] = (char)(h[i] >= 'a' && h[i] <= 'f' ? h[i] - 32 : h[i]);
    CHECK(cs_sdk_hash_ok(f.body, f.len, upper));
    CHECK(!cs_sdk_hash_ok(f.body, f.len - 1, h));
    CHECK(!cs_sdk_hash_ok(f.body, f.len, "1234567"));
    CHECK(!cs_sdk_hash_ok(f.body, f.len, NULL));
    free(f.body);
}

/* The web SDK's add_to_cart, recorded after setUserId("shopper-7"). */
static void test_real_add_to_cart(void)
{
    fixture f = load_fixture("immediate-add_to_cart", "json");
    char bufs[6][128];
    cs_sdk_request rq = request_for(&f, bufs);
    arena *a = arena_new(0);
    cs_event *ev;
    size_t n;
    cs_sdk_rejects rej;
    sf_error e;
    sf_error_clear(&e);
    CHECK(cs_sdk_handle(a, &rq, f.body, f.len, &ev, &n, &rej, &e) == SF_OK);
    CHECK(n == 1 && rej.count == 0);
    json_t *root = json_loadb(f.body, f.len, 0, NULL);
    json_t *src = json_array_get(root, 0);
    CHECK_STR(ev[0].event_id, json_string_value(json_object_get(src, "event_id")));
    CHECK(ev[0].time_ms == json_integer_value(json_object_get(src, "timestamp")));
    CHECK_STR(ev[0].event_type, "add_to_cart");
    CHECK_STR(ev[0].source, "sdk");
    CHECK_STR(ev[0].app_id, "storefront-web");
    CHECK_STR(ev[0].anonymous_id, json_string_value(json_object_get(src, "unique_id")));
    json_t *attrs = json_object_get(src, "attributes");
    CHECK_STR(ev[0].session_id, json_string_value(json_object_get(attrs, "_session_id")));
    CHECK_STR(ev[0].page_url, json_string_value(json_object_get(attrs, "_page_url")));
    CHECK(ev[0].has_product_id && ev[0].product_id == 42);
    CHECK(ev[0].sku == NULL);
    CHECK(ev[0].user_id == NULL); /* the SDK's user id is never the verified one */
    json_t *props = json_loads(ev[0].props_json, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(props, "user._user_id")), "shopper-7");
    CHECK_STR(json_string_value(json_object_get(props, "coupon")), "WELCOME10");
    CHECK_STR(json_string_value(json_object_get(props, "_platform")), "Web");
    CHECK(json_real_value(json_object_get(props, "value")) == 19.99);
    CHECK(json_string_value(json_object_get(props, "_device_id")) != NULL);
    CHECK(json_object_get(props, "_session_id") == NULL); /* in its column, not twice */
    CHECK(json_object_size(props) <= CS_MAX_PROPS);
    CHECK(strstr(ev[0].props_json, "19.99,") || strstr(ev[0].props_json, "19.99}"));
    json_decref(props);
    json_decref(root);
    arena_free(a);
    free(f.body);
}

static void test_real_presets(void)
{
    char bufs[6][128];
    arena *a = arena_new(0);
    cs_event *ev;
    size_t n;
    cs_sdk_rejects rej;
    sf_error e;

    fixture f = load_fixture("immediate-_page_view", "json");
    cs_sdk_request rq = request_for(&f, bufs);
    sf_error_clear(&e);
    CHECK(cs_sdk_handle(a, &rq, f.body, f.len, &ev, &n, &rej, &e) == SF_OK && n == 1);
    CHECK_STR(ev[0].event_type, "page_view");
    CHECK(ev[0].referrer == NULL); /* "" from a direct visit */
    free(f.body);

    f = load_fixture("immediate-_session_start", "json");
    rq = request_for(&f, bufs);
    CHECK(cs_sdk_handle(a, &rq, f.body, f.len, &ev, &n, &rej, &e) == SF_OK && n == 1);
    CHECK_STR(ev[0].event_type, "custom._session_start");
    free(f.body);

    f = load_fixture("immediate-product_view", "json");
    rq = request_for(&f, bufs);
    CHECK(cs_sdk_handle(a, &rq, f.body, f.len, &ev, &n, &rej, &e) == SF_OK && n == 1);
    CHECK_STR(ev[0].event_type, "product_view");
    CHECK(!ev[0].has_product_id);
    CHECK_STR(ev[0].sku, "MX-KEYS-DE");
    free(f.body);

    CHECK_STR(cs_sdk_event_type(a, "_first_open"), "custom._first_open");
    CHECK_STR(cs_sdk_event_type(a, "_search"), "search");
    arena_free(a);
}

static void test_real_batch_and_gzip(void)
{
    char bufs[6][128];
    arena *a = arena_new(0);
    cs_event *ev, *gz_ev;
    size_t n, gz_n;
    cs_sdk_rejects rej;
    sf_error e;
    sf_error_clear(&e);
    fixture f = load_fixture("batch", "json");
    cs_sdk_request rq = request_for(&f, bufs);
    CHECK(cs_sdk_handle(a, &rq, f.body, f.len, &ev, &n, &rej, &e) == SF_OK);
    json_t *arr = json_loadb(f.body, f.len, 0, NULL);
    CHECK(n == json_array_size(arr) && n > 1 && rej.count == 0);
    json_decref(arr);

    /* Android-style: base64 of gzip, hashCode over the base64 text. */
    fixture g = load_fixture("batch-gzip-base64", "txt");
    char gbufs[6][128];
    cs_sdk_request grq = request_for(&g, gbufs);
    grq.inflate = test_inflate;
    CHECK(cs_sdk_handle(a, &grq, g.body, g.len, &gz_ev, &gz_n, &rej, &e) == SF_OK);
    CHECK(gz_n == n);
    CHECK(gz_n > 0 && strcmp(gz_ev[0].event_id, ev[0].event_id) == 0);
    /* Raw gzip bytes with compression=gzip work too (hashCode over those bytes). */
    uLongf cap = compressBound(f.len) + 32;
    unsigned char *raw = malloc(cap);
    z_stream zs = {0};
    deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (unsigned char *)f.body;
    zs.avail_in = (uInt)f.len;
    zs.next_out = raw;
    zs.avail_out = (uInt)cap;
    CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    size_t raw_len = zs.total_out;
    deflateEnd(&zs);
    char h[9];
    hash_of((char *)raw, raw_len, h);
    grq.hash_code = h;
    CHECK(cs_sdk_handle(a, &grq, (char *)raw, raw_len, &gz_ev, &gz_n, &rej, &e) == SF_OK);
    CHECK(gz_n == n);
    /* Without an inflater, gzip is refused, not misread. */
    grq.inflate = NULL;
    CHECK(cs_sdk_handle(a, &grq, (char *)raw, raw_len, &gz_ev, &gz_n, &rej, &e) == SF_INVALID);
    /* Neither gzip nor base64. */
    sf_error_clear(&e);
    grq.inflate = test_inflate;
    hash_of("not*base64", 10, h);
    CHECK(cs_sdk_handle(a, &grq, "not*base64", 10, &gz_ev, &gz_n, &rej, &e) == SF_INVALID);
    free(raw);
    free(g.body);
    free(f.body);
    arena_free(a);
}

static sf_status query_status(cs_sdk_request rq, const char *field)
{
    arena *a = arena_new(0);
    cs_event *ev;
    size_t n;
    cs_sdk_rejects rej;
    sf_error e;
    sf_error_clear(&e);
    const char *body = "[]";
    char h[9];
    hash_of(body, 2, h);
    if (!rq.hash_code)
        rq.hash_code = h;
    sf_status st = cs_sdk_handle(a, &rq, body, 2, &ev, &n, &rej, &e);
    if (field)
        CHECK(e.nfields == 1 && strcmp(e.fields[0].field, field) == 0);
    arena_free(a);
    return st;
}

static void test_query_errors(void)
{
    cs_sdk_request ok = {.app_id = "storefront-web",
                         .platform = "Web",
                         .event_bundle_sequence_id = "3",
                         .upload_timestamp = "1795578470234",
                         .allowed_app_ids = allowed,
                         .nallowed = 2,
                         .now_ms = 1795578470234LL,
                         .max_past_ms = 7 * DAY_MS,
                         .max_future_ms = 3600 * 1000};
    CHECK(query_status(ok, NULL) == SF_OK);
    cs_sdk_request r = ok;
    r.app_id = NULL;
    CHECK(query_status(r, "appId") == SF_INVALID);
    r.app_id = "shop web";
    CHECK(query_status(r, "appId") == SF_INVALID);
    r.app_id = "someone-else";
    CHECK(query_status(r, NULL) == SF_FORBIDDEN);
    r = ok;
    r.nallowed = 0; /* CLICKSTREAM_APP_IDS unset: no appId is accepted */
    CHECK(query_status(r, NULL) == SF_FORBIDDEN);
    r = ok;
    r.hash_code = "12345678"; /* well-formed, wrong */
    CHECK(query_status(r, "hashCode") == SF_INVALID);
    r.hash_code = "xyz";
    CHECK(query_status(r, "hashCode") == SF_INVALID);
    r.hash_code = "";
    CHECK(query_status(r, "hashCode") == SF_INVALID);
    r = ok;
    r.compression = "br";
    CHECK(query_status(r, "compression") == SF_INVALID);
    r.compression = ""; /* what the Android SDK sends when not compressing */
    CHECK(query_status(r, NULL) == SF_OK);
    r = ok;
    r.event_bundle_sequence_id = "1a";
    CHECK(query_status(r, "event_bundle_sequence_id") == SF_INVALID);
    r = ok;
    r.upload_timestamp = "-5";
    CHECK(query_status(r, "upload_timestamp") == SF_INVALID);
    r = ok;
    r.platform = "We b";
    CHECK(query_status(r, "platform") == SF_INVALID);
    /* A missing appId and a bad hashCode: both reported at once. */
    r = ok;
    r.app_id = NULL;
    r.hash_code = "zz";
    CHECK(query_status(r, NULL) == SF_INVALID);
}

static void test_body_errors(void)
{
    cs_sdk_request rq = {.app_id = "storefront-web",
                         .allowed_app_ids = allowed,
                         .nallowed = 2,
                         .now_ms = 1795578470234LL,
                         .max_past_ms = 7 * DAY_MS,
                         .max_future_ms = 3600 * 1000};
    arena *a = arena_new(0);
    cs_event *ev;
    size_t n;
    cs_sdk_rejects rej;
    sf_error e;

    CHECK(handle_json(a, &rq, "[{\"event_id\":", &ev, &n, &rej, &e) == SF_INVALID);
    CHECK(e.nfields == 1 && strcmp(e.fields[0].field, "body") == 0);
    CHECK(handle_json(a, &rq, "{\"event_id\":\"x\"}", &ev, &n, &rej, &e) == SF_INVALID);
    CHECK(handle_json(a, &rq, "[{\"a\":1,\"a\":2}]", &ev, &n, &rej, &e) == SF_INVALID);
    CHECK(handle_json(a, &rq, "", &ev, &n, &rej, &e) == SF_INVALID);
    CHECK(handle_json(a, &rq, "[]", &ev, &n, &rej, &e) == SF_OK && n == 0);

    /* Too many events: 413; CS_SDK_MAX_EVENTS is fine (a long-offline SDK's batch). */
    json_t *arr = json_array();
    for (int i = 0; i < CS_SDK_MAX_EVENTS; i++)
        json_array_append_new(arr, event_json(NULL, 1795578470234LL, "x"));
    char *s = json_dumps(arr, JSON_COMPACT);
    CHECK(handle_json(a, &rq, s, &ev, &n, &rej, &e) == SF_OK);
    CHECK(n == 0 && rej.count == CS_SDK_MAX_EVENTS);
    free(s);
    json_array_append_new(arr, json_integer(0));
    s = json_dumps(arr, JSON_COMPACT);
    CHECK(handle_json(a, &rq, s, &ev, &n, &rej, &e) == SF_INVALID);
    CHECK_STR(e.code, "payload-too-large");
    free(s);
    json_decref(arr);

    /* Over 1 MiB: 413, before the hash or the JSON parser spend time on it. */
    size_t big = CS_MAX_BODY_BYTES + 1;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[0] = '[';
    huge[big - 1] = ']';
    huge[big] = '\0';
    CHECK(handle_json(a, &rq, huge, &ev, &n, &rej, &e) == SF_INVALID);
    CHECK_STR(e.code, "payload-too-large");
    free(huge);
    arena_free(a);
}

/* Bad events are dropped one by one; the rest of the batch is stored. */
static void test_event_drops(void)
{
    long long now = 1795578470234LL;
    cs_sdk_request rq = {.app_id = "storefront-web",
                         .allowed_app_ids = allowed,
                         .nallowed = 2,
                         .now_ms = now,
                         .max_past_ms = 7 * DAY_MS,
                         .max_future_ms = 3600 * 1000,
                         .user_id = "cognito-sub-1",
                         .user_agent = "Mozilla/5.0",
                         .client_ip = "203.0.113.0"};
    json_t *arr = json_array();
    json_array_append_new(arr,
                          event_json("0F4BCB6A-2F39-43F2-BC23-F4BF3493533A", now, "_page_view"));
    json_array_append_new(arr, event_json(NULL, now, "x"));
    json_array_append_new(
        arr, event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935330", now - 8 * DAY_MS, "x"));
    json_array_append_new(
        arr, event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935331", now + 2 * 3600000, "x"));
    json_t *other = event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935332", now, "x");
    json_object_set_new(other, "app_id", json_string("storefront-android"));
    json_array_append_new(arr, other);
    json_array_append_new(arr, json_integer(42));
    json_array_append_new(arr, event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935333", now, "1bad"));
    json_array_append_new(arr, event_json("not-a-uuid", now, "x"));
    json_t *real_ts = event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935334", now, "x");
    json_object_set_new(real_ts, "timestamp", json_real(1.5e12));
    json_array_append_new(arr, real_ts);
    json_t *long_sess = event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935335", now, "x");
    char sess[200];
    memset(sess, 's', sizeof sess - 1);
    sess[sizeof sess - 1] = '\0';
    json_object_set_new(json_object_get(long_sess, "attributes"), "_session_id", json_string(sess));
    json_array_append_new(arr, long_sess);
    json_array_append_new(arr, event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935336", now, "last_one"));
    char *body = json_dumps(arr, JSON_COMPACT);

    arena *a = arena_new(0);
    cs_event *ev;
    size_t n;
    cs_sdk_rejects rej;
    sf_error e;
    CHECK(handle_json(a, &rq, body, &ev, &n, &rej, &e) == SF_OK);
    CHECK(n == 2);
    CHECK(rej.count == 9);
    CHECK(rej.first_index == 1);
    CHECK(strstr(rej.first_reason, "event_id") != NULL);
    CHECK_STR(ev[0].event_id, "0f4bcb6a-2f39-43f2-bc23-f4bf3493533a"); /* canonical lowercase */
    CHECK_STR(ev[0].user_id, "cognito-sub-1");
    CHECK_STR(ev[0].user_agent, "Mozilla/5.0");
    CHECK_STR(ev[0].client_ip, "203.0.113.0");
    CHECK_STR(ev[1].event_type, "custom.last_one");
    CHECK(ev[1].session_id && strcmp(ev[1].session_id, "sess-1") == 0); /* no leftovers */
    free(body);
    json_decref(arr);
    arena_free(a);
}

/* props: flat, <= 50 keys, values <= 1 KiB cut on a UTF-8 boundary, objects dropped. */
static void test_props_limits(void)
{
    long long now = 1795578470234LL;
    cs_sdk_request rq = {.app_id = "storefront-web",
                         .allowed_app_ids = allowed,
                         .nallowed = 2,
                         .now_ms = now,
                         .max_past_ms = DAY_MS,
                         .max_future_ms = 3600 * 1000};
    json_t *ev = event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935336", now, "many");
    json_t *attrs = json_object_get(ev, "attributes");
    char key[16];
    for (int i = 0; i < 60; i++) {
        snprintf(key, sizeof key, "k%02d", i);
        json_object_set_new(attrs, key, json_integer(i));
    }
    json_t *items = json_array();
    json_array_append_new(items, json_pack("{s:s}", "id", "9007199254740993"));
    json_object_set_new(ev, "items", items);
    json_t *ev2 = event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935337", now, "long");
    json_t *attrs2 = json_object_get(ev2, "attributes");
    char *longv = malloc(2001);
    for (int i = 0; i < 2000; i += 2) {
        longv[i] = (char)0xC3; /* é, 2 bytes: 1024 is a boundary, 1023 is not */
        longv[i + 1] = (char)0xA9;
    }
    longv[2000] = '\0';
    json_object_set_new(attrs2, "a", json_string(longv));
    json_object_set_new(attrs2, "nested", json_pack("{s:i}", "x", 1));
    json_object_set_new(attrs2, "flag", json_true());
    json_object_set_new(attrs2, "nothing", json_null());
    json_t *items2 = json_array();
    json_array_append_new(items2, json_pack("{s:I}", "id", (json_int_t)7));
    json_object_set_new(ev2, "items", items2);
    json_t *arr = json_pack("[oo]", ev, ev2);
    char *body = json_dumps(arr, JSON_COMPACT);

    arena *a = arena_new(0);
    cs_event *out;
    size_t n;
    cs_sdk_rejects rej;
    sf_error e;
    CHECK(handle_json(a, &rq, body, &out, &n, &rej, &e) == SF_OK && n == 2);
    json_t *p = json_loads(out[0].props_json, 0, NULL);
    CHECK(json_object_size(p) == CS_MAX_PROPS);
    CHECK(json_integer_value(json_object_get(p, "_props_dropped")) > 0);
    CHECK(!out[0].has_product_id); /* above 2^53: kept as a SKU, not rounded */
    CHECK_STR(out[0].sku, "9007199254740993");
    json_decref(p);
    p = json_loads(out[1].props_json, 0, NULL);
    CHECK(p != NULL);
    CHECK(json_string_length(json_object_get(p, "a")) == 1024);
    CHECK(json_object_get(p, "nested") == NULL);
    CHECK(json_is_true(json_object_get(p, "flag")));
    CHECK(json_is_null(json_object_get(p, "nothing")));
    CHECK(json_integer_value(json_object_get(p, "_props_dropped")) == 1);
    CHECK(out[1].has_product_id && out[1].product_id == 7);
    json_decref(p);

    /* 1023 bytes cut back to the boundary before a 2-byte character. */
    json_object_set_new(json_object_get(ev2, "attributes"), "a", json_string(""));
    json_t *ev3 = event_json("c4bcb6a2-2f39-43f2-bc23-f4bf34935338", now, "odd");
    char *odd = malloc(2002);
    odd[0] = 'x';
    memcpy(odd + 1, longv, 2001);
    json_object_set_new(json_object_get(ev3, "attributes"), "a", json_string(odd));
    json_t *arr3 = json_pack("[o]", ev3);
    char *body3 = json_dumps(arr3, JSON_COMPACT);
    CHECK(handle_json(a, &rq, body3, &out, &n, &rej, &e) == SF_OK && n == 1);
    p = json_loads(out[0].props_json, 0, NULL);
    CHECK(p && json_string_length(json_object_get(p, "a")) == 1023);
    json_decref(p);
    free(odd);
    free(body3);
    json_decref(arr3);
    free(longv);
    free(body);
    json_decref(arr);
    arena_free(a);
}

int main(void)
{
    test_hash();
    test_real_add_to_cart();
    test_real_presets();
    test_real_batch_and_gzip();
    test_query_errors();
    test_body_errors();
    test_event_drops();
    test_props_limits();
    return check_done();
}

/* ---- helpers ---- */

static char *slurp(const char *name, size_t *len)
{
    /* __FILE__ is tests/unit/test_clickstream_sdk.c, absolute in CMake builds. */
    char path[1024];
    const char *dir = strstr(__FILE__, "unit/test_clickstream_sdk.c");
    snprintf(path, sizeof path, "%.*sfixtures/clickstream-sdk/%s", (int)(dir - __FILE__), __FILE__,
             name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static fixture load_fixture(const char *name, const char *ext)
{
    fixture f;
    char file[256];
    snprintf(file, sizeof file, "%s.%s", name, ext);
    f.body = slurp(file, &f.len);
    snprintf(file, sizeof file, "%s.query", name);
    size_t qlen;
    char *q = slurp(file, &qlen);
    q[strcspn(q, "\r\n")] = '\0';
    snprintf(f.query, sizeof f.query, "%s", q);
    free(q);
    return f;
}

/* The value of key in a query string (no percent-decoding needed for these values). */
static const char *qparam(const char *query, const char *key, char *buf, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            snprintf(buf, size, "%.*s", (int)strcspn(v, "&"), v);
            return buf;
        }
    }
    return NULL;
}

/* The request the handler would build for a captured fixture, "now" being its upload
 * time, with the native endpoint's window (7 days back, 1 h ahead). */
static cs_sdk_request request_for(const fixture *f, char bufs[6][128])
{
    cs_sdk_request rq = {0};
    rq.app_id = qparam(f->query, "appId", bufs[0], 128);
    rq.platform = qparam(f->query, "platform", bufs[1], 128);
    rq.event_bundle_sequence_id = qparam(f->query, "event_bundle_sequence_id", bufs[2], 128);
    rq.upload_timestamp = qparam(f->query, "upload_timestamp", bufs[3], 128);
    rq.hash_code = qparam(f->query, "hashCode", bufs[4], 128);
    rq.compression = qparam(f->query, "compression", bufs[5], 128);
    rq.allowed_app_ids = allowed;
    rq.nallowed = 2;
    rq.now_ms = strtoll(rq.upload_timestamp, NULL, 10);
    rq.max_past_ms = 7 * DAY_MS;
    rq.max_future_ms = 3600 * 1000;
    return rq;
}

static void hash_of(const char *body, size_t len, char out[9])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen;
    EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL);
    snprintf(out, 9, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

/* Stand-in for the shared gzip helper: zlib, gzip header, bounded output. */
static sf_status test_inflate(arena *a, const unsigned char *in, size_t n, size_t limit, char **out,
                              size_t *out_len, sf_error *e)
{
    char *buf = arena_alloc(a, limit + 1);
    z_stream zs = {0};
    inflateInit2(&zs, 31);
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = (unsigned char *)buf;
    zs.avail_out = (uInt)limit;
    int rc = inflate(&zs, Z_FINISH);
    size_t got = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END)
        return sf_fail(e, SF_INVALID, "bad-request", "bad gzip");
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    return SF_OK;
}

/* cs_sdk_handle with the right hashCode for a hand-made JSON body. */
static sf_status handle_json(arena *a, cs_sdk_request *rq, const char *json, cs_event **ev,
                             size_t *n, cs_sdk_rejects *rej, sf_error *e)
{
    char h[9];
    hash_of(json, strlen(json), h);
    rq->hash_code = h;
    sf_error_clear(e);
    sf_status st = cs_sdk_handle(a, rq, json, strlen(json), ev, n, rej, e);
    rq->hash_code = NULL;
    return st;
}

/* A minimal SDK event in the web SDK's shape; id NULL = without event_id. */
static json_t *event_json(const char *id, long long ts, const char *type)
{
    json_t *ev = json_pack("{s:s, s:I, s:s, s:s, s:{s:s, s:s}, s:{}}", "event_type", type,
                           "timestamp", (json_int_t)ts, "app_id", "storefront-web", "unique_id",
                           "c6ed086c-cbd4-41d7-90e4-c1a6d8d2474d", "attributes", "_session_id",
                           "sess-1", "_page_url", "https://shop.example.com/p/42", "user");
    if (id)
        json_object_set_new(ev, "event_id", json_string(id));
    return ev;
}
