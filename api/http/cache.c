/*
 * cache.c — the catalog response cache (issue 15). Placeholder until the cache lands:
 * nothing is cached, every cacheable request runs its handler, and server.c hashes the
 * body for the ETag.
 */
#include "http/http.h"

http_cache *http_cache_start(sf_app *app)
{
    (void)app;
    return NULL;
}

void http_cache_stop(http_cache *cache)
{
    (void)cache;
}

bool http_cache_answer(http_ctx *c)
{
    (void)c;
    return false;
}

void http_cache_keep(http_ctx *c)
{
    (void)c;
}

void http_cache_render_metrics(FILE *f, const sf_app *app)
{
    (void)f;
    (void)app;
}
