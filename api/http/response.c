/*
 * response.c — success responses. Headers common to every response are added later,
 * in one place (server.c finish()).
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

void http_send_json(http_ctx *c, int status, jw *w)
{
    free(c->body);
    c->body = jw_steal(w, &c->body_len);
    c->status = status;
    c->content_type = "application/json";
}

void http_write_ref_fields(jw *w, int64_t id, const char *slug, const char *name)
{
    jw_key(w, "id");
    jw_int(w, id);
    jw_key(w, "slug");
    jw_str(w, slug);
    jw_key(w, "name");
    jw_str(w, name);
}

void http_send_raw_json(http_ctx *c, int status, const char *body)
{
    free(c->body);
    c->body_len = strlen(body);
    c->body = malloc(c->body_len + 1);
    if (!c->body)
        abort();
    memcpy(c->body, body, c->body_len + 1);
    c->status = status;
    c->content_type = status >= 400 ? "application/problem+json" : "application/json";
}
