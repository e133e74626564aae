/*
 * h_refunds.c — staff refunds of an order: POST /v1/admin/orders/{number}/refunds
 * {amount?, reason?} (Idempotency-Key optional), GET …/refunds and GET
 * …/refunds/{refund_id}. Admin only (the
 * route table). The refund itself, the call to Stripe and the order's move to
 * `refunded` after a full refund are in api/service/refunds.c.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

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
    bool replayed = false, accepted = false;
    if (svc_refund_input_parse(c->a, body, len, &in, &e) != SF_OK ||
        svc_refund_create(c->app->pool, c->a, &c->app->cfg, &c->principal, c->path_param, key, &in,
                          &json, &replayed, &accepted, &e) != SF_OK) {
        if (e.status == SF_UNAVAILABLE)
            c->retry_after = 5;
        http_send_error(c, &e);
        return;
    }
    c->replayed = replayed;
    /* 202: Stripe's answer is unknown; the refund stays pending (counted against what is
     * left) and the refund sender sends it again. Location lets staff follow it. */
    if (!replayed || accepted) {
        json_t *j = json_loads(json, 0, NULL);
        c->location = arena_sprintf(c->a, "/v1/admin/orders/%s/refunds/%lld", c->path_param,
                                    (long long)json_integer_value(json_object_get(j, "id")));
        json_decref(j);
    }
    http_send_raw_json(c, accepted ? 202 : replayed ? 200 : 201, json);
}

void h_refunds_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    c->private_cache = true;
    if (!http_order_number_or_problem(c))
        return;
    /* {refund_id}: decimal, 1 to 2^53-1 (an Id), as every id of the API. */
    const char *p = c->path_param2;
    char *end = NULL;
    long long id = p && *p >= '1' && *p <= '9' && strlen(p) <= 16 ? strtoll(p, &end, 10) : 0;
    if (!end || *end || id < 1 || id > 9007199254740991LL) {
        sf_field_fail(&e, "refund_id", "must be a refund id (1 to 2^53-1)");
        http_send_error(c, &e);
        return;
    }
    const char *json;
    if (svc_refund_get(c->app->pool, c->a, c->path_param, (int64_t)id, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
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
