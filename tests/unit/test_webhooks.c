/*
 * test_webhooks.c — the pure parts of partner webhooks (webhooks.h): the signature
 * against a vector computed independently (Python's hmac module), the SSRF address
 * classification in every range and IPv6 form, the URL rules that need no DNS, and
 * the retry delay.
 */
#include <string.h>

#include "check.h"
#include "storefront/webhooks.h"

static void signature(void)
{
    char sig[SVC_WEBHOOK_SIG_MAX];
    const char *body = "{\"id\":\"evt_1\"}";
    /* python3: hmac.new(b'whsec_test_secret', b'1700000000.{"id":"evt_1"}',
     *                   hashlib.sha256).hexdigest() */
    svc_webhook_sign("whsec_test_secret", 1700000000, body, strlen(body), sig);
    CHECK_STR(sig,
              "t=1700000000,v1=248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a");
    /* Another time or secret is another signature. */
    char other[SVC_WEBHOOK_SIG_MAX];
    svc_webhook_sign("whsec_test_secret", 1700000001, body, strlen(body), other);
    CHECK(strcmp(sig + 16, other + 16) != 0);
    svc_webhook_sign("whsec_test_secreT", 1700000000, body, strlen(body), other);
    CHECK(strcmp(sig, other) != 0);
}

static void addresses(void)
{
    static const char *const refused[] = {
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.0.1",
        "100.64.0.1",
        "100.127.255.255",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:192.168.0.1",
        "::127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "2002:c0a8:101::1",
        "2001:db8::1",
        "not an address",
        "",
        "1.2.3",
        "[::1]",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        bool pub = svc_webhook_ip_public(refused[i]);
        if (pub)
            fprintf(stderr, "refused address judged public: %s\n", refused[i]);
        CHECK(!pub);
    }
    static const char *const allowed[] = {
        "1.1.1.1",        "8.8.8.8",          "93.184.216.34",        "172.15.255.255",
        "172.32.0.1",     "100.63.255.255",   "100.128.0.1",          "169.253.255.255",
        "11.0.0.1",       "192.169.0.1",      "2606:4700:4700::1111", "2a00:1450:4001::200e",
        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
    };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        bool pub = svc_webhook_ip_public(allowed[i]);
        if (!pub)
            fprintf(stderr, "public address refused: %s\n", allowed[i]);
        CHECK(pub);
    }
}

/* URL rules decided before any DNS lookup, and literal addresses (no lookup). */
static void urls(void)
{
    static const char *const bad[] = {
        "",
        "ftp://example.com/x",
        "http://8.8.8.8/x",          /* http without the development setting */
        "https://user:pw@8.8.8.8/x", /* credentials */
        "https://8.8.8.8/x#frag",    /* fragment */
        "https://127.0.0.1/x",       /* loopback */
        "https://10.1.2.3/x",        /* private */
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[fe80::1]/x",
        "https://0x7f000001/x", /* 127.0.0.1 spelled in hex */
        "https://2130706433/x", /* 127.0.0.1 as one number */
        "https://example .com/",
        "not a url",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sf_error e;
        sf_error_clear(&e);
        sf_status s = svc_webhook_target_check(bad[i], false, "url", NULL, &e);
        if (s != SF_INVALID)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(s == SF_INVALID && e.nfields == 1 && strcmp(e.fields[0].field, "url") == 0);
    }
    sf_error e;
    sf_error_clear(&e);
    svc_webhook_target t;
    CHECK(svc_webhook_target_check("https://8.8.8.8:8443/hook?x=1", false, "url", &t, &e) == SF_OK);
    CHECK_STR(t.address, "8.8.8.8");
    CHECK(t.port == 8443 && !t.ipv6);
    CHECK(svc_webhook_target_check("https://[2606:4700:4700::1111]/h", false, "url", &t, &e) ==
          SF_OK);
    CHECK(t.ipv6 && t.port == 443);
    CHECK_STR(t.host, "2606:4700:4700::1111");
    /* The development setting allows loopback and http. */
    CHECK(svc_webhook_target_check("http://127.0.0.1:9/hook", true, "url", &t, &e) == SF_OK);
    CHECK(t.port == 9);
}

static void backoff(void)
{
    CHECK(svc_webhook_backoff_ms(1, 3600, 0) == 1000);
    CHECK(svc_webhook_backoff_ms(2, 3600, 0) == 2000);
    CHECK(svc_webhook_backoff_ms(4, 3600, 0) == 8000);
    CHECK(svc_webhook_backoff_ms(40, 3600, 0) == 3600000);
    CHECK(svc_webhook_backoff_ms(3, 2, 0) == 2000);
    for (unsigned r = 0; r < 1000; r += 7) {
        int d = svc_webhook_backoff_ms(5, 3600, r * 2654435761u);
        CHECK(d >= 8000 && d <= 16000);
    }
}

int main(void)
{
    signature();
    addresses();
    urls();
    backoff();
    return check_done();
}
