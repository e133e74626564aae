/*
 * cache_key.c — what identifies a cacheable catalog answer (docs/caching.md): the
 * normalized request, its hash and the ETag made of (catalog version, key hash).
 *
 * The ETag must be identical on every instance for the same version and request, since
 * CloudFront revalidates against whichever instance the load balancer picks: so the key
 * names the route by its pattern (not its index in a table that may differ between
 * releases) and the hash is FNV-1a 64 with its fixed basis, never seeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/cache_key.h"
#include "storefront/text.h"

/* A parameter whose value is the route's default is the same request as the parameter
 * left out (the handlers' defaults: h_products.c, h_reviews.c). Only values that mean
 * exactly what leaving the parameter out means are listed: sort's absence on
 * /v1/products depends on q, so it is not. */
static const struct {
    const char *pattern, *param, *value;
} defaults[] = {
    {"/v1/products", "limit", "20"},
    {"/v1/products", "facets", "false"},
    {"/v1/search/suggestions", "limit", "10"},
    {"/v1/products/{slug}/reviews", "limit", "20"},
    {"/v1/products/{slug}/reviews", "sort", "newest"},
};

static bool is_default(const char *pattern, const http_query_param *p);

const char *http_cache_key(http_ctx *c, size_t *len)
{
    const http_query_param *sorted[HTTP_MAX_QUERY];
    int n = 0;
    size_t total = strlen(c->route->pattern) + 2;
    const char *path = c->path_param ? c->path_param : "";
    total += strlen(path) + 1;
    for (int i = 0; i < c->nquery; i++) {
        const http_query_param *p = &c->query[i];
        if (is_default(c->route->pattern, p))
            continue;
        /* Insertion sort: a handful of parameters at most, names unique (query.c). */
        int j = n++;
        while (j > 0 && strcmp(sorted[j - 1]->key, p->key) > 0) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = p;
        total += strlen(p->key) + strlen(p->value) + 2;
    }
    char *key = arena_alloc(c->a, total);
    char *w = key;
    size_t k = strlen(c->route->pattern) + 1;
    memcpy(w, c->route->pattern, k);
    w += k;
    k = strlen(path) + 1;
    memcpy(w, path, k);
    w += k;
    for (int i = 0; i < n; i++) {
        k = strlen(sorted[i]->key) + 1;
        memcpy(w, sorted[i]->key, k);
        w += k;
        k = strlen(sorted[i]->value) + 1;
        memcpy(w, sorted[i]->value, k);
        w += k;
    }
    *len = (size_t)(w - key);
    return key;
}

uint64_t http_cache_key_hash(const char *key, size_t len)
{
    return fnv1a64(key, len);
}

const char *http_cache_etag(http_ctx *c, int64_t version, uint64_t hash)
{
    return arena_sprintf(c->a, "\"c%lld-%016llx\"", (long long)version, (unsigned long long)hash);
}

static bool is_default(const char *pattern, const http_query_param *p)
{
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (strcmp(defaults[i].pattern, pattern) == 0 && strcmp(defaults[i].param, p->key) == 0 &&
            strcmp(defaults[i].value, p->value) == 0)
            return true;
    return false;
}
