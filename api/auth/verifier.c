/*
 * verifier.c — the verifier's lifecycle and its key set: settings, the background
 * fetcher, and the unknown-kid refetch policy (see include/storefront/auth.h).
 *
 * Key set policy, after aws-jwt-verify:
 *   - auth_verifier_new never waits for the network: a background thread fetches the
 *     JWKS, retrying with backoff (1 s doubling to 30 s) until one fetch succeeds. A
 *     token checked while the very first fetch is under way waits for it (bounded by the
 *     fetch timeout + 1 s); once a fetch has failed and until one succeeds, auth_verify
 *     answers SF_UNAVAILABLE at once; after a success the thread exits.
 *   - A kid missing from the current set triggers one refetch, at most once per 10 s for
 *     the whole verifier, so a flood of made-up kids costs the issuer one request per
 *     10 s. Verifiers that need the result of a refetch in progress wait for it (bounded
 *     by the fetch timeout); verifiers with a known kid never wait for a fetch.
 *   - A failed fetch keeps the previous set: known kids keep working while the JWKS is
 *     down. A successful fetch replaces the set, so keys the issuer removed stop working.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "auth/auth_internal.h"

static bool settings_init(auth_settings *s, const auth_config *cfg, char *err, size_t errlen);
static void settings_free(auth_settings *s);
static char *dup_str(const char *s);
static void *fetcher_main(void *arg);
static bool refresh(auth_verifier *v);
static void deadline_after(struct timespec *ts, int64_t ms);

auth_verifier *auth_verifier_new(const auth_config *cfg, char *err, size_t errlen)
{
    auth_verifier *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!settings_init(&v->s, cfg, err, errlen)) {
        settings_free(&v->s);
        free(v);
        return NULL;
    }
    v->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    v->cache = token_cache_new(v->s.token_cache_size);
    v->refetch_interval_ms = AUTH_REFETCH_INTERVAL_MS;
    v->last_refetch_ms = INT64_MIN / 2;
    pthread_mutex_init(&v->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->changed, &ca);
    pthread_condattr_destroy(&ca);
    if (!v->sha256 || !v->cache || pthread_create(&v->fetcher, NULL, fetcher_main, v) != 0) {
        snprintf(err, errlen, "cannot start the JWKS fetcher (out of memory or threads)");
        auth_verifier_free(v);
        return NULL;
    }
    v->fetcher_started = true;
    return v;
}

void auth_verifier_free(auth_verifier *v)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->mu);
    atomic_store(&v->stop, true);
    pthread_cond_broadcast(&v->changed);
    pthread_mutex_unlock(&v->mu);
    if (v->fetcher_started)
        pthread_join(v->fetcher, NULL);
    auth_keyset_unref(v->keys);
    token_cache_free(v->cache);
    EVP_MD_free(v->sha256);
    pthread_cond_destroy(&v->changed);
    pthread_mutex_destroy(&v->mu);
    settings_free(&v->s);
    free(v);
}

void auth_stats_get(auth_verifier *v, auth_stats *out)
{
    memset(out, 0, sizeof *out);
    out->verified = atomic_load(&v->verified);
    out->cache_hits = atomic_load(&v->cache_hits);
    out->rejected = atomic_load(&v->rejected);
    out->jwks_fetches = atomic_load(&v->jwks_fetches);
    out->jwks_failures = atomic_load(&v->jwks_failures);
    pthread_mutex_lock(&v->mu);
    out->keys = v->keys ? v->keys->nkeys : 0;
    pthread_mutex_unlock(&v->mu);
}

auth_keyset *auth_keys_for_kid(auth_verifier *v, const char *kid, EVP_PKEY **pkey,
                               bool *unavailable)
{
    *unavailable = false;
    auth_keyset *found = NULL;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        if (!v->keys && v->attempted && !v->fetching) {
            *unavailable = true;
            break;
        }
        if (!v->keys) {
            /* Just started: the first fetch is under way (or its thread about to begin
             * it). Wait for it, bounded, rather than refusing a valid token because the
             * request came in the first milliseconds after start-up. */
            struct timespec ts;
            deadline_after(&ts, v->s.jwks_timeout_ms + 1000);
            if (pthread_cond_timedwait(&v->changed, &v->mu, &ts) == ETIMEDOUT ||
                atomic_load(&v->stop)) {
                *unavailable = !v->keys;
                if (v->keys)
                    continue;
                break;
            }
            continue;
        }
        if ((*pkey = auth_keyset_find(v->keys, kid))) {
            found = v->keys;
            auth_keyset_ref(found);
            break;
        }
        if (v->fetching) {
            /* Someone is already fetching, maybe for this very kid (a rotation seen by
             * many workers at once): wait for its result instead of refusing. */
            struct timespec ts;
            deadline_after(&ts, v->s.jwks_timeout_ms + 1000);
            if (pthread_cond_timedwait(&v->changed, &v->mu, &ts) == ETIMEDOUT)
                break;
            continue;
        }
        int64_t now = auth_monotonic_ms();
        if (now - v->last_refetch_ms < v->refetch_interval_ms || atomic_load(&v->stop))
            break;
        v->last_refetch_ms = now;
        pthread_mutex_unlock(&v->mu);
        y_log_message(Y_LOG_LEVEL_INFO, "auth: unknown kid %s, refetching the JWKS", kid);
        refresh(v);
        pthread_mutex_lock(&v->mu);
        /* Loop once more: found in the new set, or refused by the interval just set. */
    }
    pthread_mutex_unlock(&v->mu);
    return found;
}

int64_t auth_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void auth_verifier_set_refetch_interval_ms(auth_verifier *v, int ms)
{
    pthread_mutex_lock(&v->mu);
    v->refetch_interval_ms = ms;
    pthread_mutex_unlock(&v->mu);
}

/* One fetch + parse; publishes the new set on success. The caller must not hold mu;
 * `fetching` is claimed here so that there is never more than one fetch at a time. */
static bool refresh(auth_verifier *v)
{
    pthread_mutex_lock(&v->mu);
    while (v->fetching && !atomic_load(&v->stop))
        pthread_cond_wait(&v->changed, &v->mu);
    v->fetching = true;
    pthread_mutex_unlock(&v->mu);

    char err[256] = "";
    size_t n = 0;
    atomic_fetch_add(&v->jwks_fetches, 1);
    char *body = auth_jwks_fetch(&v->s, &v->stop, &n, err, sizeof err);
    auth_keyset *ks = body ? auth_keyset_parse(body, n, err, sizeof err) : NULL;
    free(body);

    /* Read before publishing: once published, another refresh may replace and free ks. */
    int nkeys = ks ? ks->nkeys : 0;
    pthread_mutex_lock(&v->mu);
    auth_keyset *old = NULL;
    if (ks) {
        old = v->keys;
        v->keys = ks;
    }
    v->fetching = false;
    v->attempted = true;
    pthread_cond_broadcast(&v->changed);
    pthread_mutex_unlock(&v->mu);
    auth_keyset_unref(old); /* freed here or by the last verifier still using it */

    if (ks) {
        y_log_message(Y_LOG_LEVEL_INFO, "auth: JWKS fetched, %d usable keys", nkeys);
    } else {
        atomic_fetch_add(&v->jwks_failures, 1);
        y_log_message(Y_LOG_LEVEL_WARNING, "auth: %s (%s)", err, v->s.jwks_url);
    }
    return ks != NULL;
}

static void *fetcher_main(void *arg)
{
    auth_verifier *v = arg;
    int64_t delay = AUTH_BACKOFF_FIRST_MS;
    while (!atomic_load(&v->stop)) {
        if (refresh(v))
            break;
        pthread_mutex_lock(&v->mu);
        struct timespec ts;
        deadline_after(&ts, delay);
        while (!atomic_load(&v->stop) &&
               pthread_cond_timedwait(&v->changed, &v->mu, &ts) != ETIMEDOUT) {
        }
        pthread_mutex_unlock(&v->mu);
        delay = delay * 2 > AUTH_BACKOFF_MAX_MS ? AUTH_BACKOFF_MAX_MS : delay * 2;
    }
    return NULL;
}

static void deadline_after(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* Copies cfg, applies the documented defaults and refuses what cannot work. */
static bool settings_init(auth_settings *s, const auth_config *cfg, char *err, size_t errlen)
{
    if (!cfg->issuer || strncmp(cfg->issuer, "http", 4) != 0) {
        snprintf(err, errlen, "COGNITO_ISSUER must be the issuer URL of the user pool");
        return false;
    }
    s->issuer = dup_str(cfg->issuer);
    if (cfg->jwks_url && cfg->jwks_url[0]) {
        s->jwks_url = dup_str(cfg->jwks_url);
    } else if (s->issuer && (s->jwks_url = malloc(strlen(s->issuer) + 32))) {
        size_t n = strlen(s->issuer);
        bool slash = n && s->issuer[n - 1] == '/';
        sprintf(s->jwks_url, "%s%s.well-known/jwks.json", s->issuer, slash ? "" : "/");
    }
    if (!s->issuer || !s->jwks_url) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    s->allow_http = cfg->allow_http_jwks;
    if (!auth_jwks_url_ok(s->jwks_url, s->allow_http, err, errlen))
        return false;
    if (cfg->nclient_ids < 1 || cfg->nclient_ids > AUTH_MAX_CLIENT_IDS) {
        snprintf(err, errlen, "COGNITO_CLIENT_IDS must list 1 to %d app client ids",
                 AUTH_MAX_CLIENT_IDS);
        return false;
    }
    for (int i = 0; i < cfg->nclient_ids; i++) {
        if (!cfg->client_ids[i] || !cfg->client_ids[i][0]) {
            snprintf(err, errlen, "COGNITO_CLIENT_IDS has an empty client id");
            return false;
        }
        if (!(s->client_ids[s->nclient_ids++] = dup_str(cfg->client_ids[i]))) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
    }
    s->accept_access = cfg->accept_access_tokens;
    s->accept_id = cfg->accept_id_tokens;
    if (!s->accept_access && !s->accept_id) {
        snprintf(err, errlen, "COGNITO_TOKEN_USE must accept access tokens, id tokens or both");
        return false;
    }
    if (cfg->leeway_s < 0 || cfg->leeway_s > 600 || cfg->token_cache_size < 0 ||
        cfg->jwks_timeout_ms < 0) {
        snprintf(err, errlen,
                 "JWT_LEEWAY_SECONDS must be 0..600 and the cache size and "
                 "JWKS timeout not negative");
        return false;
    }
    s->leeway_s = cfg->leeway_s;
    s->token_cache_size = cfg->token_cache_size ? cfg->token_cache_size : 10000;
    s->jwks_timeout_ms = cfg->jwks_timeout_ms ? cfg->jwks_timeout_ms : 3000;
    s->admin_group = dup_str(cfg->admin_group && cfg->admin_group[0] ? cfg->admin_group : "admin");
    if (!s->admin_group) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return true;
}

static void settings_free(auth_settings *s)
{
    free(s->issuer);
    free(s->jwks_url);
    for (int i = 0; i < s->nclient_ids; i++)
        free(s->client_ids[i]);
    free(s->admin_group);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}
