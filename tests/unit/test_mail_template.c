/*
 * test_mail_template.c — the e-mail renderer (mail_template.c), the order e-mails built
 * from the embedded templates (mail_render.c) and the SES request body and outcome
 * rules (ses.c): substitution, sections, HTML escaping (a customer's name or product
 * name with markup must not become markup), every event's e-mail for a sample order,
 * money formatting, and the refusals (unknown names, unbalanced sections, unknown events).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "storefront/mail.h"
#include "storefront/orders.h"

/* An order as order_document() renders it, with markup in the customer-supplied text. */
static const char *ORDER =
    "{\"object\": {\"number\": \"SF-2026-000123\", \"status\": \"shipped\", \"currency\": \"USD\","
    " \"subtotal\": {\"amount\": 4000, \"currency\": \"USD\"},"
    " \"discount\": {\"amount\": 500, \"currency\": \"USD\"}, \"discount_code\": \"WELCOME5\","
    " \"shipping\": {\"amount\": 499, \"currency\": \"USD\"},"
    " \"tax\": {\"amount\": 320, \"currency\": \"USD\"},"
    " \"total\": {\"amount\": 4319, \"currency\": \"USD\"},"
    " \"refunded\": {\"amount\": 1000, \"currency\": \"USD\"},"
    " \"shipping_method\": \"standard\", \"payment_method\": \"manual\","
    " \"tracking_number\": \"1Z999AA10123456784\", \"paid_at\": \"2026-12-05T10:00:00.000000Z\","
    " \"email\": \"ada@example.com\", \"guest\": false,"
    " \"shipping_address\": {\"name\": \"Ada <b>Lovelace</b>\", \"line1\": \"1 Main St\","
    "   \"line2\": null, \"city\": \"Berlin\", \"region\": null, \"postal_code\": \"10115\","
    "   \"country\": \"DE\"},"
    " \"lines\": [{\"variant_id\": 1, \"sku\": \"MUG-1\", \"name\": \"Mug \\\"Tom & Jerry\\\"\","
    "   \"unit_price\": {\"amount\": 1000, \"currency\": \"USD\"}, \"quantity\": 2,"
    "   \"line_total\": {\"amount\": 2000, \"currency\": \"USD\"}},"
    "  {\"variant_id\": 2, \"sku\": \"TEE-M\", \"name\": \"T-shirt\","
    "   \"unit_price\": {\"amount\": 2000, \"currency\": \"USD\"}, \"quantity\": 1,"
    "   \"line_total\": {\"amount\": 2000, \"currency\": \"USD\"}}],"
    " \"placed_at\": \"2026-12-05T09:30:12.123456Z\"},"
    " \"refund\": {\"id\": 7, \"amount\": {\"amount\": 1000, \"currency\": \"USD\"},"
    "   \"reason\": \"broken <handle>\"}}";

static void test_render_basics(arena *a)
{
    mail_var vars[] = {
        {"name", "Ada & <Bob>", NULL}, {"empty", "", NULL}, {"table", "plain", "<table></table>"}};
    const char *bad = NULL;
    CHECK_STR(mail_template_render(a, "Hi {{name}}!", vars, 3, false, &bad), "Hi Ada & <Bob>!");
    CHECK_STR(mail_template_render(a, "Hi {{name}}!", vars, 3, true, &bad),
              "Hi Ada &amp; &lt;Bob&gt;!");
    /* Pre-built HTML is used as it is in HTML, the text value in text. */
    CHECK_STR(mail_template_render(a, "{{table}}", vars, 3, true, &bad), "<table></table>");
    CHECK_STR(mail_template_render(a, "{{table}}", vars, 3, false, &bad), "plain");
    /* Sections: shown only when the variable is not empty; they may nest. */
    CHECK_STR(mail_template_render(a, "a{{#empty}}X{{/empty}}b", vars, 3, false, &bad), "ab");
    CHECK_STR(mail_template_render(a, "a{{#name}}[{{#table}}{{name}}{{/table}}]{{/name}}b", vars, 3,
                                   false, &bad),
              "a[Ada & <Bob>]b");
    CHECK_STR(mail_template_render(a, "no tags at all", vars, 3, true, &bad), "no tags at all");
    CHECK_STR(mail_template_render(a, "", vars, 3, true, &bad), "");
    /* Refusals name what is wrong. */
    CHECK(mail_template_render(a, "{{nope}}", vars, 3, false, &bad) == NULL);
    CHECK(bad && strstr(bad, "unknown"));
    CHECK(mail_template_render(a, "{{#name}}x", vars, 3, false, &bad) == NULL);
    CHECK(mail_template_render(a, "x{{/name}}", vars, 3, false, &bad) == NULL);
    CHECK(mail_template_render(a, "{{name", vars, 3, false, &bad) == NULL);
    CHECK_STR(mail_html_escape(a, "<a href=\"x\">'&'</a>"),
              "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

static void test_money(arena *a)
{
    CHECK_STR(mail_format_money(a, 4319, "USD"), "43.19 USD");
    CHECK_STR(mail_format_money(a, 5, "EUR"), "0.05 EUR");
    CHECK_STR(mail_format_money(a, 0, "EUR"), "0.00 EUR");
    CHECK_STR(mail_format_money(a, -250, "EUR"), "-2.50 EUR");
    CHECK_STR(mail_format_money(a, 1500, "JPY"), "1500 JPY");
}

static sf_config shop(void)
{
    sf_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.shop_name = "Tea & Cups";
    cfg.shop_address = "1 Harbour Rd, Hamburg";
    strcpy(cfg.shop_url, "https://shop.example.com");
    return cfg;
}

/* Every event renders from the embedded templates, with the order's facts in each part
 * and nothing from the customer unescaped in the HTML. */
static void test_every_event(arena *a)
{
    sf_config cfg = shop();
    static const char *const events[] = {"order.created", "order.paid", "order.shipped",
                                         "order.cancelled", "order.refunded"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        mail_message m = {0};
        sf_error e = {0};
        sf_status s = mail_render_order_event(a, &cfg, events[i], ORDER, &m, &e);
        CHECK(s == SF_OK);
        if (s != SF_OK) {
            fprintf(stderr, "%s: %s\n", events[i], e.detail);
            continue;
        }
        CHECK(strstr(m.subject, "SF-2026-000123") != NULL);
        CHECK(strstr(m.subject, "Tea & Cups") != NULL);
        CHECK(strchr(m.subject, '\n') == NULL);
        CHECK(strstr(m.text, "SF-2026-000123") != NULL);
        CHECK(strstr(m.html, "SF-2026-000123") != NULL);
        CHECK(strstr(m.text, "Ada <b>Lovelace</b>") != NULL);
        CHECK(strstr(m.html, "Ada &lt;b&gt;Lovelace&lt;/b&gt;") != NULL);
        CHECK(strstr(m.html, "<b>Lovelace") == NULL);
        CHECK(strstr(m.html, "Tea &amp; Cups") != NULL);
        CHECK(strstr(m.text, "1 Harbour Rd, Hamburg") != NULL);
        CHECK(strstr(m.html, "https://shop.example.com/orders/SF-2026-000123") != NULL);
        CHECK(strstr(m.text, "{{") == NULL && strstr(m.html, "{{") == NULL);
    }
}

static void test_event_details(arena *a)
{
    sf_config cfg = shop();
    mail_message m = {0};
    sf_error e = {0};
    CHECK(mail_render_order_event(a, &cfg, "order.created", ORDER, &m, &e) == SF_OK);
    CHECK(strstr(m.text, "Total: 43.19 USD") != NULL);
    CHECK(strstr(m.text, "2 x Mug \"Tom & Jerry\" (MUG-1): 20.00 USD") != NULL);
    CHECK(strstr(m.text, "1 x T-shirt (TEE-M): 20.00 USD") != NULL);
    CHECK(strstr(m.text, "Discount (WELCOME5): -5.00 USD") != NULL);
    CHECK(strstr(m.html, "Mug &quot;Tom &amp; Jerry&quot;") != NULL);
    CHECK(strstr(m.html, "<table") != NULL && strstr(m.html, "<td") != NULL);
    CHECK(strstr(m.text, "1 Main St, 10115 Berlin, DE") != NULL);

    CHECK(mail_render_order_event(a, &cfg, "order.shipped", ORDER, &m, &e) == SF_OK);
    CHECK(strstr(m.text, "Tracking number: 1Z999AA10123456784") != NULL);
    CHECK(strstr(m.html, "1Z999AA10123456784") != NULL);

    CHECK(mail_render_order_event(a, &cfg, "order.refunded", ORDER, &m, &e) == SF_OK);
    CHECK(strstr(m.subject, "10.00 USD refunded") != NULL);
    CHECK(strstr(m.text, "Reason: broken <handle>") != NULL);
    CHECK(strstr(m.html, "broken &lt;handle&gt;") != NULL);

    /* No tracking number, no discount, no shop URL: their sections vanish. */
    json_t *o = json_loads(ORDER, 0, NULL);
    json_t *obj = json_object_get(o, "object");
    json_object_set_new(obj, "tracking_number", json_null());
    json_object_set_new(json_object_get(obj, "discount"), "amount", json_integer(0));
    char *plain = json_dumps(o, 0);
    json_decref(o);
    cfg.shop_url[0] = '\0';
    CHECK(mail_render_order_event(a, &cfg, "order.shipped", plain, &m, &e) == SF_OK);
    CHECK(strstr(m.text, "Tracking number") == NULL);
    CHECK(strstr(m.text, "/orders/") == NULL && strstr(m.html, "href") == NULL);
    CHECK(mail_render_order_event(a, &cfg, "order.created", plain, &m, &e) == SF_OK);
    CHECK(strstr(m.text, "Discount") == NULL);
    free(plain);
}

/* A guest order's e-mails link to the order with its access token (the one checkout
 * gave: HMAC-SHA256 of "order-token:" + number under the order token key); a customer's
 * do not (they sign in). */
static void test_guest_links(arena *a)
{
    sf_config cfg = shop();
    for (int i = 0; i < 32; i++)
        cfg.order_token_key[i] = (unsigned char)(i + 1);
    char token[SVC_ORDER_TOKEN_LEN + 1];
    /* Computed independently: Python's hmac.new(bytes(range(1, 33)),
     * b"order-token:SF-261206-000001", sha256), base64url without padding. */
    svc_order_token(cfg.order_token_key, "SF-261206-000001", token);
    CHECK_STR(token, "vYbvh2ilslkMLyxlslrANyASZqp2s4vZacvI65RcAv4");

    json_t *o = json_loads(ORDER, 0, NULL);
    json_object_set_new(json_object_get(o, "object"), "guest", json_true());
    char *guest = json_dumps(o, 0);
    json_decref(o);
    svc_order_token(cfg.order_token_key, "SF-2026-000123", token);
    const char *link =
        arena_sprintf(a, "https://shop.example.com/orders/SF-2026-000123?token=%s", token);
    mail_message m = {0};
    sf_error e = {0};
    const char *events[] = {"order.created", "order.paid", "order.shipped", "order.cancelled",
                            "order.refunded"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        CHECK(mail_render_order_event(a, &cfg, events[i], guest, &m, &e) == SF_OK);
        CHECK(strstr(m.text, link) != NULL);
        CHECK(strstr(m.html, link) != NULL);
    }
    CHECK(mail_render_order_event(a, &cfg, "order.created", ORDER, &m, &e) == SF_OK);
    CHECK(strstr(m.text, "?token=") == NULL && strstr(m.html, "?token=") == NULL);
    free(guest);
}

static void test_refusals(arena *a)
{
    sf_config cfg = shop();
    mail_message m = {0};
    sf_error e = {0};
    CHECK(mail_render_order_event(a, &cfg, "product.updated", ORDER, &m, &e) == SF_INVALID);
    CHECK(mail_render_order_event(a, &cfg, "order.created", "{\"object\": {}}", &m, &e) ==
          SF_INVALID);
    CHECK(mail_render_order_event(a, &cfg, "order.created", "not json", &m, &e) == SF_INVALID);
    CHECK(mail_template_source("confirmation.html") != NULL);
    CHECK(mail_template_source("nope.html") == NULL);
}

static void test_ses(arena *a)
{
    ses_email em = {.from = "Shop <shop@example.com>",
                    .to = "ada@example.com",
                    .subject = "Hi \"there\"",
                    .text = "text",
                    .html = "<p>html</p>"};
    json_t *j = json_loads(ses_request_body(a, &em), 0, NULL);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "FromEmailAddress")), "Shop <shop@example.com>");
    CHECK_STR(json_string_value(json_array_get(
                  json_object_get(json_object_get(j, "Destination"), "ToAddresses"), 0)),
              "ada@example.com");
    json_t *simple = json_object_get(json_object_get(j, "Content"), "Simple");
    CHECK_STR(json_string_value(json_object_get(json_object_get(simple, "Subject"), "Data")),
              "Hi \"there\"");
    CHECK_STR(json_string_value(json_object_get(json_object_get(simple, "Subject"), "Charset")),
              "UTF-8");
    json_t *body = json_object_get(simple, "Body");
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "Text"), "Data")), "text");
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "Html"), "Data")),
              "<p>html</p>");
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "Html"), "Charset")),
              "UTF-8");
    json_decref(j);

    CHECK(ses_classify(200) == SES_SENT);
    CHECK(ses_classify(0) == SES_RETRY);
    CHECK(ses_classify(429) == SES_RETRY);
    CHECK(ses_classify(500) == SES_RETRY);
    CHECK(ses_classify(503) == SES_RETRY);
    CHECK(ses_classify(400) == SES_REJECTED);
    CHECK(ses_classify(403) == SES_REJECTED);
    CHECK(ses_classify(404) == SES_REJECTED);
}

int main(void)
{
    arena *a = arena_new(1 << 16);
    test_render_basics(a);
    test_money(a);
    test_every_event(a);
    test_event_details(a);
    test_guest_links(a);
    test_refusals(a);
    test_ses(a);
    arena_free(a);
    return check_done();
}
