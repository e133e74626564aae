/*
 * h_admin_products.c — /v1/admin/products: staff product routes (docs/back-office.md).
 * Reads the headers (Idempotency-Key on create, If-Match on update and delete) and
 * the body, calls one service function (api/service/admin_products.c), sends the
 * product with its ETag.
 */
#include "http/http.h"
#include "storefront/admin_catalog.h"

void h_admin_products_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *key, *body;
    size_t len;
    if (!http_idempotency_key_or_problem(c, &key) || !http_json_body_or_problem(c, &body, &len))
        return;
    svc_admin_doc d;
    if (svc_admin_product_create(c->app->pool, c->a, &c->principal, key, body, len, &d, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_admin_send_doc(c, 201, &d, "/v1/admin/products");
}

void h_admin_products_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_admin_doc d;
    if (svc_admin_product_get(c->app->pool, c->a, c->path_id, &d, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_admin_send_doc(c, 200, &d, NULL);
}

void h_admin_products_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    const char *body;
    size_t len;
    if (!http_if_match_or_problem(c, &revision) || !http_json_body_or_problem(c, &body, &len))
        return;
    svc_admin_doc d;
    if (svc_admin_product_update(c->app->pool, c->a, c->path_id, revision, body, len, &d, &e) !=
        SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_admin_send_doc(c, 200, &d, NULL);
}

void h_admin_products_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t revision;
    if (!http_admin_delete_revision_or_problem(c, &revision))
        return;
    if (svc_admin_product_delete(c->app->pool, c->a, c->path_id, revision, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}
