/*
 * h_tax_rates.c — staff tax rates (admin group): GET|POST /v1/admin/tax-rates (list by
 * country) and GET|PATCH|DELETE /v1/admin/tax-rates/{country}. The {country} is matched
 * in any case; the rules are api/service/settings_tax.c's.
 */
#include "http/h_settings.h"

#define BASE "/v1/admin/tax-rates"

static const char *country_or_problem(http_ctx *c);

void h_admin_tax_rates_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_setting_page_req req;
    const char *json;
    if (!http_settings_page_or_problem(c, false, false, &req))
        return;
    if (svc_tax_rates_list(c->app->pool, c->app->cfg.cursor_key, c->a, &req, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_admin_tax_rates_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *key, *body;
    size_t len;
    svc_setting_created cr;
    if (!http_idempotency_key_or_problem(c, &key) || !http_json_body_or_problem(c, &body, &len))
        return;
    if (svc_tax_rate_create(c->app->pool, c->a, &c->principal, key, body, len, &cr, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send_created(c, BASE, &cr);
}

void h_admin_tax_rates_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_setting s;
    const char *country = country_or_problem(c);
    if (!country)
        return;
    if (svc_tax_rate_get(c->app->pool, c->a, country, &s, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send(c, 200, &s);
}

void h_admin_tax_rates_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *body;
    size_t len;
    svc_setting s;
    const char *country = country_or_problem(c);
    if (!country || !http_if_match_or_problem(c, &revision) ||
        !http_json_body_or_problem(c, &body, &len))
        return;
    if (svc_tax_rate_update(c->app->pool, c->a, country, revision, body, len, &s, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_settings_send(c, 200, &s);
}

void h_admin_tax_rates_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *country = country_or_problem(c);
    if (!country || !http_settings_delete_match_or_problem(c, &revision))
        return;
    if (svc_tax_rate_delete(c->app->pool, c->a, country, revision, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

/* The {country} segment: two letters, upper-cased; otherwise a 400 naming "country".
 * A well-formed code with no rate (or no such country) is a 404 from the service. */
static const char *country_or_problem(http_ctx *c)
{
    const char *country = svc_country_norm(c->a, c->path_param);
    if (!country) {
        sf_error e;
        sf_error_clear(&e);
        sf_field_fail(&e, "country", "must be an ISO 3166-1 alpha-2 country code such as DE");
        http_send_error(c, &e);
    }
    return country;
}
