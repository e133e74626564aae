/*
 * h_orders.c — POST /v1/checkout (Idempotency-Key required) and
 * GET /v1/me/orders (newest first, keyset), GET /v1/me/orders/{number} and
 * POST /v1/me/orders/{number}/cancel. The Order body comes ready-made from the service (the
 * database renders it, and a replay sends the stored text as it was first sent).
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "storefront/orders.h"
#include "storefront/payments.h"

void h_checkout(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    const char *key = u_map_get_case(c->req->map_header, "Idempotency-Key");
    if (!svc_idempotency_key_valid(key)) {
        sf_field_fail(&e, "Idempotency-Key",
                      "header is required: 1..255 printable ASCII characters");
        http_send_error(c, &e);
        return;
    }
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_checkout_input in;
    svc_checkout_result res = {0};
    if (svc_checkout_input_parse(c->a, body, len, &in, &e) == SF_OK &&
        svc_card_payment_ready(&c->app->cfg, &in, &e) == SF_OK)
        svc_checkout_place(c->app->pool, c->a, &c->principal, key, &in, &res, &e);
    http_send_checkout(c, &res, &e, "/v1/me/orders/");
}

void http_send_checkout(http_ctx *c, svc_checkout_result *res, sf_error *e, const char *orders)
{
    /* A card order gets its PaymentIntent now (after the order committed), on a replay
     * too: a retry after Stripe was unreachable finishes the payment step. */
    if (e->status == SF_OK)
        svc_card_payment_attach(c->app->pool, c->a, &c->app->cfg, res, e);
    if (e->status != SF_OK) {
        if (e->status == SF_CONFLICT && strstr(e->detail, "in progress"))
            c->retry_after = 1;
        else if (e->status == SF_UNAVAILABLE)
            c->retry_after = 5;
        http_send_error(c, e);
        return;
    }
    c->replayed = res->replayed;
    if (res->status == 201) {
        const char *number = res->number;
        if (!number) { /* a replay: the number is in the stored body */
            json_t *j = json_loads(res->body, 0, NULL);
            number = arena_strdup(c->a, json_string_value(json_object_get(j, "number")));
            json_decref(j);
        }
        if (number)
            c->location = arena_sprintf(c->a, "%s%s", orders, number);
    }
    http_send_raw_json(c, res->status, res->body);
}

void h_me_orders_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit;
    const char *cursor;
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_order_page page;
    if (e.status != SF_OK ||
        svc_orders_list(c->app->pool, c->app->cfg.cursor_key, c->a, &c->principal, cursor,
                        (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_order_page(c, &page);
}

void h_me_orders_cancel(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_order_number_or_problem(c))
        return;
    const char *json;
    if (svc_order_cancel(c->app->pool, c->a, &c->principal, c->path_param, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_me_orders_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_order_number_or_problem(c))
        return;
    const char *json;
    if (svc_order_get(c->app->pool, c->a, &c->principal, c->path_param, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

bool http_order_number_or_problem(http_ctx *c)
{
    if (svc_order_number_valid(c->path_param))
        return true;
    sf_error e;
    sf_error_clear(&e);
    sf_field_fail(&e, "number", "must be an order number such as SF-260101-000001");
    http_send_error(c, &e);
    return false;
}

void http_send_order_page(http_ctx *c, const svc_order_page *p)
{
    jw w;
    jw_init(&w, 256 + p->n * 256);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < p->n; i++)
        jw_raw(&w, p->items[i], strlen(p->items[i]));
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, p->next_cursor);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}
