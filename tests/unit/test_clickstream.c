/*
 * test_clickstream.c — the pure parts of clickstream ingestion: UUID canonical form,
 * IP truncation, the token bucket (with explicit times, so no clock is involved) and
 * per-event validation of POST /v1/events.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storefront/clickstream.h"

#define NOW 1764000000000LL /* a fixed server clock, Unix ms */

static void test_uuid(void)
{
    char out[37];
    CHECK(cs_uuid_canonical("6F9619FF-8B86-D011-B42D-00C04FC964FF", out));
    CHECK_STR(out, "6f9619ff-8b86-d011-b42d-00c04fc964ff");
    CHECK(!cs_uuid_canonical("6f9619ff8b86d011b42d00c04fc964ff", out));
    CHECK(!cs_uuid_canonical("6f9619ff-8b86-d011-b42d-00c04fc964fg", out));
    CHECK(!cs_uuid_canonical("6f9619ff-8b86-d011-b42d-00c04fc964ff0", out));
    CHECK(!cs_uuid_canonical("", out));
    CHECK(!cs_uuid_canonical(NULL, out));
}

static void test_ip(void)
{
    char out[64];
    CHECK(cs_ip_truncate("203.0.113.77", out, sizeof out));
    CHECK_STR(out, "203.0.113.0");
    CHECK(cs_ip_truncate("2001:db8:1234:5678::1", out, sizeof out));
    CHECK_STR(out, "2001:db8:1234::");
    CHECK(cs_ip_truncate("::ffff:198.51.100.9", out, sizeof out));
    CHECK_STR(out, "198.51.100.0");
    CHECK(!cs_ip_truncate("not an ip", out, sizeof out));
    CHECK_STR(out, "");
    CHECK(!cs_ip_truncate("203.0.113.7, 10.0.0.1", out, sizeof out));
    CHECK(!cs_ip_truncate(NULL, out, sizeof out));
}

static void test_rate(void)
{
    cs_rate *r = cs_rate_new(2, 3, 1024); /* 2 per second, burst 3 */
    int retry = 0;
    CHECK(cs_rate_allow(r, "203.0.113.1", 100.0, &retry));
    CHECK(cs_rate_allow(r, "203.0.113.1", 100.0, &retry));
    CHECK(cs_rate_allow(r, "203.0.113.1", 100.0, &retry));
    CHECK(!cs_rate_allow(r, "203.0.113.1", 100.0, &retry));
    CHECK(retry == 1);
    CHECK(cs_rate_allow(r, "203.0.113.2", 100.0, &retry)); /* another address: its own */
    CHECK(cs_rate_allow(r, "203.0.113.1", 100.5, &retry)); /* one token back after 0.5 s */
    CHECK(!cs_rate_allow(r, "203.0.113.1", 100.5, &retry));
    CHECK(cs_rate_allow(r, "203.0.113.1", 200.0, &retry)); /* refilled, capped at burst */
    CHECK(cs_rate_allow(r, "203.0.113.1", 200.0, &retry));
    CHECK(cs_rate_allow(r, "203.0.113.1", 200.0, &retry));
    CHECK(!cs_rate_allow(r, "203.0.113.1", 200.0, &retry));
    cs_rate_free(r);
    cs_rate *slow = cs_rate_new(1.0 / 30, 1, 16); /* one per 30 s */
    CHECK(cs_rate_allow(slow, "x", 0, &retry));
    CHECK(!cs_rate_allow(slow, "x", 1, &retry));
    CHECK(retry == 29);
    cs_rate_free(slow);
}

/* Validates the JSON text; returns the error count and the first error's field. */
static int check_event(const char *json, arena *a, cs_event *ev, const char **field)
{
    json_error_t jerr;
    json_t *obj = json_loads(json, 0, &jerr);
    cs_field_error errs[CS_MAX_EVENT_ERRORS];
    int n = cs_event_from_json(obj, cs_time_window_at(NOW, 7), a, ev, errs);
    *field = n ? errs[0].field : NULL;
    json_decref(obj);
    return n;
}

#define OK_HEAD                                                                                    \
    "{\"event_id\":\"6F9619FF-8B86-D011-B42D-00C04FC964FF\",\"timestamp\":1764000000000,"

static void test_event(void)
{
    arena *a = arena_new(0);
    cs_event ev;
    const char *f;
    CHECK(check_event(OK_HEAD "\"event_type\":\"product_view\",\"product_id\":42,\"sku\":\"MX-1\","
                              "\"page_url\":\"https://shop.example.com/p/mx\",\"referrer\":\"\","
                              "\"props\":{\"color\":\"black\",\"n\":3,\"x\":null,\"b\":true}}",
                      a, &ev, &f) == 0);
    CHECK_STR(ev.event_id, "6f9619ff-8b86-d011-b42d-00c04fc964ff");
    CHECK_STR(ev.event_type, "product_view");
    CHECK_STR(ev.source, "web");
    CHECK(ev.time_ms == NOW && ev.has_product_id && ev.product_id == 42);
    CHECK(ev.referrer == NULL && ev.user_id == NULL);
    CHECK_STR(ev.props_json, "{\"color\":\"black\",\"n\":3,\"x\":null,\"b\":true}");
    CHECK(check_event(OK_HEAD "\"event_type\":\"custom.newsletter.signup\"}", a, &ev, &f) == 0);

    static const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"event_type\":\"click\",\"timestamp\":1764000000000}", "event_id"},
        {"{\"event_id\":\"x\",\"event_type\":\"click\",\"timestamp\":1764000000000}", "event_id"},
        {OK_HEAD "\"event_type\":\"bogus\"}", "event_type"},
        {OK_HEAD "\"event_type\":\"custom.\"}", "event_type"},
        {OK_HEAD "\"event_type\":\"custom.a b\"}", "event_type"},
        {"{\"event_id\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\",\"event_type\":\"click\"}",
         "timestamp"},
        {"{\"event_id\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\",\"event_type\":\"click\","
         "\"timestamp\":1.5}",
         "timestamp"},
        {"{\"event_id\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\",\"event_type\":\"click\","
         "\"timestamp\":1763300000000}",
         "timestamp"}, /* 8.1 days old */
        {"{\"event_id\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\",\"event_type\":\"click\","
         "\"timestamp\":1764003600001}",
         "timestamp"}, /* over an hour ahead */
        {OK_HEAD "\"event_type\":\"click\",\"page_url\":\"javascript:alert(1)\"}", "page_url"},
        {OK_HEAD "\"event_type\":\"click\",\"product_id\":0}", "product_id"},
        {OK_HEAD "\"event_type\":\"click\",\"product_id\":\"7\"}", "product_id"},
        {OK_HEAD "\"event_type\":\"click\",\"session_id\":5}", "session_id"},
        {OK_HEAD "\"event_type\":\"click\",\"props\":[1]}", "props"},
        {OK_HEAD "\"event_type\":\"click\",\"props\":{\"a\":{\"b\":1}}}", "props.a"},
        {OK_HEAD "\"event_type\":\"click\",\"user_id\":\"me\"}", "user_id"},
        {OK_HEAD "\"event_type\":\"click\",\"evnet\":1}", "evnet"},
        {"7", "event"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = check_event(bad[i].json, a, &ev, &f);
        CHECK(n >= 1);
        if (n >= 1 && strcmp(f, bad[i].field) != 0)
            fprintf(stderr, "case %zu: first error on %s, expected %s\n", i, f, bad[i].field);
        CHECK(n >= 1 && strcmp(f, bad[i].field) == 0);
    }
    arena_free(a);
}

int main(void)
{
    test_uuid();
    test_ip();
    test_rate();
    test_event();
    return check_done();
}
