/*
 * token_cache.c — verified tokens remembered until they expire, so a client sending
 * the same token on every request pays for RSA once.
 *
 * Keyed by SHA-256 of the whole token: only a token byte-identical to one that passed
 * every check can hit, and the cache holds no token text. Only successes are stored,
 * and a hit re-checks exp, so the cache can never turn a rejection into an acceptance.
 *
 * Layout: a fixed 4-way set-associative table (bucket = hash mod buckets), striped
 * locks, so a lookup is one short lock on one stripe and memory is bounded up front.
 * A full bucket evicts its entry that expires first. The principal is stored packed
 * (NUL-separated strings, typically ~150 bytes) instead of the 2.6 KB struct.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_internal.h"

#define WAYS   4
#define NLOCKS 64

typedef struct packed_principal {
    int ngroups;
    bool is_admin;
    size_t len;
    char data[]; /* sub \0 username \0 email \0 client_id \0 group \0 ... */
} packed_principal;

typedef struct cache_entry {
    unsigned char hash[32];
    int64_t exp;
    packed_principal *p; /* NULL = empty slot */
} cache_entry;

struct token_cache {
    size_t nbuckets;
    cache_entry *entries; /* nbuckets * WAYS */
    pthread_mutex_t locks[NLOCKS];
};

static packed_principal *pack(const auth_principal *p);
static void unpack(const packed_principal *pp, int64_t exp, auth_principal *out);
static size_t bucket_of(const token_cache *c, const unsigned char hash[32]);
static cache_entry *victim(cache_entry *bucket, const unsigned char hash[32]);

token_cache *token_cache_new(int capacity)
{
    if (capacity <= 0)
        return NULL;
    token_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nbuckets = ((size_t)capacity + WAYS - 1) / WAYS;
    c->entries = calloc(c->nbuckets * WAYS, sizeof *c->entries);
    if (!c->entries) {
        free(c);
        return NULL;
    }
    for (int i = 0; i < NLOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void token_cache_free(token_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nbuckets * WAYS; i++)
        free(c->entries[i].p);
    for (int i = 0; i < NLOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c->entries);
    free(c);
}

bool token_cache_get(token_cache *c, const unsigned char hash[32], int64_t now, int leeway_s,
                     auth_principal *out)
{
    if (!c)
        return false;
    size_t b = bucket_of(c, hash);
    cache_entry *bucket = &c->entries[b * WAYS];
    bool hit = false;
    pthread_mutex_t *lock = &c->locks[b % NLOCKS];
    pthread_mutex_lock(lock);
    for (int i = 0; i < WAYS; i++) {
        cache_entry *e = &bucket[i];
        if (e->p && memcmp(e->hash, hash, 32) == 0) {
            /* Same rule as the claim check: expired entries are misses, and the full
             * verification that follows rejects the token. */
            if (e->exp + leeway_s > now) {
                unpack(e->p, e->exp, out);
                hit = true;
            }
            break;
        }
    }
    pthread_mutex_unlock(lock);
    return hit;
}

void token_cache_put(token_cache *c, const unsigned char hash[32], const auth_principal *p)
{
    if (!c)
        return;
    packed_principal *pp = pack(p);
    if (!pp)
        return;
    size_t b = bucket_of(c, hash);
    pthread_mutex_t *lock = &c->locks[b % NLOCKS];
    pthread_mutex_lock(lock);
    cache_entry *e = victim(&c->entries[b * WAYS], hash);
    packed_principal *old = e->p;
    memcpy(e->hash, hash, 32);
    e->exp = p->exp;
    e->p = pp;
    pthread_mutex_unlock(lock);
    free(old);
}

/* The slot for hash: its own entry if present (two threads verified the same token),
 * else an empty slot, else the entry that expires first. */
static cache_entry *victim(cache_entry *bucket, const unsigned char hash[32])
{
    cache_entry *best = &bucket[0];
    for (int i = 0; i < WAYS; i++) {
        cache_entry *e = &bucket[i];
        if (e->p && memcmp(e->hash, hash, 32) == 0)
            return e;
    }
    for (int i = 0; i < WAYS; i++) {
        cache_entry *e = &bucket[i];
        if (!e->p)
            return e;
        if (e->exp < best->exp)
            best = e;
    }
    return best;
}

static size_t bucket_of(const token_cache *c, const unsigned char hash[32])
{
    uint64_t h;
    memcpy(&h, hash, sizeof h); /* SHA-256 output is uniform: any 8 bytes will do */
    return (size_t)(h % c->nbuckets);
}

static packed_principal *pack(const auth_principal *p)
{
    const char *parts[4 + AUTH_MAX_GROUPS] = {p->sub, p->username, p->email, p->client_id};
    int nparts = 4;
    for (int i = 0; i < p->ngroups; i++)
        parts[nparts++] = p->groups[i];
    size_t len = 0;
    for (int i = 0; i < nparts; i++)
        len += strlen(parts[i]) + 1;
    packed_principal *pp = malloc(sizeof *pp + len);
    if (!pp)
        return NULL;
    pp->ngroups = p->ngroups;
    pp->is_admin = p->is_admin;
    pp->len = len;
    char *w = pp->data;
    for (int i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]) + 1;
        memcpy(w, parts[i], n);
        w += n;
    }
    return pp;
}

static void unpack(const packed_principal *pp, int64_t exp, auth_principal *out)
{
    char *fields[4 + AUTH_MAX_GROUPS] = {out->sub, out->username, out->email, out->client_id};
    size_t caps[4 + AUTH_MAX_GROUPS] = {sizeof out->sub, sizeof out->username, sizeof out->email,
                                        sizeof out->client_id};
    memset(out, 0, sizeof *out);
    for (int i = 0; i < pp->ngroups; i++) {
        fields[4 + i] = out->groups[i];
        caps[4 + i] = sizeof out->groups[i];
    }
    const char *r = pp->data;
    for (int i = 0; i < 4 + pp->ngroups; i++) {
        size_t n = strlen(r) + 1; /* packed from fields of the same sizes: always fits */
        memcpy(fields[i], r, n <= caps[i] ? n : caps[i]);
        fields[i][caps[i] - 1] = '\0';
        r += n;
    }
    out->ngroups = pp->ngroups;
    out->is_admin = pp->is_admin;
    out->exp = exp;
}
