/*
 * auth_mw.c — the authentication step of the pipeline for protected routes, and the
 * JSON body gate for routes that take one.
 *
 * 401 answers carry `WWW-Authenticate: Bearer` (no token) or
 * `Bearer error="invalid_token"` (RFC 6750) and a detail that tells an attacker
 * nothing; the reason goes to the log. A person's customer row is made on their first
 * authenticated request, with their e-mail and name from Cognito (profile_sync.c);
 * known subs are remembered (lossy, bounded) so that check costs the database once per
 * person per process.
 */
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "storefront/customers.h"
#include "storefront/text.h"

static bool sub_known(const sf_app *app, uint64_t h);
static void sub_remember(sf_app *app, uint64_t h);

bool http_authenticate_or_problem(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!c->app->auth) {
        http_send_problem(c, SF_UNAVAILABLE, "service-unavailable",
                          "Sign-in is not configured on this server.");
        return false;
    }
    const char *authz = u_map_get_case(c->req->map_header, "Authorization");
    if (auth_verify(c->app->auth, authz, &c->principal, &e) != SF_OK) {
        if (e.status == SF_UNAUTHENTICATED)
            c->www_authenticate = e.code && strcmp(e.code, "invalid-token") == 0
                                      ? "Bearer error=\"invalid_token\""
                                      : "Bearer";
        http_send_error(c, &e);
        return false;
    }
    if (c->route->auth == HTTP_ADMIN && !c->principal.is_admin) {
        http_send_problem(c, SF_FORBIDDEN, "forbidden", "This endpoint is for staff only.");
        return false;
    }
    c->authenticated = true;
    uint64_t h = fnv1a64(c->principal.sub, strlen(c->principal.sub)) | 1;
    if (!sub_known(c->app, h)) {
        db_customer row;
        if (svc_customer_ensure(c->app->pool, c->a, &c->principal, &row, &e) != SF_OK) {
            http_send_error(c, &e);
            return false;
        }
        http_profile_on_auth(c, h, &row);
        sub_remember(c->app, h);
    } else {
        http_profile_on_auth(c, h, NULL);
    }
    return true;
}

bool http_json_body_or_problem(http_ctx *c, const char **body, size_t *len)
{
    const char *ct = u_map_get_case(c->req->map_header, "Content-Type");
    size_t n = ct ? strcspn(ct, "; ") : 0;
    bool json = ct && ((n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
                       (n == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0));
    if (!json) {
        http_send_problem(c, SF_INVALID, "unsupported-media-type",
                          "Send the body as application/json.");
        return false;
    }
    *body = c->req->binary_body;
    *len = c->req->binary_body_length;
    return true;
}

static bool sub_known(const sf_app *app, uint64_t h)
{
    if (!app->known_subs_len)
        return false;
    return atomic_load_explicit(&app->known_subs[h % app->known_subs_len], memory_order_relaxed) ==
           h;
}

static void sub_remember(sf_app *app, uint64_t h)
{
    if (app->known_subs_len)
        atomic_store_explicit(&app->known_subs[h % app->known_subs_len], h, memory_order_relaxed);
}
