/*
 * h_guest_orders.c — guest checkout (POST /v1/carts/{id}/checkout, Idempotency-Key
 * required) and the guest's order afterwards: GET /v1/orders/{number} and POST
 * /v1/orders/{number}/cancel, opened by the order's access token from the X-Order-Token
 * header (preferred: it stays out of logs and Referer headers) or ?token= (for links in
 * e-mails). A missing or wrong token answers 404 like an unknown number.
 */
#include <string.h>

#include "http/http.h"
#include "storefront/orders.h"
#include "storefront/payments.h"

static const char *order_token(http_ctx *c, sf_error *e);

void h_carts_checkout(http_ctx *c)
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
    const svc_checkout_owner owner = {.cart_id = c->path_param};
    svc_checkout_input in;
    svc_checkout_result res;
    /* The same three steps as h_checkout, with the guest's parser and owner. */
    if (svc_guest_checkout_input_parse(c->a, body, len, &in, &e) != SF_OK ||
        svc_card_payment_ready(&c->app->cfg, &in, &e) != SF_OK ||
        svc_checkout_tx(c->app->pool, c->a, &owner, key, &in, &res, &e) != SF_OK) {
        if (e.status == SF_CONFLICT && strstr(e.detail, "in progress"))
            c->retry_after = 1;
        else if (e.status == SF_UNAVAILABLE)
            c->retry_after = 5;
        http_send_error(c, &e);
        return;
    }
    /* A card order gets its PaymentIntent after the order committed, on a replay too. */
    if (svc_card_payment_attach(c->app->pool, c->a, &c->app->cfg, &res, &e) != SF_OK) {
        if (e.status == SF_UNAVAILABLE)
            c->retry_after = 5;
        http_send_error(c, &e);
        return;
    }
    c->replayed = res.replayed;
    if (res.status == 201) {
        const char *number = res.number;
        if (!number) { /* a replay: the number is in the stored body */
            json_t *j = json_loads(res.body, 0, NULL);
            number = arena_strdup(c->a, json_string_value(json_object_get(j, "number")));
            json_decref(j);
        }
        if (number)
            c->location = arena_sprintf(c->a, "/v1/orders/%s", number);
    }
    http_send_raw_json(c, res.status, res.body);
}

void h_orders_guest_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    if (!http_order_number_or_problem(c))
        return;
    const char *token = order_token(c, &e);
    const char *json;
    if (e.status != SF_OK ||
        svc_guest_order_get(c->app->pool, c->a, c->path_param, token, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_orders_guest_cancel(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    if (!http_order_number_or_problem(c))
        return;
    const char *token = order_token(c, &e);
    const char *json;
    if (e.status != SF_OK ||
        svc_guest_order_cancel(c->app->pool, c->a, c->path_param, token, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

/* The header wins over the query. A missing token is not a 400: it answers the same 404
 * as a wrong one (the service compares), so the API says nothing about the number. */
static const char *order_token(http_ctx *c, sf_error *e)
{
    const char *h = u_map_get_case(c->req->map_header, "X-Order-Token");
    if (h)
        return h;
    const char *q = NULL;
    http_query_string(c, "token", 200, &q, e);
    return q;
}
