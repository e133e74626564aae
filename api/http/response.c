/*
 * response.c — success responses. Headers common to every response are added later,
 * in one place (server.c finish()).
 */
#include <stdlib.h>

#include "http/http.h"

void http_send_json(http_ctx *c, int status, jw *w)
{
    free(c->body);
    c->body = jw_steal(w, &c->body_len);
    c->status = status;
    c->content_type = "application/json";
}
