/*
 * h_admin_catalog.c — what the staff catalog handlers share: sending one resource with
 * its ETag ("r<revision>", for the next If-Match) and, on a create, its Location and
 * the Idempotent-Replayed mark; and the optional If-Match of a DELETE.
 */
#include <inttypes.h>

#include "http/http.h"
#include "storefront/admin_catalog.h"

void http_admin_send_doc(http_ctx *c, int status, const svc_admin_doc *d, const char *collection)
{
    http_set_revision_etag(c, d->revision);
    if (status == 201) {
        c->location = arena_sprintf(c->a, "%s/%" PRId64, collection, d->id);
        http_send_idempotent(c, status, d->body, d->replayed);
    } else {
        http_send_raw_json(c, status, d->body);
    }
}

bool http_admin_delete_revision_or_problem(http_ctx *c, int64_t *revision)
{
    *revision = 0;
    const char *h = u_map_get_case(c->req->map_header, "If-Match");
    /* A delete without If-Match removes whatever is there (staff meant this row, and
     * there is nothing of it left to overwrite); with one, a stale ETag is a 412 as on
     * updates. */
    if (!h || !*h)
        return true;
    return http_if_match_or_problem(c, revision);
}
