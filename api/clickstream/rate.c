/*
 * rate.c — cs_rate: token buckets per client address for anonymous ingestion.
 *
 * A fixed, direct-mapped table of slots (hash of the address), each with its own
 * lock stripe, so memory is bounded however many addresses call, and two callers only
 * contend when they hash to the same stripe. A slot taken over by another address
 * starts full: a collision can only be lenient, never block an innocent client.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/clickstream.h"
#include "storefront/text.h"

#define STRIPES 64

typedef struct slot {
    uint64_t key; /* 0 = free */
    double tokens;
    double last_s;
} slot;

struct cs_rate {
    double rate, burst;
    size_t nslots;
    slot *slots;
    pthread_mutex_t locks[STRIPES];
};

cs_rate *cs_rate_new(double rate_per_s, double burst, size_t nslots)
{
    cs_rate *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->rate = rate_per_s > 0 ? rate_per_s : 1;
    r->burst = burst >= 1 ? burst : 1;
    r->nslots = nslots ? nslots : 1;
    r->slots = calloc(r->nslots, sizeof *r->slots);
    if (!r->slots) {
        free(r);
        return NULL;
    }
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&r->locks[i], NULL);
    return r;
}

void cs_rate_free(cs_rate *r)
{
    if (!r)
        return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&r->locks[i]);
    free(r->slots);
    free(r);
}

bool cs_rate_allow(cs_rate *r, const char *key, double now_s, int *retry_after_s)
{
    uint64_t h = fnv1a64(key, strlen(key)) | 1;
    size_t i = (size_t)(h % r->nslots);
    pthread_mutex_t *m = &r->locks[i % STRIPES];
    pthread_mutex_lock(m);
    slot *s = &r->slots[i];
    if (s->key != h) {
        s->key = h;
        s->tokens = r->burst;
        s->last_s = now_s;
    }
    if (now_s > s->last_s) {
        s->tokens = fmin(r->burst, s->tokens + (now_s - s->last_s) * r->rate);
        s->last_s = now_s;
    }
    bool ok = s->tokens >= 1.0;
    if (ok)
        s->tokens -= 1.0;
    else if (retry_after_s)
        *retry_after_s = (int)ceil((1.0 - s->tokens) / r->rate);
    pthread_mutex_unlock(m);
    if (!ok && retry_after_s && *retry_after_s < 1)
        *retry_after_s = 1;
    return ok;
}
