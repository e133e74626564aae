/*
 * h_refunds.c — staff refunds of an order: POST /v1/admin/orders/{number}/refunds
 * {amount?, reason?} (Idempotency-Key optional) and GET …/refunds. Admin only (the
 * route table). The refund itself, the call to Stripe and the order's move to
 * `refunded` after a full refund are in api/service/refunds.c.
 */
#include "http/http.h"
#include "storefront/orders.h"
#include "storefront/refunds.h"

void h_refunds_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    if (!http_order_number_or_problem(c))
        return;
    const char *key = u_map_get_case(c->req->map_header, "Idempotency-Key");
    if (key && !svc_idempotency_key_valid(key)) {
        sf_field_fail(&e, "Idempotency-Key", "must be 1..255 printable ASCII characters");
        http_send_error(c, &e);
        return;
    }
    const char *body, *json;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_refund_input in;
    bool replayed = false;
    if (svc_refund_input_parse(c->a, body, len, &in, &e) != SF_OK ||
        svc_refund_create(c->app->pool, c->a, &c->app->cfg, &c->principal, c->path_param, key, &in,
                          &json, &replayed, &e) != SF_OK) {
        if (e.status == SF_UNAVAILABLE)
            c->retry_after = 5;
        http_send_error(c, &e);
        return;
    }
    c->replayed = replayed;
    http_send_raw_json(c, replayed ? 200 : 201, json);
}

void h_refunds_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    if (!http_order_number_or_problem(c))
        return;
    const char *json;
    if (svc_refund_list(c->app->pool, c->a, c->path_param, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}
