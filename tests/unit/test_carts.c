/*
 * test_carts.c — the database-free parts of carts: the id format (what the pipeline
 * accepts in /v1/carts/{id}), request bodies, the pricing of a cart and the merge
 * quantity rule, and discount codes (input, validity, the amount off, in the cart).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "storefront/carts.h"

static bool names_field(const sf_error *e, const char *field)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, field) == 0)
            return true;
    return false;
}

static void test_ids(void)
{
    char a[SVC_CART_ID_LEN + 1], b[SVC_CART_ID_LEN + 1];
    CHECK(svc_cart_id_new(a) && svc_cart_id_new(b));
    CHECK(strlen(a) == 22 && svc_cart_id_valid(a) && svc_cart_id_valid(b));
    CHECK(strcmp(a, b) != 0);
    CHECK(svc_cart_id_valid("AAAAAAAAAAAAAAAAAAAAAA"));
    CHECK(svc_cart_id_valid("abcdefghij-_0123456789"));
    CHECK(!svc_cart_id_valid(NULL) && !svc_cart_id_valid(""));
    CHECK(!svc_cart_id_valid("AAAAAAAAAAAAAAAAAAAAA"));   /* 21 */
    CHECK(!svc_cart_id_valid("AAAAAAAAAAAAAAAAAAAAAAA")); /* 23 */
    CHECK(!svc_cart_id_valid("AAAAAAAAAAAAAAAAAAAAA="));  /* padding */
    CHECK(!svc_cart_id_valid("AAAAAAAAAAAAAAAAAAAAA+"));  /* base64, not base64url */
    CHECK(!svc_cart_id_valid("AAAAAAAAAAAAAAAAAAAAA/"));
    CHECK(!svc_cart_id_valid("AAAAAAAAAA AAAAAAAAAAA"));
    CHECK(!svc_cart_id_valid("12345"));
    /* Many ids: all well-formed and distinct from their neighbours. */
    for (int i = 0; i < 1000; i++) {
        CHECK(svc_cart_id_new(a) && svc_cart_id_valid(a));
        CHECK(strcmp(a, b) != 0);
        memcpy(b, a, sizeof a);
    }
}

static void test_inputs(void)
{
    arena *ar = arena_new(0);
    svc_cart_item_input in;
    sf_error e;
#define PARSE(body)                                                                                \
    (sf_error_clear(&e), svc_cart_item_input_parse(ar, body, strlen(body), 10, &in, &e))
    CHECK(PARSE("{\"variant_id\":42}") == SF_OK && in.variant_id == 42 && !in.sku &&
          in.quantity == 1);
    CHECK(PARSE("{\"sku\":\"KB-1\",\"quantity\":10}") == SF_OK && in.quantity == 10);
    CHECK_STR(in.sku, "KB-1");
    CHECK(PARSE("{\"sku\":\"KB-1\",\"quantity\":0}") == SF_INVALID && names_field(&e, "quantity"));
    CHECK(PARSE("{\"sku\":\"KB-1\",\"quantity\":11}") == SF_INVALID && names_field(&e, "quantity"));
    CHECK(PARSE("{\"sku\":\"KB-1\",\"quantity\":\"1\"}") == SF_INVALID);
    CHECK(PARSE("{\"sku\":\"KB-1\",\"quantity\":1.5}") == SF_INVALID);
    CHECK(PARSE("{}") == SF_INVALID && names_field(&e, "variant_id") && names_field(&e, "sku"));
    CHECK(PARSE("{\"variant_id\":1,\"sku\":\"x\"}") == SF_INVALID && names_field(&e, "sku"));
    CHECK(PARSE("{\"variant_id\":0}") == SF_INVALID && names_field(&e, "variant_id"));
    CHECK(PARSE("{\"variant_id\":9007199254740992}") == SF_INVALID);
    CHECK(PARSE("{\"sku\":\"\"}") == SF_INVALID && names_field(&e, "sku"));
    CHECK(PARSE("{\"sku\":\"x\",\"price\":1}") == SF_INVALID && names_field(&e, "price"));
    CHECK(PARSE("[]") == SF_INVALID && e.nfields == 0);
#undef PARSE
    int q = 0;
    sf_error_clear(&e);
    CHECK(svc_cart_quantity_parse("{\"quantity\":3}", 14, 10, &q, &e) == SF_OK && q == 3);
    sf_error_clear(&e);
    CHECK(svc_cart_quantity_parse("{}", 2, 10, &q, &e) == SF_INVALID &&
          names_field(&e, "quantity"));
    const char *id;
    sf_error_clear(&e);
    CHECK(svc_cart_merge_input_parse(ar, "{\"cart_id\":\"AAAAAAAAAAAAAAAAAAAAAA\"}", 36, &id, &e) ==
          SF_OK);
    CHECK_STR(id, "AAAAAAAAAAAAAAAAAAAAAA");
    sf_error_clear(&e);
    CHECK(svc_cart_merge_input_parse(ar, "{\"cart_id\":\"short\"}", 19, &id, &e) == SF_INVALID &&
          names_field(&e, "cart_id"));
    arena_free(ar);
}

static void test_pricing(void)
{
    db_cart_line rows[3] = {
        {.id = 1,
         .quantity = 2,
         .stock = 10,
         .sellable = true,
         .currency = "USD",
         .price_amount = 1250},
        {.id = 2,
         .quantity = 3,
         .stock = 1,
         .sellable = true,
         .currency = "USD",
         .price_amount = 1000},
        {.id = 3,
         .quantity = 1,
         .stock = 5,
         .sellable = false,
         .currency = "USD",
         .price_amount = 9999},
    };
    svc_cart_line lines[3] = {{.row = &rows[0]}, {.row = &rows[1]}, {.row = &rows[2]}};
    db_shipping_method methods[] = {
        {.code = "standard",
         .price_amount = 499,
         .currency = "USD",
         .free_over_amount = 5000,
         .active = true},
        {.code = "express",
         .price_amount = 1499,
         .currency = "USD",
         .free_over_amount_is_null = true,
         .active = true},
        {.code = "cheap_eur",
         .price_amount = 1,
         .currency = "EUR",
         .free_over_amount_is_null = true,
         .active = true},
        {.code = "off",
         .price_amount = 0,
         .currency = "USD",
         .free_over_amount_is_null = true,
         .active = false},
    };
    svc_cart cart = {.lines = lines, .nlines = 3, .currency = "USD"};
    svc_cart_price(&cart, methods, 4);
    CHECK(lines[0].line_total == 2500 && lines[0].problem == SVC_LINE_OK);
    CHECK(lines[1].line_total == 3000 && lines[1].problem == SVC_LINE_INSUFFICIENT_STOCK &&
          lines[1].available_quantity == 1);
    CHECK(lines[2].problem == SVC_LINE_UNAVAILABLE && !lines[2].counted);
    CHECK(cart.subtotal == 5500 && cart.discount == 0 && cart.item_count == 6);
    CHECK(cart.has_shipping && cart.shipping.amount == 0); /* 5500 >= 5000: standard is free */
    CHECK_STR(cart.shipping.code, "standard");
    CHECK(cart.total == 5500);
    rows[0].quantity = 1; /* subtotal 4250: below the threshold */
    svc_cart_price(&cart, methods, 4);
    CHECK(cart.subtotal == 4250 && cart.shipping.amount == 499 && cart.total == 4749);
    /* Only unavailable lines: nothing to ship. */
    svc_cart only = {.lines = &lines[2], .nlines = 1, .currency = "USD"};
    svc_cart_price(&only, methods, 4);
    CHECK(only.subtotal == 0 && !only.has_shipping && only.total == 0 && only.item_count == 1);
    svc_cart empty = {.currency = "USD"};
    svc_cart_price(&empty, methods, 4);
    CHECK(!empty.has_shipping && empty.total == 0);
}

static void test_discounts(void)
{
    db_discount_code pct = {.code = "WELCOME10",
                            .kind = DB_DISCOUNT_KIND_PERCENT,
                            .percent_off = 10,
                            .amount_off_is_null = true,
                            .currency_is_null = true,
                            .usage_limit_is_null = true,
                            .per_customer_limit_is_null = true,
                            .active = true};
    /* Percent: rounded down to the minor unit, no overflow near the int64 limit. */
    CHECK(svc_discount_amount(&pct, 5500) == 550);
    CHECK(svc_discount_amount(&pct, 1999) == 199);
    CHECK(svc_discount_amount(&pct, 9) == 0);
    CHECK(svc_discount_amount(&pct, 0) == 0);
    pct.percent_off = 100;
    CHECK(svc_discount_amount(&pct, 1234) == 1234);
    pct.percent_off = 33;
    CHECK(svc_discount_amount(&pct, 1001) == 330); /* 330.33 */
    CHECK(svc_discount_amount(&pct, INT64_MAX) ==
          INT64_MAX / 100 * 33 + INT64_MAX % 100 * 33 / 100);
    pct.percent_off = 10;
    db_discount_code fixed = {.code = "SAVE20",
                              .kind = DB_DISCOUNT_KIND_FIXED,
                              .percent_off_is_null = true,
                              .amount_off = 2000,
                              .currency = "USD",
                              .min_subtotal = 10000,
                              .usage_limit_is_null = true,
                              .per_customer_limit_is_null = true,
                              .active = true};
    /* Fixed: never more than the subtotal. */
    CHECK(svc_discount_amount(&fixed, 12000) == 2000);
    CHECK(svc_discount_amount(&fixed, 1500) == 1500);

    db_discount_facts f = {.code = fixed};
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_OK);
    CHECK(svc_discount_check(&f, 9999, "USD") == SVC_DISCOUNT_BELOW_MINIMUM);
    CHECK(svc_discount_check(&f, 10000, "EUR") == SVC_DISCOUNT_CURRENCY_MISMATCH);
    f.code.usage_limit_is_null = false;
    f.code.usage_limit = 3;
    f.code.times_used = 2;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_OK);
    f.code.times_used = 3;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_EXHAUSTED);
    f.code.usage_limit_is_null = true;
    f.code.per_customer_limit_is_null = false;
    f.code.per_customer_limit = 1;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_OK);
    f.customer_uses = 1;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_CUSTOMER_LIMIT);
    f.ended = true;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_EXPIRED);
    f.not_started = true;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_NOT_STARTED);
    f.code.active = false;
    CHECK(svc_discount_check(&f, 10000, "USD") == SVC_DISCOUNT_INACTIVE);
    CHECK_STR(svc_discount_problem_str(SVC_DISCOUNT_BELOW_MINIMUM), "below_minimum");
    CHECK(svc_discount_problem_str(SVC_DISCOUNT_OK) == NULL);

    /* In the cart: off the counting subtotal; shipping judged before the discount; a code
     * that stops applying stays with its reason and takes nothing off. */
    db_cart_line rows[2] = {
        {.id = 1,
         .quantity = 2,
         .stock = 10,
         .sellable = true,
         .currency = "USD",
         .price_amount = 3000},
        {.id = 2,
         .quantity = 1,
         .stock = 5,
         .sellable = false,
         .currency = "USD",
         .price_amount = 9999},
    };
    svc_cart_line lines[2] = {{.row = &rows[0]}, {.row = &rows[1]}};
    db_shipping_method standard = {.code = "standard",
                                   .price_amount = 499,
                                   .currency = "USD",
                                   .free_over_amount = 5000,
                                   .active = true};
    svc_cart cart = {.lines = lines, .nlines = 2, .currency = "USD"};
    cart.code.present = true;
    cart.code.facts.code = pct;
    svc_cart_price(&cart, &standard, 1);
    CHECK(cart.subtotal == 6000 && cart.discount == 600 && cart.code.problem == SVC_DISCOUNT_OK);
    CHECK(cart.shipping.amount == 0 && cart.total == 5400);
    cart.code.facts.code = fixed;
    svc_cart_price(&cart, &standard, 1);
    CHECK(cart.discount == 0 && cart.code.problem == SVC_DISCOUNT_BELOW_MINIMUM);
    CHECK(cart.total == 6000);
    rows[0].quantity = 4;
    svc_cart_price(&cart, &standard, 1);
    CHECK(cart.subtotal == 12000 && cart.discount == 2000 && cart.total == 10000);
    cart.code.facts.ended = true;
    svc_cart_price(&cart, &standard, 1);
    CHECK(cart.discount == 0 && cart.code.problem == SVC_DISCOUNT_EXPIRED && cart.total == 12000);
}

static void test_discount_input(void)
{
    arena *ar = arena_new(0);
    const char *code;
    sf_error e;
#define DPARSE(body)                                                                               \
    (sf_error_clear(&e), svc_cart_discount_input_parse(ar, body, strlen(body), &code, &e))
    CHECK(DPARSE("{\"code\":\"welcome10\"}") == SF_OK);
    CHECK_STR(code, "WELCOME10");
    CHECK(DPARSE("{\"code\":\"Once_Per-1\"}") == SF_OK);
    CHECK_STR(code, "ONCE_PER-1");
    CHECK(DPARSE("{}") == SF_INVALID && names_field(&e, "code"));
    CHECK(DPARSE("{\"code\":5}") == SF_INVALID && names_field(&e, "code"));
    CHECK(DPARSE("{\"code\":\"ab\"}") == SF_INVALID && names_field(&e, "code"));
    CHECK(DPARSE("{\"code\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"}") == SF_INVALID);
    CHECK(DPARSE("{\"code\":\"SAVE 20\"}") == SF_INVALID && names_field(&e, "code"));
    CHECK(DPARSE("{\"code\":\"WELCOME10\",\"x\":1}") == SF_INVALID && names_field(&e, "x"));
    CHECK(DPARSE("[]") == SF_INVALID);
#undef DPARSE
    arena_free(ar);
}

static void test_merge_quantity(void)
{
    CHECK(svc_cart_merge_quantity(0, 3, 100, true, 10) == 3);
    CHECK(svc_cart_merge_quantity(4, 3, 100, true, 10) == 7);  /* quantities add up */
    CHECK(svc_cart_merge_quantity(8, 5, 100, true, 10) == 10); /* per-line maximum */
    CHECK(svc_cart_merge_quantity(1, 5, 3, true, 10) == 3);    /* stock */
    CHECK(svc_cart_merge_quantity(5, 2, 3, true, 10) == 5);    /* never lowered */
    CHECK(svc_cart_merge_quantity(0, 4, 0, true, 10) == 4);    /* sold out: carried, flagged */
    CHECK(svc_cart_merge_quantity(0, 4, 2, false, 10) == 4);   /* not sold: carried, flagged */
}

int main(void)
{
    test_ids();
    test_inputs();
    test_pricing();
    test_merge_quantity();
    test_discounts();
    test_discount_input();
    return check_done();
}
