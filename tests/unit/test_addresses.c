/*
 * test_addresses.c — address input validation and the country table, without a
 * database: what a POST/PATCH body is turned into, and which bodies are refused with
 * which field named.
 */
#include <string.h>

#include "check.h"
#include "storefront/addresses.h"

static bool names_field(const sf_error *e, const char *field)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, field) == 0)
            return true;
    return false;
}

static sf_status parse(arena *a, const char *body, bool create, svc_address_input *in, sf_error *e)
{
    sf_error_clear(e);
    return svc_address_input_parse(a, body, strlen(body), create, in, e);
}

static void test_countries(void)
{
    const char(*codes)[3];
    size_t n = svc_countries(&codes);
    CHECK(n == 249);
    for (size_t i = 1; i < n; i++)
        CHECK(strcmp(codes[i - 1], codes[i]) < 0);
    for (size_t i = 0; i < n; i++)
        CHECK(svc_country_valid(codes[i]));
    CHECK(svc_country_valid("US") && svc_country_valid("VN") && svc_country_valid("AD") &&
          svc_country_valid("ZW"));
    CHECK(!svc_country_valid("XX") && !svc_country_valid("UK") && !svc_country_valid("EU"));
    CHECK(!svc_country_valid("us") && !svc_country_valid("USA") && !svc_country_valid("U") &&
          !svc_country_valid("") && !svc_country_valid(NULL));
}

static void test_create(void)
{
    arena *a = arena_new(0);
    svc_address_input in;
    sf_error e;
    CHECK(parse(a,
                "{\"name\":\"  Ada \",\"line1\":\"1 Main St\",\"line2\":\"  \",\"city\":\"Hanoi\","
                "\"region\":null,\"postal_code\":\"10000\",\"country\":\"VN\",\"phone\":"
                "\"+84912345678\",\"is_default\":true}",
                true, &in, &e) == SF_OK);
    CHECK_STR(in.name, "Ada");
    CHECK(in.set_line2 && in.line2 == NULL); /* blank optional field = cleared */
    CHECK(in.set_region && in.region == NULL);
    CHECK_STR(in.postal_code, "10000");
    CHECK(in.set_is_default && in.is_default);

    CHECK(parse(a, "{\"line1\":\"x\"}", true, &in, &e) == SF_INVALID);
    CHECK(names_field(&e, "city") && names_field(&e, "country") && !names_field(&e, "line1"));
    arena_free(a);
}

static void test_refused(void)
{
    arena *a = arena_new(0);
    svc_address_input in;
    sf_error e;
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"line1\":null}", "line1"},
        {"{\"line1\":\"   \"}", "line1"},
        {"{\"city\":null}", "city"},
        {"{\"country\":null}", "country"},
        {"{\"country\":\"XX\"}", "country"},
        {"{\"country\":\"us\"}", "country"},
        {"{\"name\":\"\"}", "name"},
        {"{\"name\":\"a\\tb\"}", "name"},
        {"{\"phone\":\"0123\"}", "phone"},
        {"{\"postal_code\":\"12_34\"}", "postal_code"},
        {"{\"postal_code\":\"123456789012345678901\"}", "postal_code"},
        {"{\"is_default\":null}", "is_default"},
        {"{\"customer_id\":1}", "customer_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(parse(a, bad[i].body, false, &in, &e) == SF_INVALID);
        CHECK(names_field(&e, bad[i].field));
    }
    /* 200 characters is the limit for line1, in characters, not bytes. */
    char body[1024] = "{\"line1\":\"";
    for (int i = 0; i < 200; i++)
        strcat(body, "\xc3\xa9");
    strcat(body, "\"}");
    CHECK(parse(a, body, false, &in, &e) == SF_OK);
    arena_free(a);
}

int main(void)
{
    test_countries();
    test_create();
    test_refused();
    return check_done();
}
