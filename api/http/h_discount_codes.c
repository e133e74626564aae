/*
 * h_discount_codes.c — staff discount codes (admin group): GET|POST
 * /v1/admin/discount-codes (list: newest first, ?active=, ?q= code prefix) and
 * GET|PATCH|DELETE /v1/admin/discount-codes/{id}. The {id} was checked by the pipeline
 * (c->path_id); the rules are api/service/settings_discounts.c's.
 */
#include "http/h_settings.h"

#define BASE "/v1/admin/discount-codes"

void h_admin_discount_codes_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_setting_page_req req;
    const char *json;
    if (!http_settings_page_or_problem(c, true, true, &req))
        return;
    if (svc_discount_codes_list(c->app->pool, c->app->cfg.cursor_key, c->a, &req, &json, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_admin_discount_codes_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *key, *body;
    size_t len;
    svc_setting_created cr;
    if (!http_idempotency_key_or_problem(c, &key) || !http_json_body_or_problem(c, &body, &len))
        return;
    if (svc_discount_code_create(c->app->pool, c->a, &c->principal, key, body, len, &cr, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send_created(c, BASE, &cr);
}

void h_admin_discount_codes_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_setting s;
    if (svc_discount_code_get(c->app->pool, c->a, c->path_id, &s, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send(c, 200, &s);
}

void h_admin_discount_codes_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *body;
    size_t len;
    svc_setting s;
    if (!http_if_match_or_problem(c, &revision) || !http_json_body_or_problem(c, &body, &len))
        return;
    if (svc_discount_code_update(c->app->pool, c->a, c->path_id, revision, body, len, &s, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send(c, 200, &s);
}

void h_admin_discount_codes_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    if (!http_settings_delete_match_or_problem(c, &revision))
        return;
    if (svc_discount_code_delete(c->app->pool, c->a, c->path_id, revision, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}
