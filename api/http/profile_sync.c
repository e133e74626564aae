/*
 * profile_sync.c — when a request copies the caller's profile from Cognito
 * (customer_profile.h): on the first authenticated request a process sees from a
 * person whose row has never been copied; after a failed copy, on their next request
 * once COGNITO_PROFILE_RETRY_SECONDS have passed; and after PATCH /v1/me. The copy
 * never fails the request: the answer simply has the fields it had.
 *
 * Cost: a person whose copy succeeded costs nothing more (auth_mw's known-subs cache
 * skips even the database); one whose copy keeps failing costs one atomic load per
 * request and one GetUser per retry interval, never one per request.
 *
 * Guest orders placed with the person's verified e-mail become theirs at each copy and,
 * for a person copied before, on the first request a process sees from them.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http.h"
#include "storefront/customer_profile.h"
#include "storefront/text.h"

static bool profiles_on(const http_ctx *c);
static const char *bearer_token(const http_ctx *c);
static svc_profile_retry retry_table(const http_ctx *c);
static bool copy_now(http_ctx *c, uint64_t h, db_customer *out);

void http_profile_on_auth(http_ctx *c, uint64_t h, const db_customer *first_sight)
{
    if (!profiles_on(c))
        return;
    if (first_sight) {
        if (!first_sight->profile_synced_at_is_null) {
            /* Copied before, by this process or another. Guest orders this person placed
             * since then (signed out, same e-mail) are claimed now: once per process per
             * person, one indexed UPDATE (docs/checkout.md, "Claiming"). */
            sf_error e;
            sf_error_clear(&e);
            long claimed = 0;
            svc_guest_orders_claim(c->app->pool, first_sight, &claimed, &e);
            return;
        }
    } else {
        svc_profile_retry t = retry_table(c);
        if (!svc_profile_retry_claim(&t, h, (int64_t)time(NULL), c->app->cfg.auth.profile_retry_s))
            return;
    }
    db_customer row;
    copy_now(c, h, &row);
}

bool http_profile_refresh(http_ctx *c, db_customer *row)
{
    if (!profiles_on(c))
        return false;
    uint64_t h = fnv1a64(c->principal.sub, strlen(c->principal.sub)) | 1;
    db_customer fresh;
    if (!copy_now(c, h, &fresh))
        return false;
    *row = fresh;
    return true;
}

/* --- static helpers --------------------------------------------------------------- */

/* GetUser takes access tokens only; an ID token carries the e-mail itself. */
static bool profiles_on(const http_ctx *c)
{
    return c->authenticated && c->app->cfg.auth.user_endpoint[0] && !c->principal.id_token;
}

/* The verified token, from the Authorization header auth_verify accepted. */
static const char *bearer_token(const http_ctx *c)
{
    const char *v = u_map_get_case(c->req->map_header, "Authorization");
    if (!v || strncasecmp(v, "Bearer ", 7) != 0)
        return NULL;
    v += 7;
    while (*v == ' ')
        v++;
    return v;
}

static svc_profile_retry retry_table(const http_ctx *c)
{
    return (svc_profile_retry){c->app->profile_retry,
                               c->app->profile_retry ? c->app->known_subs_len : 0};
}

/* One GetUser and store; a failure is logged (why, never the token) and paced. */
static bool copy_now(http_ctx *c, uint64_t h, db_customer *out)
{
    sf_error e;
    sf_error_clear(&e);
    svc_profile_retry t = retry_table(c);
    if (svc_customer_profile_sync(c->app->pool, c->a, &c->app->cfg.auth, c->principal.sub,
                                  bearer_token(c), out, &e) == SF_OK) {
        svc_profile_retry_clear(&t, h);
        return true;
    }
    y_log_message(Y_LOG_LEVEL_WARNING,
                  "request %s: customer profile not copied from Cognito (retry in %d s): %s",
                  c->request_id, c->app->cfg.auth.profile_retry_s, e.detail);
    svc_profile_retry_schedule(&t, h, (int64_t)time(NULL), c->app->cfg.auth.profile_retry_s);
    return false;
}
