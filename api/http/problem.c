/*
 * problem.c — the one place where errors become HTTP: sf_status -> status code, and
 * an RFC 9457 application/problem+json body with type, title, status, detail,
 * request_id and, for validation errors, errors[{field, message}].
 *
 * Problem types are relative URIs "/problems/<code>", documented in docs/errors.md.
 * Codes that carry their own status (method-not-allowed, payload-too-large,
 * uri-too-long) are looked up by code first.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

typedef struct problem_kind {
    const char *code;
    int status;
    const char *title;
} problem_kind;

static const problem_kind kinds[] = {
    {"validation-error", 400, "Invalid request parameters"},
    {"invalid-value", 400, "Invalid value"},
    {"bad-request", 400, "Bad request"},
    {"invalid-signature", 400, "Invalid webhook signature"},
    {"unauthenticated", 401, "Authentication required"},
    {"invalid-token", 401, "Invalid access token"},
    {"forbidden", 403, "Forbidden"},
    {"not-found", 404, "Not found"},
    {"method-not-allowed", 405, "Method not allowed"},
    {"conflict", 409, "Conflict"},
    {"retry", 409, "Conflict"},
    {"precondition-failed", 412, "Precondition failed"},
    {"payload-too-large", 413, "Payload too large"},
    {"uri-too-long", 414, "URI too long"},
    {"unsupported-media-type", 415, "Unsupported media type"},
    {"header-fields-too-large", 431, "Request header fields too large"},
    {"idempotency-key-reused", 422, "Idempotency key reused"},
    {"precondition-required", 428, "Precondition required"},
    {"rate-limited", 429, "Too many requests"},
    {"internal-error", 500, "Internal server error"},
    {"service-unavailable", 503, "Service unavailable"},
};

static const problem_kind *kind_for(const sf_error *e);

int http_status_for(sf_status s)
{
    switch (s) {
    case SF_OK: return 200;
    case SF_INVALID: return 400;
    case SF_UNAUTHENTICATED: return 401;
    case SF_FORBIDDEN: return 403;
    case SF_NOT_FOUND: return 404;
    case SF_CONFLICT: return 409;
    case SF_RATE_LIMITED: return 429;
    case SF_UNAVAILABLE: return 503;
    case SF_INTERNAL: return 500;
    }
    return 500;
}

void http_send_error(http_ctx *c, const sf_error *e)
{
    const problem_kind *k = kind_for(e);
    jw w;
    jw_init(&w, 512);
    jw_obj_begin(&w);
    jw_key(&w, "type");
    jw_str(&w, arena_sprintf(c->a, "/problems/%s", k->code));
    jw_key(&w, "title");
    jw_str(&w, k->title);
    jw_key(&w, "status");
    jw_int(&w, k->status);
    jw_key(&w, "detail");
    jw_str(&w, e->detail[0] ? e->detail : k->title);
    jw_key(&w, "request_id");
    jw_str(&w, c->request_id);
    if (e->nfields > 0) {
        jw_key(&w, "errors");
        jw_arr_begin(&w);
        for (int i = 0; i < e->nfields; i++) {
            jw_obj_begin(&w);
            jw_key(&w, "field");
            jw_str(&w, e->fields[i].field);
            jw_key(&w, "message");
            jw_str(&w, e->fields[i].message);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
    }
    jw_obj_end(&w);
    if (k->status == 503 || k->status == 429)
        c->retry_after = c->retry_after > 0 ? c->retry_after : 1;
    free(c->body);
    c->body = jw_steal(&w, &c->body_len);
    c->status = k->status;
    c->content_type = "application/problem+json";
}

void http_send_problem(http_ctx *c, sf_status status, const char *code, const char *detail)
{
    sf_error e;
    sf_error_clear(&e);
    sf_fail(&e, status, code, "%s", detail);
    http_send_error(c, &e);
}

static const problem_kind *kind_for(const sf_error *e)
{
    int status = http_status_for(e->status);
    if (e->code) {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcmp(kinds[i].code, e->code) == 0)
                return &kinds[i];
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].status == status)
            return &kinds[i];
    return &kinds[sizeof kinds / sizeof kinds[0] - 2]; /* internal-error */
}
