/*
 * cache.c — the catalog response cache (issue 15, docs/caching.md): rendered 200 answers
 * of the cacheable routes (products list and detail, reviews, categories, brands,
 * suggestions), kept in memory and served while the catalog version they were rendered
 * under is still the current one.
 *
 * Exactness: every catalog write bumps the version in its own transaction (migration
 * 0018) and the listener (api/db/catalog_version.c) learns it by LISTEN/NOTIFY. The
 * version is read once, in http_cache_answer, BEFORE the handler runs, and the answer is
 * stored under that version: a handler that raced a bump may have read newer data than
 * its version says (harmless: the entry is stale at once), never older data under a
 * newer version, since a version is only announced after its transaction committed.
 * While the listener is not connected the version reads 0 and nothing is answered or
 * stored here; finish() then hashes the body for the ETag as before.
 *
 * Memory: entries are one allocation each (key and body inline), on an LRU list and in
 * a chained hash table, bounded by CATALOG_CACHE_BYTES (0 = store nothing; the
 * (version, key) ETags and their 304s still work). Entries of an older version are
 * dropped when a lookup meets one and in one sweep by the first store after a change.
 *
 * Locking: one mutex around the table and the list. A hit takes it for the hash lookup,
 * the LRU move and a reference; the body is copied after it is released (the entry is
 * immutable and freed by its last reference). A store builds the entry outside it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

#include "http/cache_key.h"
#include "http/http.h"
#include "storefront/catalog_version.h"

#define CACHE_BUCKETS_MIN 1024

typedef struct entry {
    struct entry *hnext;       /* hash chain */
    struct entry *prev, *next; /* LRU list: head = most recent */
    uint64_t hash;
    int64_t version;
    atomic_int refs; /* the table's one, plus a reader's while it copies */
    size_t size;     /* what it counts against the bound */
    size_t key_len, body_len;
    char *body; /* inline, after the key */
    char key[];
} entry;

struct http_cache {
    size_t max_bytes;
    db_catalog_listener *listener;
    pthread_mutex_t mu;
    entry **buckets;
    size_t nbuckets, nentries, bytes;
    entry lru; /* sentinel */
    int64_t swept_version;
    atomic_ullong hits, not_modified, misses, evictions;
};

static entry *lookup(http_cache *h, uint64_t hash, const char *key, size_t len);
static void unlink_entry(http_cache *h, entry *e);
static void release(entry *e);
static void link_front(http_cache *h, entry *e);
static void grow(http_cache *h);
static entry *sweep_stale(http_cache *h, int64_t version);

http_cache *http_cache_start(sf_app *app)
{
    http_cache *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->max_bytes = app->cfg.catalog_cache_bytes;
    h->nbuckets = CACHE_BUCKETS_MIN;
    h->buckets = calloc(h->nbuckets, sizeof *h->buckets);
    h->lru.prev = h->lru.next = &h->lru;
    pthread_mutex_init(&h->mu, NULL);
    /* The listener's connection is named after the port, so an operator (or a test)
     * can find this instance's one in pg_stat_activity. */
    char name[64];
    snprintf(name, sizeof name, "storefront-catalog-listener-%d", app->cfg.port);
    if (h->buckets)
        h->listener = db_catalog_listener_start(app->cfg.database_url, name,
                                                app->cfg.db_reconnect_backoff_max_ms);
    if (!h->listener) {
        y_log_message(Y_LOG_LEVEL_WARNING, "catalog cache: off (its listener did not start)");
        http_cache_stop(h);
        return NULL;
    }
    return h;
}

void http_cache_stop(http_cache *h)
{
    if (!h)
        return;
    db_catalog_listener_stop(h->listener);
    for (entry *e = h->lru.next, *next; e != &h->lru; e = next) {
        next = e->next;
        release(e);
    }
    free(h->buckets);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

bool http_cache_answer(http_ctx *c)
{
    http_cache *h = c->app->cache;
    int64_t version = h ? db_catalog_listener_catch_up(h->listener) : 0;
    if (version <= 0)
        return false; /* unknown version: the handler answers, the body is hashed */
    size_t len;
    const char *key = http_cache_key(c, &len);
    uint64_t hash = http_cache_key_hash(key, len);
    c->etag = http_cache_etag(c, version, hash);
    c->cache.version = version;
    c->cache.key = key;
    c->cache.key_len = len;
    c->cache.hash = hash;
    /* A revalidation of what this version would answer: no handler, no database, and
     * no body needed (it may have been evicted, or never kept). */
    if (http_etag_listed(u_map_get_case(c->req->map_header, "If-None-Match"), c->etag)) {
        atomic_fetch_add_explicit(&h->not_modified, 1, memory_order_relaxed);
        c->status = 304;
        free(c->body);
        c->body = NULL;
        c->body_len = 0;
        return true;
    }
    pthread_mutex_lock(&h->mu);
    entry *e = lookup(h, hash, key, len);
    if (e && e->version != version) {
        unlink_entry(h, e); /* older than the catalog: never again */
        release(e);
        e = NULL;
    } else if (e) {
        if (h->lru.next != e) {
            e->prev->next = e->next;
            e->next->prev = e->prev;
            link_front(h, e);
        }
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&h->mu);
    if (!e) {
        atomic_fetch_add_explicit(&h->misses, 1, memory_order_relaxed);
        return false;
    }
    char *body = malloc(e->body_len ? e->body_len : 1);
    if (body)
        memcpy(body, e->body, e->body_len);
    size_t body_len = e->body_len;
    release(e);
    if (!body) {
        atomic_fetch_add_explicit(&h->misses, 1, memory_order_relaxed);
        return false;
    }
    atomic_fetch_add_explicit(&h->hits, 1, memory_order_relaxed);
    free(c->body);
    c->body = body; /* handed to the HTTP layer, which frees it */
    c->body_len = body_len;
    c->status = 200;
    c->content_type = "application/json";
    return true;
}

void http_cache_keep(http_ctx *c)
{
    http_cache *h = c->app->cache;
    /* The version http_cache_answer read for this request, not the current one, is
     * what the answer is stored under (0: it read none, keep nothing). */
    int64_t version = c->cache.version;
    if (version > 0 && c->status != 200)
        c->etag = NULL; /* a 400/404 names no representation: no ETag on it */
    if (!h || version <= 0 || c->status != 200 || !c->body || !c->content_type ||
        strcmp(c->content_type, "application/json") != 0)
        return;
    size_t len = c->cache.key_len;
    const char *key = c->cache.key;
    size_t size = sizeof(entry) + len + c->body_len;
    if (size > h->max_bytes)
        return; /* CATALOG_CACHE_BYTES=0, or one answer larger than the whole cache */
    entry *n = malloc(size);
    if (!n)
        return;
    n->hash = c->cache.hash;
    n->version = version;
    atomic_init(&n->refs, 1);
    n->size = size;
    n->key_len = len;
    n->body_len = c->body_len;
    memcpy(n->key, key, len);
    n->body = n->key + len;
    memcpy(n->body, c->body, c->body_len);

    entry *dropped = NULL; /* freed after the lock: a chain through hnext */
    pthread_mutex_lock(&h->mu);
    int64_t current = db_catalog_listener_version(h->listener);
    if (current != version) {
        /* The catalog moved on while the handler ran: the answer is already stale. */
        pthread_mutex_unlock(&h->mu);
        free(n);
        return;
    }
    if (h->swept_version != current)
        dropped = sweep_stale(h, current);
    entry *old = lookup(h, n->hash, key, len);
    if (old) {
        unlink_entry(h, old);
        old->hnext = dropped;
        dropped = old;
    }
    while (h->bytes + size > h->max_bytes && h->lru.prev != &h->lru) {
        entry *victim = h->lru.prev;
        unlink_entry(h, victim);
        victim->hnext = dropped;
        dropped = victim;
        atomic_fetch_add_explicit(&h->evictions, 1, memory_order_relaxed);
    }
    if (h->nentries >= h->nbuckets)
        grow(h);
    size_t b = n->hash & (h->nbuckets - 1);
    n->hnext = h->buckets[b];
    h->buckets[b] = n;
    link_front(h, n);
    h->nentries++;
    h->bytes += size;
    pthread_mutex_unlock(&h->mu);
    while (dropped) {
        entry *next = dropped->hnext;
        release(dropped);
        dropped = next;
    }
}

void http_cache_render_metrics(FILE *f, const sf_app *app)
{
    http_cache *h = app->cache;
    size_t bytes = 0, entries = 0;
    if (h) {
        pthread_mutex_lock(&h->mu);
        bytes = h->bytes;
        entries = h->nentries;
        pthread_mutex_unlock(&h->mu);
    }
    int64_t version = h ? db_catalog_listener_version(h->listener) : 0;
    db_catalog_listener_stats ls;
    db_catalog_listener_stats_get(h ? h->listener : NULL, &ls);
    fprintf(f,
            "# HELP storefront_catalog_cache_hits_total Catalog requests answered from the cache "
            "without their handler (a kept body, or a 304 for the current (version, key) ETag).\n"
            "# TYPE storefront_catalog_cache_hits_total counter\n"
            "storefront_catalog_cache_hits_total{kind=\"body\"} %llu\n"
            "storefront_catalog_cache_hits_total{kind=\"not_modified\"} %llu\n"
            "# HELP storefront_catalog_cache_misses_total Catalog requests whose handler ran while "
            "the version was known.\n"
            "# TYPE storefront_catalog_cache_misses_total counter\n"
            "storefront_catalog_cache_misses_total %llu\n"
            "# HELP storefront_catalog_cache_evictions_total Answers dropped to stay within "
            "CATALOG_CACHE_BYTES (least recently used first).\n"
            "# TYPE storefront_catalog_cache_evictions_total counter\n"
            "storefront_catalog_cache_evictions_total %llu\n"
            "# HELP storefront_catalog_cache_bytes Memory the kept answers count against "
            "CATALOG_CACHE_BYTES.\n"
            "# TYPE storefront_catalog_cache_bytes gauge\n"
            "storefront_catalog_cache_bytes %zu\n"
            "# HELP storefront_catalog_cache_entries Answers kept.\n"
            "# TYPE storefront_catalog_cache_entries gauge\n"
            "storefront_catalog_cache_entries %zu\n"
            "# HELP storefront_catalog_version The catalog version this instance knows (0 while "
            "its listener is not connected: the cache is then off).\n"
            "# TYPE storefront_catalog_version gauge\n"
            "storefront_catalog_version %lld\n"
            "# HELP storefront_catalog_listener_connected 1 while the catalog version's "
            "LISTEN connection is up.\n"
            "# TYPE storefront_catalog_listener_connected gauge\n"
            "storefront_catalog_listener_connected %d\n"
            "# HELP storefront_catalog_listener_connects_total Connections the listener made.\n"
            "# TYPE storefront_catalog_listener_connects_total counter\n"
            "storefront_catalog_listener_connects_total %llu\n"
            "# HELP storefront_catalog_listener_notifications_total Version bumps announced to "
            "the listener.\n"
            "# TYPE storefront_catalog_listener_notifications_total counter\n"
            "storefront_catalog_listener_notifications_total %llu\n",
            h ? (unsigned long long)atomic_load(&h->hits) : 0ULL,
            h ? (unsigned long long)atomic_load(&h->not_modified) : 0ULL,
            h ? (unsigned long long)atomic_load(&h->misses) : 0ULL,
            h ? (unsigned long long)atomic_load(&h->evictions) : 0ULL, bytes, entries,
            (long long)version, version > 0 ? 1 : 0, ls.connects, ls.notifications);
}

/* --- the table (callers hold h->mu) ------------------------------------------------- */

static entry *lookup(http_cache *h, uint64_t hash, const char *key, size_t len)
{
    for (entry *e = h->buckets[hash & (h->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    return NULL;
}

/* Out of the table and the list; the table's reference is the caller's to release. */
static void unlink_entry(http_cache *h, entry *e)
{
    entry **p = &h->buckets[e->hash & (h->nbuckets - 1)];
    while (*p != e)
        p = &(*p)->hnext;
    *p = e->hnext;
    e->prev->next = e->next;
    e->next->prev = e->prev;
    h->nentries--;
    h->bytes -= e->size;
}

static void release(entry *e)
{
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        free(e);
}

static void link_front(http_cache *h, entry *e)
{
    e->prev = &h->lru;
    e->next = h->lru.next;
    h->lru.next->prev = e;
    h->lru.next = e;
}

static void grow(http_cache *h)
{
    size_t n = h->nbuckets * 2;
    entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < h->nbuckets; i++) {
        for (entry *e = h->buckets[i], *next; e; e = next) {
            next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(h->buckets);
    h->buckets = b;
    h->nbuckets = n;
}

/* Unlinks every entry of another version; returns them chained through hnext. */
static entry *sweep_stale(http_cache *h, int64_t version)
{
    entry *dropped = NULL;
    for (entry *e = h->lru.next, *next; e != &h->lru; e = next) {
        next = e->next;
        if (e->version != version) {
            unlink_entry(h, e);
            e->hnext = dropped;
            dropped = e;
        }
    }
    h->swept_version = version;
    return dropped;
}

void http_cache_after_write(http_ctx *c)
{
    http_cache *h = c->app->cache;
    const char *m = c->req ? c->req->http_verb : NULL;
    if (!h || c->status < 200 || c->status > 299 || !m || strcmp(m, "GET") == 0 ||
        strcmp(m, "HEAD") == 0)
        return;
    sf_error e;
    sf_error_clear(&e);
    /* Best effort: on failure the NOTIFY still arrives, as on every other instance. */
    if (db_catalog_listener_sync(h->listener, c->app->pool, &e) != SF_OK)
        y_log_message(Y_LOG_LEVEL_DEBUG, "catalog cache: version not re-read after a write: %s",
                      e.detail);
}
