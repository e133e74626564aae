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
    const svc_checkout_owner owner = {.cart_id = c->path_param,
                                      .token_key = c->app->cfg.order_token_key};
    svc_checkout_input in;
    svc_checkout_result res = {0};
    /* The same steps as h_checkout, with the guest's parser and owner. */
    if (svc_guest_checkout_input_parse(c->a, body, len, &in, &e) == SF_OK &&
        svc_card_payment_ready(&c->app->cfg, &in, &e) == SF_OK)
        svc_checkout_tx(c->app->pool, c->a, &owner, key, &in, &res, &e);
    http_send_checkout(c, &res, &e, "/v1/orders/");
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
    if (e.status != SF_OK || svc_guest_order_get(c->app->pool, c->app->cfg.order_token_key, c->a,
                                                 c->path_param, token, &json, &e) != SF_OK) {
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
    if (e.status != SF_OK || svc_guest_order_cancel(c->app->pool, c->app->cfg.order_token_key, c->a,
                                                    c->path_param, token, &json, &e) != SF_OK) {
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
