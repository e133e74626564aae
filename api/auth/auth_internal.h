/*
 * auth_internal.h — the pieces of the Cognito verifier (include/storefront/auth.h) and
 * how they fit together. Not part of the public API: only api/auth/ and the auth unit
 * tests include it.
 *
 *   jwt_parse.c    strict compact-JWS parsing and the header checks (alg first)
 *   jwks.c         JWKS document -> immutable, refcounted key set of EVP_PKEYs
 *   jwks_fetch.c   the bounded libcurl GET of the JWKS URL
 *   claims.c       claim checks after the signature -> auth_principal
 *   token_cache.c  bounded cache of verified tokens keyed by SHA-256(token)
 *   verifier.c     lifecycle, settings, background fetcher, key lookup + refetch policy
 *   verify.c       auth_verify: Bearer parsing, the order of checks, RS256
 */
#ifndef STOREFRONT_AUTH_INTERNAL_H
#define STOREFRONT_AUTH_INTERNAL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/auth.h"

#define AUTH_MAX_TOKEN_BYTES     8192
#define AUTH_MAX_KID_BYTES       128
#define AUTH_MAX_JWKS_BYTES      (64 * 1024)
#define AUTH_MAX_KEYS            64 /* keys kept from one JWKS document */
#define AUTH_MIN_RSA_BITS        2048
#define AUTH_MAX_RSA_BITS        8192 /* bounds the cost of one verification */
#define AUTH_REFETCH_INTERVAL_MS 10000
#define AUTH_BACKOFF_FIRST_MS    1000
#define AUTH_BACKOFF_MAX_MS      30000

/* The verifier's own copy of auth_config, defaults applied. */
typedef struct auth_settings {
    char *issuer;
    char *jwks_url;
    char *client_ids[AUTH_MAX_CLIENT_IDS];
    int nclient_ids;
    bool accept_access, accept_id, allow_http;
    int leeway_s;
    char *admin_group;
    int token_cache_size;
    int jwks_timeout_ms;
} auth_settings;

/* ---- jwt_parse.c ---- */

/* A compact JWS split into its parts; pointers point into the caller's token. */
typedef struct jwt_parts {
    const char *header_b64, *payload_b64, *sig_b64;
    size_t header_len, payload_len, sig_len;
    size_t signing_len; /* bytes of "header.payload", starting at header_b64 */
    char kid[AUTH_MAX_KID_BYTES + 1];
    unsigned char sig[AUTH_MAX_RSA_BITS / 8]; /* decoded signature */
    size_t siglen;
} jwt_parts;

/* Splits token[0..n) into exactly three non-empty parts of the strict base64url
 * alphabet, decodes and checks the header (alg == RS256 before anything else, then no
 * jku/x5u/jwk/x5c/crit, typ, kid) and decodes the signature. Fills p->kid and p->sig.
 * The payload is only checked for its alphabet here. False + a static reason in *why. */
bool jwt_parse_header(const char *token, size_t n, jwt_parts *p, const char **why);

/* Strict base64url (no padding, canonical) of b64[0..n) into a JSON object, duplicate
 * keys rejected. Returns a new reference, or NULL + a static reason in *why. */
json_t *jwt_decode_object(const char *b64, size_t n, const char **why);

/* True when kid is a JSON string of 1..AUTH_MAX_KID_BYTES printable ASCII bytes. */
bool auth_kid_ok(json_t *kid);

/* ---- jwks.c ---- */

typedef struct auth_key {
    char kid[AUTH_MAX_KID_BYTES + 1];
    EVP_PKEY *pkey;
} auth_key;

/* Immutable once published; freed when the last holder releases it. */
typedef struct auth_keyset {
    atomic_int refs;
    int nkeys;
    auth_key keys[];
} auth_keyset;

/* Parses a JWKS document. Keys that are not RSA signing keys for RS256, or are weaker
 * than AUTH_MIN_RSA_BITS, are skipped (and logged). NULL + a reason in err when the
 * document itself is malformed. The result holds one reference. */
auth_keyset *auth_keyset_parse(const char *body, size_t n, char *err, size_t errlen);
/* The key for kid, or NULL. Valid while the caller holds a reference to ks. */
EVP_PKEY *auth_keyset_find(const auth_keyset *ks, const char *kid);
void auth_keyset_ref(auth_keyset *ks);
/* Drops one reference; NULL is a no-op. */
void auth_keyset_unref(auth_keyset *ks);
/* RSA public key from the JWK members n and e (base64url). NULL + reason in err. */
EVP_PKEY *auth_rsa_from_jwk(const char *n_b64, const char *e_b64, char *err, size_t errlen);

/* ---- jwks_fetch.c ---- */

/* GETs url with the limits of the settings (timeout, AUTH_MAX_JWKS_BYTES, https only
 * unless allow_http). `stop` aborts a transfer in progress when it becomes true.
 * Returns a malloc'ed NUL-terminated body (length in *n), or NULL + reason in err. */
char *auth_jwks_fetch(const auth_settings *s, const atomic_bool *stop, size_t *n, char *err,
                      size_t errlen);
/* True when url may be used as the JWKS URL under these settings; else a reason. */
bool auth_jwks_url_ok(const char *url, bool allow_http, char *err, size_t errlen);

/* ---- claims.c ---- */

/* Checks the claims of a token whose signature is already verified and copies the
 * principal out. `now` is seconds since the epoch. False + a static reason in *why;
 * these three reasons are told to the client (verify.c): only the holder of a token our
 * pool signed can get them, and each names what the client must do. */
extern const char auth_why_expired[];
extern const char auth_why_id_token[];
extern const char auth_why_access_token[];
bool auth_claims_check(const auth_settings *s, json_t *payload, int64_t now, auth_principal *out,
                       const char **why);

/* ---- token_cache.c ---- */

typedef struct token_cache token_cache;

/* A cache of about `capacity` entries; NULL when capacity <= 0 (caching disabled). */
token_cache *token_cache_new(int capacity);
void token_cache_free(token_cache *c);
/* Copies the principal cached under hash into out when its exp + leeway > now. */
bool token_cache_get(token_cache *c, const unsigned char hash[32], int64_t now, int leeway_s,
                     auth_principal *out);
/* Remembers a verified principal until its exp (evicting the soonest-expiring entry of
 * a full bucket). NULL cache is a no-op. */
void token_cache_put(token_cache *c, const unsigned char hash[32], const auth_principal *p);

/* ---- verifier.c ---- */

struct auth_verifier {
    auth_settings s;
    EVP_MD *sha256;
    token_cache *cache;

    pthread_mutex_t mu;     /* guards keys, fetching, last_refetch_ms */
    pthread_cond_t changed; /* a fetch finished or stop was requested */
    auth_keyset *keys;      /* NULL until the first successful fetch */
    bool fetching;
    bool attempted;          /* the first fetch has finished (either way) */
    int64_t last_refetch_ms; /* monotonic start of the last unknown-kid refetch */
    int refetch_interval_ms;
    atomic_bool stop;
    pthread_t fetcher;
    bool fetcher_started;

    atomic_uint_fast64_t verified, cache_hits, rejected, jwks_fetches, jwks_failures;
};

/* The key set holding kid, with a reference the caller drops; refetches the JWKS for an
 * unknown kid at most once per refetch interval. NULL with *unavailable set when no
 * key set was ever fetched; NULL otherwise when the kid is unknown. */
auth_keyset *auth_keys_for_kid(auth_verifier *v, const char *kid, EVP_PKEY **pkey,
                               bool *unavailable);
int64_t auth_monotonic_ms(void);

/* Test hook: shortens the unknown-kid refetch interval (default 10 s) so rotation can be
 * exercised several times in one test. Never called by the server. */
void auth_verifier_set_refetch_interval_ms(auth_verifier *v, int ms);

#endif
