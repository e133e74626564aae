/*
 * h_shipping_methods.c — staff shipping methods (admin group): GET|POST
 * /v1/admin/shipping-methods (list: in the order shoppers see them, ?active=) and
 * GET|PATCH|DELETE /v1/admin/shipping-methods/{code}. The {code} is matched in any case
 * (codes are stored lower-case); the rules are api/service/settings_shipping.c's.
 */
#include "http/h_settings.h"

#define BASE "/v1/admin/shipping-methods"

static const char *code_or_problem(http_ctx *c);

void h_admin_shipping_methods_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_setting_page_req req;
    const char *json;
    if (!http_settings_page_or_problem(c, true, false, &req))
        return;
    if (svc_shipping_methods_list(c->app->pool, c->app->cfg.cursor_key, c->a, &req, &json, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_admin_shipping_methods_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *key, *body;
    size_t len;
    svc_setting_created cr;
    if (!http_idempotency_key_or_problem(c, &key) || !http_json_body_or_problem(c, &body, &len))
        return;
    if (svc_shipping_method_create(c->app->pool, c->a, &c->principal, key, body, len, &cr, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send_created(c, BASE, &cr);
}

void h_admin_shipping_methods_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_setting s;
    const char *code = code_or_problem(c);
    if (!code)
        return;
    if (svc_shipping_method_get(c->app->pool, c->a, code, &s, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send(c, 200, &s);
}

void h_admin_shipping_methods_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *body;
    size_t len;
    svc_setting s;
    const char *code = code_or_problem(c);
    if (!code || !http_if_match_or_problem(c, &revision) ||
        !http_json_body_or_problem(c, &body, &len))
        return;
    if (svc_shipping_method_update(c->app->pool, c->a, code, revision, body, len, &s, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send(c, 200, &s);
}

void h_admin_shipping_methods_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *code = code_or_problem(c);
    if (!code || !http_settings_delete_match_or_problem(c, &revision))
        return;
    if (svc_shipping_method_delete(c->app->pool, c->a, code, revision, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

/* The {code} segment, lower-cased; a malformed one is a 400 naming "code". */
static const char *code_or_problem(http_ctx *c)
{
    const char *code = svc_shipping_code_norm(c->a, c->path_param);
    if (!code) {
        sf_error e;
        sf_error_clear(&e);
        sf_field_fail(&e, "code", "must be 1..32 letters, digits or _");
        http_send_error(c, &e);
    }
    return code;
}
