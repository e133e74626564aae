/*
 * h_webhooks.c — staff partner webhooks (admin group; docs/webhooks.md):
 * GET|POST /v1/admin/webhooks, GET|PATCH|DELETE /v1/admin/webhooks/{id},
 * GET /v1/admin/webhooks/{id}/deliveries (newest first, ?state=),
 * GET /v1/admin/webhooks/{id}/deliveries/{delivery_id} and
 * POST …/{delivery_id}/replay. The {id} was checked by the pipeline (c->path_id);
 * {delivery_id} is checked here. Rules: api/service/webhooks.c, webhook_deliveries.c.
 */
#include <string.h>

#include "http/http.h"
#include "storefront/orders.h"
#include "storefront/webhooks.h"

#define BASE "/v1/admin/webhooks"

static bool page_or_problem(http_ctx *c, bool with_state, int *limit, const char **cursor,
                            const char **state);
static bool delivery_id_or_problem(http_ctx *c, int64_t *id);
static void send_endpoint(http_ctx *c, int status, const svc_webhook_doc *d);

void h_admin_webhooks_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int limit;
    const char *cursor, *json;
    if (!page_or_problem(c, false, &limit, &cursor, NULL))
        return;
    if (svc_webhooks_list(c->app->pool, &c->app->cfg, c->a, limit, cursor, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_admin_webhooks_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body, *key = NULL;
    size_t len;
    /* Idempotency-Key is optional here (a create without one just runs), but one that
     * is sent must be well-formed. */
    const char *k = u_map_get_case(c->req->map_header, "Idempotency-Key");
    if (k && !http_idempotency_key_or_problem(c, &key))
        return;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_webhook_doc d;
    if (svc_webhook_create(c->app->pool, &c->app->cfg, c->a, &c->principal, key, body, len, &d,
                           &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->location = arena_sprintf(c->a, BASE "/%lld", (long long)d.id);
    http_set_revision_etag(c, d.revision);
    http_send_idempotent(c, 201, d.json, d.replayed);
}

void h_admin_webhooks_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_webhook_doc d;
    if (svc_webhook_get(c->app->pool, c->a, c->path_id, &d, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_endpoint(c, 200, &d);
}

void h_admin_webhooks_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *body;
    size_t len;
    if (!http_if_match_or_problem(c, &revision) || !http_json_body_or_problem(c, &body, &len))
        return;
    svc_webhook_doc d;
    if (svc_webhook_update(c->app->pool, &c->app->cfg, c->a, c->path_id, revision, body, len, &d,
                           &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_endpoint(c, 200, &d);
}

void h_admin_webhooks_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    if (!http_admin_delete_revision_or_problem(c, &revision))
        return;
    if (svc_webhook_delete(c->app->pool, c->path_id, revision, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

void h_admin_webhook_deliveries_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int limit;
    const char *cursor, *state, *json;
    if (!page_or_problem(c, true, &limit, &cursor, &state))
        return;
    if (svc_webhook_deliveries_list(c->app->pool, &c->app->cfg, c->a, c->path_id, state, limit,
                                    cursor, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_admin_webhook_deliveries_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t id;
    svc_webhook_doc d;
    if (!delivery_id_or_problem(c, &id))
        return;
    if (svc_webhook_delivery_get(c->app->pool, c->a, c->path_id, id, &d, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, d.json);
}

void h_admin_webhook_deliveries_replay(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t id;
    svc_webhook_doc d;
    if (!delivery_id_or_problem(c, &id))
        return;
    if (svc_webhook_delivery_replay(c->app->pool, c->a, c->path_id, id, &d, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    /* Accepted: queued, sent by the sender like any other delivery. */
    http_send_raw_json(c, 202, d.json);
}

/* --- helpers ---------------------------------------------------------------------- */

static void send_endpoint(http_ctx *c, int status, const svc_webhook_doc *d)
{
    http_set_revision_etag(c, d->revision);
    http_send_raw_json(c, status, d->json);
}

static bool page_or_problem(http_ctx *c, bool with_state, int *limit, const char **cursor,
                            const char **state)
{
    static const char *const states[] = {"pending", "sent", "failed", NULL};
    sf_error e;
    sf_error_clear(&e);
    int64_t l = 20;
    int st = -1;
    *cursor = NULL;
    http_query_int(c, "limit", 20, 1, 100, &l, &e);
    http_query_string(c, "cursor", 1100, cursor, &e);
    if (with_state) {
        http_query_enum(c, "state", states, &st, &e);
        *state = st >= 0 ? states[st] : NULL;
    }
    *limit = (int)l;
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return false;
    }
    return true;
}

/* A positive integer below 2^53 in plain decimal (as every {id}). */
static bool delivery_id_or_problem(http_ctx *c, int64_t *id)
{
    const char *s = c->path_param2 ? c->path_param2 : "";
    size_t n = strlen(s);
    bool ok = n >= 1 && n <= 16 && s[0] != '0' && strspn(s, "0123456789") == n;
    int64_t v = 0;
    for (size_t i = 0; ok && i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (ok && v > 0 && v < (1LL << 53)) {
        *id = v;
        return true;
    }
    sf_error e;
    sf_error_clear(&e);
    sf_field_fail(&e, "delivery_id", "must be a positive integer below 2^53");
    http_send_error(c, &e);
    return false;
}
