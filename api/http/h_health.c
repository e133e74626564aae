/*
 * h_health.c — liveness (/healthz), readiness (/readyz: a database round trip) and
 * Prometheus metrics (/metrics). Load balancers poll these, so they stay cheap.
 */
#include <stdlib.h>

#include "http/http.h"
#include "storefront/queries_gen.h"

void h_healthz(http_ctx *c)
{
    jw w;
    jw_init(&w, 32);
    jw_obj_begin(&w);
    jw_key(&w, "status");
    jw_str(&w, "ok");
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_readyz(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    db_conn *conn;
    if (db_pool_acquire(c->app->pool, &conn, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    q_health_ready_row row = {0};
    sf_status s = q_health_ready(conn, &row, &e);
    db_pool_release(c->app->pool, conn);
    if (s != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 32);
    jw_obj_begin(&w);
    jw_key(&w, "status");
    jw_str(&w, "ready");
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_metrics(http_ctx *c)
{
    size_t len = 0;
    char *text = http_metrics_render(c->app, &len);
    if (!text) {
        http_send_problem(c, SF_INTERNAL, "internal-error", "Could not render metrics.");
        return;
    }
    c->body = text;
    c->body_len = len;
    c->status = 200;
    c->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
