/*
 * mail_render.c — turns an order event from the outbox into an e-mail (see mail.h): the
 * event type picks the templates (templates/email/<kind>.subject.txt, .txt, .html), the
 * Order JSON that order_document() wrote into the row (as it was when the change
 * committed, not as it is now) and the shop settings fill them.
 *
 * Money is rendered from minor units with the currency's decimals; the order lines become
 * a plain list in the text part and a table in the HTML part (built from escaped parts).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/mail.h"
#include "storefront/orders.h"

#define MAX_VARS 32

typedef struct vars {
    mail_var v[MAX_VARS];
    size_t n;
} vars;

static const char *kind_of(const char *event_type);
static void add(vars *vs, const char *name, const char *value, const char *html);
static const char *str(json_t *o, const char *key);
static char *money(arena *a, json_t *m);
static char *address_line(arena *a, json_t *addr);
static void add_lines(arena *a, vars *vs, json_t *order);
static char *placed(arena *a, const char *iso);
static char *order_url(arena *a, const sf_config *cfg, json_t *order, const char *number);

sf_status mail_render_order_event(arena *a, const sf_config *cfg, const char *event_type,
                                  const char *payload, mail_message *out, sf_error *e)
{
    const char *kind = kind_of(event_type);
    if (!kind)
        return sf_fail(e, SF_INVALID, NULL, "no e-mail for event type %s",
                       event_type ? event_type : "(null)");
    json_error_t jerr;
    json_t *root = json_loads(payload ? payload : "", 0, &jerr);
    json_t *order = json_object_get(root, "object");
    if (!json_is_object(order) || !json_is_string(json_object_get(order, "number"))) {
        json_decref(root);
        return sf_fail(e, SF_INVALID, NULL, "the payload holds no order");
    }
    vars vs = {.n = 0};
    const char *number = str(order, "number");
    add(&vs, "shop_name", cfg->shop_name ? cfg->shop_name : "Storefront", NULL);
    add(&vs, "shop_address", cfg->shop_address ? cfg->shop_address : "", NULL);
    add(&vs, "shop_url", cfg->shop_url, NULL);
    add(&vs, "order_url", order_url(a, cfg, order, number), NULL);
    add(&vs, "number", arena_strdup(a, number), NULL);
    add(&vs, "status", arena_strdup(a, str(order, "status")), NULL);
    add(&vs, "placed_at", placed(a, str(order, "placed_at")), NULL);
    add(&vs, "paid_at", arena_strdup(a, str(order, "paid_at")), NULL);
    json_t *addr = json_object_get(order, "shipping_address");
    const char *name = str(addr, "name");
    add(&vs, "customer_name", arena_strdup(a, *name ? name : "customer"), NULL);
    add(&vs, "email", arena_strdup(a, str(order, "email")), NULL);
    add(&vs, "address", address_line(a, addr), NULL);
    add(&vs, "subtotal", money(a, json_object_get(order, "subtotal")), NULL);
    json_t *disc = json_object_get(order, "discount");
    add(&vs, "discount",
        json_integer_value(json_object_get(disc, "amount")) > 0 ? money(a, disc) : "", NULL);
    add(&vs, "discount_code", arena_strdup(a, str(order, "discount_code")), NULL);
    add(&vs, "shipping", money(a, json_object_get(order, "shipping")), NULL);
    add(&vs, "tax", money(a, json_object_get(order, "tax")), NULL);
    add(&vs, "total", money(a, json_object_get(order, "total")), NULL);
    add(&vs, "refunded", money(a, json_object_get(order, "refunded")), NULL);
    add(&vs, "shipping_method", arena_strdup(a, str(order, "shipping_method")), NULL);
    add(&vs, "payment_method", arena_strdup(a, str(order, "payment_method")), NULL);
    add(&vs, "tracking_number", arena_strdup(a, str(order, "tracking_number")), NULL);
    json_t *refund = json_object_get(root, "refund");
    add(&vs, "refund_amount", refund ? money(a, json_object_get(refund, "amount")) : "", NULL);
    add(&vs, "refund_reason", arena_strdup(a, str(refund, "reason")), NULL);
    add_lines(a, &vs, order);

    const char *bad = NULL;
    const char *sub_t = mail_template_source(arena_sprintf(a, "%s.subject.txt", kind));
    const char *txt_t = mail_template_source(arena_sprintf(a, "%s.txt", kind));
    const char *htm_t = mail_template_source(arena_sprintf(a, "%s.html", kind));
    char *subject = sub_t ? mail_template_render(a, sub_t, vs.v, vs.n, false, &bad) : NULL;
    /* One line: a subject is a header. */
    for (char *p = subject; p && *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = p[1] ? ' ' : '\0';
    add(&vs, "subject", subject, NULL);
    char *text = subject && txt_t ? mail_template_render(a, txt_t, vs.v, vs.n, false, &bad) : NULL;
    char *html = text && htm_t ? mail_template_render(a, htm_t, vs.v, vs.n, true, &bad) : NULL;
    json_decref(root);
    if (!html)
        return sf_fail(e, SF_INVALID, NULL, "the %s templates do not render: %s", kind,
                       bad ? bad : "a template is missing");
    *out = (mail_message){.subject = subject, .text = text, .html = html};
    return SF_OK;
}

char *mail_format_money(arena *a, long long amount, const char *currency)
{
    /* ISO 4217 currencies without minor units that a shop is likely to use. */
    static const char *const zero[] = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"};
    const char *cur = currency && *currency ? currency : "";
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (strcmp(cur, zero[i]) == 0)
            return arena_sprintf(a, "%lld %s", amount, cur);
    const char *sign = amount < 0 ? "-" : "";
    unsigned long long u =
        amount < 0 ? 0ULL - (unsigned long long)amount : (unsigned long long)amount;
    return arena_sprintf(a, "%s%llu.%02llu %s", sign, u / 100, u % 100, cur);
}

/* order.created → "confirmation" and so on; NULL for an event with no e-mail. */
static const char *kind_of(const char *event_type)
{
    static const char *const map[][2] = {
        {"order.created", "confirmation"}, {"order.paid", "paid"},
        {"order.shipped", "shipped"},      {"order.cancelled", "cancelled"},
        {"order.refunded", "refunded"},
    };
    for (size_t i = 0; event_type && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(event_type, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static void add(vars *vs, const char *name, const char *value, const char *html)
{
    if (vs->n < MAX_VARS)
        vs->v[vs->n++] = (mail_var){.name = name, .value = value ? value : "", .html = html};
}

/* o[key] when it is a string, else "" (null, missing, or o not an object). */
static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* {"amount": n, "currency": "USD"} as text. */
static char *money(arena *a, json_t *m)
{
    return mail_format_money(a, (long long)json_integer_value(json_object_get(m, "amount")),
                             str(m, "currency"));
}

/* "Ada Lovelace, 1 Main St, Flat 2, 10115 Berlin, DE": the parts that are set. */
static char *address_line(arena *a, json_t *addr)
{
    const char *city = str(addr, "city"), *pc = str(addr, "postal_code");
    const char *parts[] = {
        str(addr, "name"),   str(addr, "line1"),
        str(addr, "line2"),  *pc && *city ? arena_sprintf(a, "%s %s", pc, city) : (*pc ? pc : city),
        str(addr, "region"), str(addr, "country")};
    char *out = "";
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (*parts[i])
            out = *out ? arena_sprintf(a, "%s, %s", out, parts[i]) : arena_strdup(a, parts[i]);
    return out;
}

/* {{lines}}: "  2 x Name (SKU): 20.00 USD" per line in text; a table in HTML. */
static void add_lines(arena *a, vars *vs, json_t *order)
{
    char *text = "";
    char *html = "<table style=\"border-collapse: collapse\">\n"
                 "<tr><th style=\"text-align: left\">Item</th><th>Qty</th>"
                 "<th style=\"text-align: right\">Price</th></tr>\n";
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(order, "lines"), i, l)
    {
        const char *name = str(l, "name"), *sku = str(l, "sku");
        long long qty = (long long)json_integer_value(json_object_get(l, "quantity"));
        char *total = money(a, json_object_get(l, "line_total"));
        text = arena_sprintf(a, "%s  %lld x %s (%s): %s\n", text, qty, name, sku, total);
        html = arena_sprintf(a,
                             "%s<tr><td>%s <small>(%s)</small></td><td style=\"text-align: "
                             "center\">%lld</td><td style=\"text-align: right\">%s</td></tr>\n",
                             html, mail_html_escape(a, name), mail_html_escape(a, sku), qty,
                             mail_html_escape(a, total));
    }
    add(vs, "lines", text, arena_sprintf(a, "%s</table>", html));
}

/* "2026-12-05T18:59:01.123456Z" → "2026-12-05 18:59 UTC". */
static char *placed(arena *a, const char *iso)
{
    if (strlen(iso) < 16)
        return arena_strdup(a, iso);
    return arena_sprintf(a, "%.10s %.5s UTC", iso, iso + 11);
}

/* The SPA's order page, "" without SHOP_URL. A guest order's link carries its access
 * token (svc_order_token, the same one checkout gave), so the guest can open the order
 * from any of its e-mails; a customer's order page needs their sign-in instead. The
 * token is in this e-mail only: it is never logged. */
static char *order_url(arena *a, const sf_config *cfg, json_t *order, const char *number)
{
    if (!cfg->shop_url[0])
        return "";
    if (!json_is_true(json_object_get(order, "guest")))
        return arena_sprintf(a, "%s/orders/%s", cfg->shop_url, number);
    char token[SVC_ORDER_TOKEN_LEN + 1];
    svc_order_token(cfg->order_token_key, number, token);
    return arena_sprintf(a, "%s/orders/%s?token=%s", cfg->shop_url, number, token);
}
