/*
 * h_analytics.c — staff analytics (admin group): GET /v1/admin/analytics/funnel,
 * /top-products, /traffic and /sessions/{session_id}. Each reads and validates its query,
 * calls one service function (analytics.h) and renders.
 */
#include "http/http.h"
#include "storefront/analytics.h"

static bool range_or_error(http_ctx *c, svc_analytics_range *r, sf_error *e);
static void write_ratio(jw *w, const char *key, double v);

void h_analytics_funnel(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_analytics_range r;
    svc_funnel f;
    range_or_error(c, &r, &e);
    svc_funnel_steps_parse(c->a, http_query_get(c, "steps"), &f, &e);
    if (e.status != SF_OK || svc_analytics_funnel(c->app->pool, c->a, &r, &f, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 512);
    jw_obj_begin(&w);
    jw_key(&w, "from");
    jw_str(&w, r.from);
    jw_key(&w, "to");
    jw_str(&w, r.to);
    jw_key(&w, "steps");
    jw_arr_begin(&w);
    for (int i = 0; i < f.nsteps; i++) {
        jw_obj_begin(&w);
        jw_key(&w, "event_type");
        jw_str(&w, f.steps[i].event_type);
        jw_key(&w, "sessions");
        jw_int(&w, f.steps[i].sessions);
        write_ratio(&w, "conversion_from_previous", f.steps[i].from_previous);
        write_ratio(&w, "conversion_from_start", f.steps[i].from_start);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    write_ratio(&w, "overall_conversion", f.steps[f.nsteps - 1].from_start);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_analytics_top_products(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_analytics_range r;
    int metric;
    int64_t limit;
    const char *json;
    range_or_error(c, &r, &e);
    http_query_enum(c, "metric", svc_top_product_metrics, &metric, &e);
    http_query_int(c, "limit", 10, 1, 100, &limit, &e);
    if (e.status != SF_OK ||
        svc_analytics_top_products(c->app->pool, c->a, &r, metric < 0 ? 0 : metric, (int)limit,
                                   &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_analytics_traffic(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_analytics_range r;
    int interval;
    const char *json;
    range_or_error(c, &r, &e);
    http_query_enum(c, "interval", svc_traffic_intervals, &interval, &e);
    if (e.status != SF_OK ||
        svc_analytics_traffic(c->app->pool, c->a, &r, interval < 0 ? 1 : interval, &json, &e) !=
            SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_analytics_session(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *json;
    if (!svc_session_id_valid(c->path_param)) {
        sf_field_fail(&e, "session_id", "must be 1..%d printable ASCII characters",
                      SVC_SESSION_ID_MAX);
        http_send_error(c, &e);
        return;
    }
    if (svc_analytics_session(c->app->pool, c->a, c->path_param, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

/* from / to into r; field errors accumulate in e with the other parameters'. */
static bool range_or_error(http_ctx *c, svc_analytics_range *r, sf_error *e)
{
    return svc_analytics_range_parse(c->a, http_query_get(c, "from"), http_query_get(c, "to"), r,
                                     e);
}

/* A ratio, or null when it is undefined (v < 0: nothing to divide by). */
static void write_ratio(jw *w, const char *key, double v)
{
    jw_key(w, key);
    if (v < 0)
        jw_null(w);
    else
        jw_double(w, v);
}
