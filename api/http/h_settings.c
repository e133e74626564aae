/*
 * h_settings.c — helpers of the staff settings handlers (h_settings.h): discount codes,
 * shipping methods and tax rates read their list parameters and send their answers the
 * same way.
 */
#include <string.h>

#include "http/h_settings.h"

bool http_settings_page_or_problem(http_ctx *c, bool filters, bool prefix,
                                   svc_setting_page_req *req)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit = 20;
    bool active = false;
    memset(req, 0, sizeof *req);
    req->active = -1;
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &req->cursor, &e);
    if (filters && http_query_get(c, "active") && http_query_bool(c, "active", false, &active, &e))
        req->active = active ? 1 : 0;
    const char *q = NULL;
    if (prefix && http_query_string(c, "q", 32, &q, &e) && q) {
        /* A prefix of a code: shorter than a whole code is fine. */
        char *up = arena_strdup(c->a, q);
        bool ok = strspn(up, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
                  strlen(up);
        for (char *p = up; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        if (ok)
            req->q = up;
        else
            sf_field_fail(&e, "q", "must be 1..32 letters, digits, _ or - (the start of a code)");
    }
    req->limit = (int)limit;
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return false;
    }
    return true;
}

void http_settings_send(http_ctx *c, int status, const svc_setting *s)
{
    http_set_revision_etag(c, s->revision);
    http_send_raw_json(c, status, s->json);
}

void http_settings_send_created(http_ctx *c, const char *base, const svc_setting_created *cr)
{
    c->location = arena_sprintf(c->a, "%s/%s", base, cr->key);
    http_set_revision_etag(c, cr->revision);
    http_send_idempotent(c, cr->status, cr->json, cr->replayed);
}

bool http_settings_delete_match_or_problem(http_ctx *c, int64_t *revision)
{
    *revision = 0;
    const char *h = u_map_get_case(c->req->map_header, "If-Match");
    if (!h)
        return true;
    return http_if_match_or_problem(c, revision);
}
