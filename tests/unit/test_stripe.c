/*
 * test_stripe.c — card payment settings and the parts of the Stripe client that need no
 * server: STRIPE_* read strictly, form encoding as Stripe's API takes it, a card
 * checkout refused before any order exists while STRIPE_API_KEY is unset, and a Stripe
 * that cannot be reached (a closed local port) or is not configured is SF_UNAVAILABLE.
 * (Requests to a Stripe that answers are checked against the stand-in in
 * tests/api/card-payments and refunds.)
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "service/stripe_api.h"
#include "storefront/payments.h"

static char err[256];

static bool load(sf_config *cfg)
{
    setenv("DATABASE_URL", "postgresql://x@127.0.0.1/db", 1);
    return config_load(cfg, true, err, sizeof err);
}

static void settings(void)
{
    sf_config cfg;
    unsetenv("STRIPE_API_KEY");
    unsetenv("STRIPE_API_BASE");
    unsetenv("STRIPE_ALLOW_HTTP");
    unsetenv("STRIPE_TIMEOUT_MS");
    CHECK(load(&cfg));
    CHECK(cfg.stripe_api_key == NULL);
    CHECK(cfg.stripe_api_base_len == (int)strlen("https://api.stripe.com"));
    CHECK(strncmp(cfg.stripe_api_base, "https://api.stripe.com", cfg.stripe_api_base_len) == 0);
    CHECK(cfg.stripe_timeout_ms == 10000);
    config_free(&cfg);

    setenv("STRIPE_API_KEY", "sk_test_abc", 1);
    setenv("STRIPE_API_BASE", "https://stripe.example.com//", 1);
    CHECK(load(&cfg));
    CHECK_STR(cfg.stripe_api_key, "sk_test_abc");
    CHECK(cfg.stripe_api_base_len == (int)strlen("https://stripe.example.com"));
    config_free(&cfg);

    /* Plain http only when allowed; nothing but a URL; bounded timeouts; a clean key. */
    setenv("STRIPE_API_BASE", "http://127.0.0.1:12111", 1);
    CHECK(!load(&cfg));
    CHECK(strstr(err, "STRIPE_API_BASE") != NULL);
    setenv("STRIPE_ALLOW_HTTP", "1", 1);
    CHECK(load(&cfg));
    config_free(&cfg);
    setenv("STRIPE_API_BASE", "ftp://127.0.0.1", 1);
    CHECK(!load(&cfg));
    setenv("STRIPE_API_BASE", "http://127.0.0.1:12111", 1);
    setenv("STRIPE_TIMEOUT_MS", "50", 1);
    CHECK(!load(&cfg));
    CHECK(strstr(err, "STRIPE_TIMEOUT_MS") != NULL);
    setenv("STRIPE_TIMEOUT_MS", "1500", 1);
    setenv("STRIPE_API_KEY", "sk_test_a b", 1);
    CHECK(!load(&cfg));
    CHECK(strstr(err, "STRIPE_API_KEY") != NULL);
    CHECK(strstr(err, "sk_test") == NULL); /* the key itself is never echoed */
    setenv("STRIPE_API_KEY", "sk_test_abc", 1);
    CHECK(load(&cfg));
    CHECK(cfg.stripe_timeout_ms == 1500);
    config_free(&cfg);
}

static void form_encoding(void)
{
    arena *a = arena_new(1024);
    CHECK_STR(stripe_form_encode(a, "SF-260101-000001"), "SF-260101-000001");
    CHECK_STR(stripe_form_encode(a, "a b&c=d+e/é"), "a%20b%26c%3Dd%2Be%2F%C3%A9");
    CHECK_STR(stripe_form_encode(a, "[x]~_."), "%5Bx%5D~_.");
    CHECK_STR(stripe_form_encode(a, ""), "");
    arena_free(a);
}

static void ready(void)
{
    sf_config cfg = {0};
    sf_error e;
    sf_error_clear(&e);
    svc_checkout_input card = {.payment_method = "card"}, manual = {.payment_method = "manual"};
    CHECK(svc_card_payment_ready(&cfg, &card, &e) == SF_UNAVAILABLE);
    CHECK(strstr(e.detail, "not configured") != NULL);
    sf_error_clear(&e);
    CHECK(svc_card_payment_ready(&cfg, &manual, &e) == SF_OK);
    cfg.stripe_api_key = "sk_test_abc";
    CHECK(svc_card_payment_ready(&cfg, &card, &e) == SF_OK);
}

static void unreachable(void)
{
    /* Port 1 on loopback: refused at once, as a Stripe outage looks to the client. */
    sf_config cfg = {.stripe_api_key = "sk_test_abc",
                     .stripe_api_base = "http://127.0.0.1:1",
                     .stripe_api_base_len = (int)strlen("http://127.0.0.1:1"),
                     .stripe_timeout_ms = 2000};
    arena *a = arena_new(1024);
    sf_error e;
    sf_error_clear(&e);
    stripe_object o;
    CHECK(stripe_payment_intent_create(&cfg, a, "order-x-pi", 1000, "USD", "SF-1", &o, &e) ==
          SF_UNAVAILABLE);
    CHECK(strstr(e.detail, "sk_test") == NULL);
    sf_error_clear(&e);
    CHECK(stripe_refund_create(&cfg, a, "refund-1", "pi_1", 10, NULL, "SF-1", 1, &o, &e) ==
          SF_UNAVAILABLE);
    sf_error_clear(&e);
    cfg.stripe_api_key = NULL;
    CHECK(stripe_payment_intent_get(&cfg, a, "pi_1", &o, &e) == SF_UNAVAILABLE);
    CHECK(strstr(e.detail, "not configured") != NULL);
    arena_free(a);
}

int main(void)
{
    settings();
    form_encoding();
    ready();
    unreachable();
    return check_done();
}
