/*
 * preconditions.c — the two headers that make staff writes safe to retry and safe to
 * run side by side: If-Match on updates (optimistic concurrency on a row's revision,
 * schema/migrations/0014) and Idempotency-Key on creates (a retried create replays the
 * first answer instead of creating twice; api/service/idempotency.c).
 *
 * A staff row's ETag is "r<revision>": strong, opaque to clients, and scoped to the
 * resource's URL like any ETag. Public catalog answers keep their body-hash ETags
 * (server.c); these are only for /v1/admin/… resources.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "storefront/orders.h"

const char *http_revision_etag(http_ctx *c, int64_t revision)
{
    return arena_sprintf(c->a, "\"r%" PRId64 "\"", revision);
}

void http_set_revision_etag(http_ctx *c, int64_t revision)
{
    c->etag = http_revision_etag(c, revision);
}

bool http_if_match_or_problem(http_ctx *c, int64_t *revision)
{
    const char *h = u_map_get_case(c->req->map_header, "If-Match");
    if (!h || !*h) {
        http_send_problem(c, SF_CONFLICT, "precondition-required",
                          "This update needs If-Match with the ETag of the version you read "
                          "(GET it first), so that it cannot overwrite a change you have not "
                          "seen.");
        return false;
    }
    while (*h == ' ' || *h == '\t')
        h++;
    if (strcmp(h, "*") == 0) {
        *revision = 0;
        return true;
    }
    /* Exactly one of our ETags: "r" and 1..10 digits in quotes. A list or a weak ETag
     * can never name one current revision, so it fails like a stale one. */
    size_t n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    int64_t v = 0;
    bool ok = n >= 4 && n <= 13 && h[0] == '"' && h[1] == 'r' && h[n - 1] == '"';
    for (size_t i = 2; ok && i < n - 1; i++) {
        ok = h[i] >= '0' && h[i] <= '9';
        v = v * 10 + (h[i] - '0');
    }
    if (!ok || v < 1) {
        http_send_problem(c, SF_CONFLICT, "precondition-failed",
                          "If-Match does not name the current version of this resource.");
        return false;
    }
    *revision = v;
    return true;
}

bool http_idempotency_key_or_problem(http_ctx *c, const char **key)
{
    const char *k = u_map_get_case(c->req->map_header, "Idempotency-Key");
    if (!svc_idempotency_key_valid(k)) {
        sf_error e;
        sf_error_clear(&e);
        sf_field_fail(&e, "Idempotency-Key",
                      "header is required: 1..255 printable ASCII characters");
        http_send_error(c, &e);
        return false;
    }
    *key = k;
    return true;
}

void http_send_idempotent(http_ctx *c, int status, const char *body, bool replayed)
{
    c->replayed = replayed;
    http_send_raw_json(c, status, body);
}
