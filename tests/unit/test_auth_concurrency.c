/*
 * test_auth_concurrency.c — 8 threads verify freshly signed tokens (distinct, so most
 * miss the cache; some are repeated to hit it, some tampered to be refused) while the
 * main thread rotates the JWKS: publish a new key, move signing to it, retire the
 * oldest key once no token signed by it is in flight. Any wrong answer fails the test.
 * Meant to run under ASan+UBSan (SANITIZE=1 make test) and TSan (see docs/auth.md).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth_internal.h"
#include "check.h"
#include "test_auth_support.h"

#define NTHREADS  8
#define NKEYS     7
#define ROTATE_MS 500

static tkey keys[NKEYS];
static atomic_int lo, hi;       /* keys[lo..hi] are published and used for signing */
static atomic_int inuse[NKEYS]; /* tokens signed by keys[i] still being verified */
static atomic_bool stop;
static atomic_int wrong, accepted_n, refused_n, hits_expected;
static jwks_server server;
static auth_verifier *v;

static void publish(void)
{
    int a = atomic_load(&lo), b = atomic_load(&hi);
    char *jwks = ta_jwks(&keys[a], b - a + 1);
    jwks_server_set(&server, jwks, 200);
    free(jwks);
}

/* A key index that stays published until the caller drops inuse[i]. */
static int pick_key(unsigned *seed)
{
    for (;;) {
        int a = atomic_load(&lo), b = atomic_load(&hi);
        int i = a + (int)(rand_r(seed) % (unsigned)(b - a + 1));
        atomic_fetch_add(&inuse[i], 1);
        if (i >= atomic_load(&lo) && i <= atomic_load(&hi))
            return i;
        atomic_fetch_sub(&inuse[i], 1);
    }
}

static void expect(bool ok, const char *what, int id, int n)
{
    if (!ok) {
        atomic_fetch_add(&wrong, 1);
        fprintf(stderr, "wrong answer (%s) in thread %d, token %d\n", what, id, n);
    }
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned seed = (unsigned)id * 7919u + 1;
    auth_principal p;
    sf_error e;
    for (int n = 0; !atomic_load(&stop); n++) {
        int k = pick_key(&seed);
        char sub[32];
        snprintf(sub, sizeof sub, "w%d-%d", id, n);
        char *t = ta_sign(&keys[k], ta_header(keys[k].kid), ta_access(sub, 300, NULL));
        sf_status st = ta_verify(v, t, &p, &e);
        expect(st == SF_OK && strcmp(p.sub, sub) == 0, "valid token", id, n);
        if (n % 4 == 0) { /* same token again: a cache hit */
            st = ta_verify(v, t, &p, &e);
            expect(st == SF_OK && strcmp(p.sub, sub) == 0, "cached token", id, n);
            atomic_fetch_add(&hits_expected, 1);
        }
        if (n % 5 == 0) { /* payload changed after signing */
            char *dot = strchr(t, '.');
            dot[5] = dot[5] == 'A' ? 'Q' : 'A';
            st = ta_verify(v, t, &p, &e);
            expect(st == SF_UNAUTHENTICATED && p.sub[0] == '\0', "tampered token", id, n);
            atomic_fetch_add(&refused_n, 1);
        }
        atomic_fetch_sub(&inuse[k], 1);
        atomic_fetch_add(&accepted_n, 1);
        free(t);
    }
    return NULL;
}

static void prime(int k)
{
    auth_principal p;
    sf_error e;
    for (int tries = 0; tries < 100; tries++) {
        char *t = ta_sign(&keys[k], ta_header(keys[k].kid), ta_access("primer", 300, NULL));
        sf_status st = ta_verify(v, t, &p, &e);
        free(t);
        if (st == SF_OK)
            return;
        usleep(ROTATE_MS * 1000 / 10);
    }
    expect(false, "new key never accepted", -1, k);
}

static void rotate(void)
{
    /* Publish first, then sign with it: a token never names a kid the JWKS lacks. */
    int a = atomic_load(&lo), b = atomic_load(&hi) + 1;
    char *jwks = ta_jwks(&keys[a], b - a + 1);
    jwks_server_set(&server, jwks, 200);
    free(jwks);
    /* This thread makes the verifier learn the new kid before any worker uses it, so
     * the rate-limited refetches happen here, once per rotation, ROTATE_MS apart. If a
     * worker's first token triggered it instead, a late first use of one key followed by
     * an early one of the next could fall inside the refetch interval and be refused,
     * which is the policy working, not a wrong answer. */
    prime(b);
    atomic_store(&hi, b);
    usleep(ROTATE_MS * 1000 / 2);

    /* Retire the oldest: stop signing with it, wait for its tokens, then unpublish. */
    if (b - a >= 2) {
        atomic_store(&lo, a + 1);
        while (atomic_load(&inuse[a]) > 0)
            usleep(1000);
        publish();
    }
    usleep(ROTATE_MS * 1000 / 2);
}

int main(void)
{
    for (int i = 0; i < NKEYS; i++) {
        char kid[16];
        snprintf(kid, sizeof kid, "rot-%d", i);
        keys[i] = ta_key(kid, 2048);
    }
    char *jwks = ta_jwks(keys, 1);
    jwks_server_init(&server, jwks);
    free(jwks);
    jwks_server_start(&server);
    auth_config cfg = ta_config(server.url);
    cfg.token_cache_size = 256; /* small, so eviction runs too */
    cfg.jwks_timeout_ms = 5000;
    char err[256] = "";
    v = auth_verifier_new(&cfg, err, sizeof err);
    if (!v || !ta_wait_keys(v, 5000)) {
        fprintf(stderr, "verifier did not start: %s\n", err);
        return 1;
    }
    /* Rotation every 0.5 s needs refetches closer than the 10 s production interval. */
    auth_verifier_set_refetch_interval_ms(v, ROTATE_MS / 2);

    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
    usleep(ROTATE_MS * 1000);
    for (int r = 1; r < NKEYS; r++)
        rotate();
    atomic_store(&stop, true);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);

    auth_stats st;
    auth_stats_get(v, &st);
    printf("verified %d tokens (%d tampered), %llu cache hits, %llu JWKS fetches\n",
           atomic_load(&accepted_n), atomic_load(&refused_n), (unsigned long long)st.cache_hits,
           (unsigned long long)st.jwks_fetches);
    CHECK(atomic_load(&wrong) == 0);
    CHECK(atomic_load(&accepted_n) > NTHREADS * 4);
    CHECK(st.cache_hits >= (uint64_t)atomic_load(&hits_expected) / 2); /* a few evicted */
    CHECK(st.jwks_fetches >= NKEYS - 1 && st.jwks_failures == 0);
    CHECK(st.keys >= 2);

    auth_verifier_free(v);
    jwks_server_close(&server);
    for (int i = 0; i < NKEYS; i++)
        EVP_PKEY_free(keys[i].pkey);
    return check_done();
}
