/*
 * test_quotes.c — the database-free parts of quotes and guest checkout: the one pricing
 * rule (order_pricing.h: shipping free over the threshold, tax half up on the discounted
 * goods, a code that stopped applying), the quote body parser, the guest checkout body
 * parser and the e-mail check.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "storefront/order_pricing.h"
#include "storefront/orders.h"
#include "storefront/quotes.h"

static bool names_field(const sf_error *e, const char *field)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, field) == 0)
            return true;
    return false;
}

static void test_tax(void)
{
    CHECK(svc_tax_amount(0, 1900) == 0);
    CHECK(svc_tax_amount(10000, 1900) == 1900);
    CHECK(svc_tax_amount(1, 5000) == 1);    /* 0.5 rounds up */
    CHECK(svc_tax_amount(1, 4999) == 0);    /* 0.4999 rounds down */
    CHECK(svc_tax_amount(3, 1666) == 0);    /* 0.4998 */
    CHECK(svc_tax_amount(333, 1500) == 50); /* 49.95 -> 50 */
    CHECK(svc_tax_amount(1234, 0) == 0);
    CHECK(svc_tax_amount(1234, 10000) == 1234);
    /* Large carts do not overflow: 10^12 minor units at 100 %. */
    CHECK(svc_tax_amount(1000000000000LL, 10000) == 1000000000000LL);
}

static void test_price(void)
{
    db_cart_line rows[3] = {
        {.quantity = 2,
         .stock = 10,
         .sellable = true,
         .sku = "A",
         .currency = "USD",
         .price_amount = 1999},
        {.quantity = 1,
         .stock = 5,
         .sellable = true,
         .sku = "B",
         .currency = "USD",
         .price_amount = 501},
        {.quantity = 4,
         .stock = 5,
         .sellable = false,
         .sku = "C",
         .currency = "USD",
         .price_amount = 100000}, /* not sold: never counted */
    };
    svc_cart_line lines[3] = {{.row = &rows[0]}, {.row = &rows[1]}, {.row = &rows[2]}};
    svc_cart cart = {.lines = lines, .nlines = 3, .currency = "USD"};
    db_shipping_method standard = {.code = "standard",
                                   .price_amount = 499,
                                   .currency = "USD",
                                   .free_over_amount = 5000,
                                   .active = true};
    db_shipping_method express = {.code = "express",
                                  .price_amount = 1499,
                                  .currency = "USD",
                                  .free_over_amount_is_null = true,
                                  .active = true};
    svc_order_money m;
    svc_order_price(&cart, &standard, 1900, &m);
    CHECK(m.subtotal == 4499 && m.discount == 0);
    CHECK(m.shipping == 499); /* 4499 < 5000 */
    CHECK(m.tax == 855);      /* 854.81 */
    CHECK(m.total == 4499 + 499 + 855);
    CHECK_STR(m.currency, "USD");
    svc_order_price(&cart, &express, 0, &m);
    CHECK(m.shipping == 1499 && m.tax == 0 && m.total == 4499 + 1499);
    /* Reaching the threshold makes standard free, express not. */
    rows[1].price_amount = 1002;
    svc_order_price(&cart, &standard, 2000, &m);
    CHECK(m.subtotal == 5000 && m.shipping == 0 && m.tax == 1000 && m.total == 6000);
    svc_order_price(&cart, &express, 2000, &m);
    CHECK(m.shipping == 1499 && m.total == 5000 + 1499 + 1000);
    /* A 10 % code: tax on the discounted goods; shipping free on the subtotal before it. */
    cart.code.present = true;
    cart.code.facts.code = (db_discount_code){.code = "TEN",
                                              .kind = DB_DISCOUNT_KIND_PERCENT,
                                              .percent_off = 10,
                                              .active = true,
                                              .currency_is_null = true,
                                              .amount_off_is_null = true,
                                              .usage_limit_is_null = true,
                                              .per_customer_limit_is_null = true,
                                              .starts_at_is_null = true,
                                              .ends_at_is_null = true};
    svc_order_price(&cart, &standard, 2000, &m);
    CHECK(m.discount == 500 && m.shipping == 0 && m.tax == 900 && m.total == 5000 - 500 + 900);
    /* The same inputs always price the same (quote, then checkout). */
    svc_order_money again;
    svc_order_price(&cart, &standard, 2000, &again);
    CHECK(memcmp(&m, &again, sizeof m) == 0);
    /* An inactive code stays on the cart and takes nothing off. */
    cart.code.facts.code.active = false;
    svc_order_price(&cart, &standard, 2000, &m);
    CHECK(m.discount == 0 && cart.code.problem == SVC_DISCOUNT_INACTIVE && m.total == 6000);
}

static void test_quote_input(void)
{
    arena *ar = arena_new(0);
    svc_quote_input in;
    sf_error e;
#define Q(body, guest)                                                                             \
    (sf_error_clear(&e), svc_quote_input_parse(ar, body, strlen(body), guest, &in, &e))
    CHECK(Q("{\"shipping_address\":{\"country\":\"de\"}}", true) == SF_OK);
    CHECK_STR(in.country, "DE");
    CHECK(!in.region && !in.postal_code && !in.shipping_method && !in.address_id);
    CHECK(Q("{\"shipping_address\":{\"country\":\"US\",\"region\":\"TX\",\"postal_code\":\"78701\","
            "\"city\":\"Austin\"},\"shipping_method\":\"express\"}",
            false) == SF_OK);
    CHECK_STR(in.region, "TX");
    CHECK_STR(in.postal_code, "78701");
    CHECK_STR(in.shipping_method, "express");
    CHECK(Q("{\"shipping_address_id\":7,\"shipping_method\":null}", false) == SF_OK &&
          in.address_id == 7 && !in.shipping_method);
    CHECK(Q("{\"shipping_address_id\":7}", true) == SF_INVALID &&
          names_field(&e, "shipping_address_id"));
    CHECK(Q("{}", true) == SF_INVALID && names_field(&e, "shipping_address"));
    CHECK(Q("{}", false) == SF_INVALID && names_field(&e, "shipping_address_id"));
    CHECK(Q("{\"shipping_address_id\":7,\"shipping_address\":{\"country\":\"DE\"}}", false) ==
          SF_INVALID);
    CHECK(Q("{\"shipping_address_id\":0}", false) == SF_INVALID);
    CHECK(Q("{\"shipping_address_id\":\"7\"}", false) == SF_INVALID);
    CHECK(Q("{\"shipping_address\":{\"country\":\"XX\"}}", true) == SF_INVALID &&
          names_field(&e, "shipping_address.country"));
    CHECK(Q("{\"shipping_address\":{\"country\":\"DEU\"}}", true) == SF_INVALID);
    CHECK(Q("{\"shipping_address\":{\"country\":7}}", true) == SF_INVALID);
    CHECK(Q("{\"shipping_address\":{\"region\":\"TX\"}}", true) == SF_INVALID &&
          names_field(&e, "shipping_address.country"));
    CHECK(Q("{\"shipping_address\":{\"country\":\"DE\",\"planet\":\"Mars\"}}", true) ==
              SF_INVALID &&
          names_field(&e, "shipping_address.planet"));
    CHECK(Q("{\"shipping_address\":{\"country\":\"DE\",\"postal_code\":\"123456789012345678901\"}}",
            true) == SF_INVALID &&
          names_field(&e, "shipping_address.postal_code"));
    CHECK(Q("{\"shipping_address\":\"DE\"}", true) == SF_INVALID);
    CHECK(Q("{\"shipping_address\":{\"country\":\"DE\"},\"shipping_method\":\"\"}", true) ==
              SF_INVALID &&
          names_field(&e, "shipping_method"));
    CHECK(Q("{\"shipping_address\":{\"country\":\"DE\"},\"coupon\":1}", true) == SF_INVALID &&
          names_field(&e, "coupon"));
    CHECK(Q("[]", true) == SF_INVALID);
    CHECK(Q("{\"a\":1,\"a\":2}", true) == SF_INVALID);
#undef Q
    arena_free(ar);
}

static void test_guest_input(void)
{
    arena *ar = arena_new(0);
    svc_checkout_input in, other;
    sf_error e;
#define G(body, out)                                                                               \
    (sf_error_clear(&e), svc_guest_checkout_input_parse(ar, body, strlen(body), out, &e))
    const char *ok = "{\"email\":\"ana@example.com\",\"shipping_address\":{\"line1\":\"1 Main "
                     "St\",\"city\":\"Berlin\",\"country\":\"DE\"},\"shipping_method\":"
                     "\"standard\",\"payment_method\":\"cod\"}";
    CHECK(G(ok, &in) == SF_OK && in.has_inline && !in.address_id);
    CHECK_STR(in.email, "ana@example.com");
    /* The e-mail is part of the request: another address is another body for a key. */
    const char *ok2 = "{\"email\":\"bob@example.com\",\"shipping_address\":{\"line1\":\"1 Main "
                      "St\",\"city\":\"Berlin\",\"country\":\"DE\"},\"shipping_method\":"
                      "\"standard\",\"payment_method\":\"cod\"}";
    CHECK(G(ok2, &other) == SF_OK && strcmp(in.request_hash, other.request_hash) != 0);
    CHECK(G("{\"shipping_address\":{\"line1\":\"1\",\"city\":\"B\",\"country\":\"DE\"},"
            "\"shipping_method\":\"standard\",\"payment_method\":\"cod\"}",
            &in) == SF_INVALID &&
          names_field(&e, "email"));
    CHECK(G("{\"email\":\"not-an-email\",\"shipping_address\":{\"line1\":\"1\",\"city\":\"B\","
            "\"country\":\"DE\"},\"shipping_method\":\"standard\",\"payment_method\":\"cod\"}",
            &in) == SF_INVALID &&
          names_field(&e, "email"));
    CHECK(G("{\"email\":\"a@b.co\",\"shipping_address_id\":3,\"shipping_method\":\"standard\","
            "\"payment_method\":\"cod\"}",
            &in) == SF_INVALID &&
          names_field(&e, "shipping_address_id"));
    CHECK(G("{\"email\":\"a@b.co\",\"shipping_method\":\"standard\",\"payment_method\":\"cod\"}",
            &in) == SF_INVALID &&
          names_field(&e, "shipping_address"));
    /* The signed-in parser knows no e-mail. */
    sf_error_clear(&e);
    CHECK(svc_checkout_input_parse(ar, ok, strlen(ok), &in, &e) == SF_INVALID &&
          names_field(&e, "email"));
#undef G
    arena_free(ar);
}

static void test_email(void)
{
    CHECK(svc_email_valid("ana@example.com"));
    CHECK(svc_email_valid("Ana.Maria+shop@mail.example.co.uk"));
    CHECK(svc_email_valid("a@b.co"));
    CHECK(svc_email_valid("x@xn--bcher-kva.example"));
    CHECK(!svc_email_valid(NULL) && !svc_email_valid("") && !svc_email_valid("a@"));
    CHECK(!svc_email_valid("@example.com"));
    CHECK(!svc_email_valid("ana@localhost")); /* one label */
    CHECK(!svc_email_valid("ana@@example.com") && !svc_email_valid("a@b@example.com"));
    CHECK(!svc_email_valid("ana maria@example.com"));
    CHECK(!svc_email_valid("ana@exa mple.com"));
    CHECK(!svc_email_valid("ana@example..com") && !svc_email_valid("ana@.example.com"));
    CHECK(!svc_email_valid("ana@example.com."));
    CHECK(!svc_email_valid("ana@-example.com") && !svc_email_valid("ana@example-.com"));
    CHECK(!svc_email_valid("\"ana\"@example.com") && !svc_email_valid("a,b@example.com"));
    CHECK(!svc_email_valid("ana\n@example.com"));
    char longer[300];
    memset(longer, 'a', 65);
    strcpy(longer + 65, "@example.com");
    CHECK(!svc_email_valid(longer)); /* local part over 64 */
    memset(longer, 'a', 250);
    strcpy(longer + 250, "@b.co");
    CHECK(!svc_email_valid(longer)); /* over 254 */
}

int main(void)
{
    test_tax();
    test_price();
    test_quote_input();
    test_guest_input();
    test_email();
    return check_done();
}
