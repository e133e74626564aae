/*
 * cache_key.h — the catalog cache's request key and ETag (cache_key.c), shared by
 * cache.c. Internal to api/http/.
 */
#ifndef STOREFRONT_HTTP_CACHE_KEY_H
#define STOREFRONT_HTTP_CACHE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* The normalized request of a cacheable route, in c's arena: the route's pattern, the
 * decoded path parameter and the decoded query parameters sorted by name, the route's
 * defaults dropped (?limit=20&sort=x, ?sort=x&limit=20 and ?sort=x are one key when 20
 * is the default); NUL-separated, so no part can run into the next. Cursors are opaque:
 * part of the key as given. *len receives its length. */
const char *http_cache_key(http_ctx *c, size_t *len);

/* A fixed, unseeded 64-bit hash of a key: the same on every instance and every run. */
uint64_t http_cache_key_hash(const char *key, size_t len);

/* The ETag of (version, key hash), "\"c<version>-<16 hex>\"", in c's arena. */
const char *http_cache_etag(http_ctx *c, int64_t version, uint64_t hash);

#endif
