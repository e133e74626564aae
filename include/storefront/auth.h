/*
 * auth.h — verification of Amazon Cognito JWTs (access tokens, and ID tokens where
 * configured), behaving like aws-jwt-verify and stricter where it is loose. See the
 * "Authentication" section of DESIGN.md and docs/auth.md.
 *
 * One auth_verifier lives in the app struct for the server's lifetime. It owns the
 * JWKS cache (fetched with libcurl, refreshed on an unknown kid at most once per
 * 10 s, retried in the background while no key set could be fetched) and a bounded
 * cache of verified tokens keyed by a hash of the token, so RSA is paid once per token.
 * Every function is thread-safe.
 */
#ifndef STOREFRONT_AUTH_H
#define STOREFRONT_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/error.h"

#define AUTH_MAX_GROUPS     16
#define AUTH_MAX_CLIENT_IDS 8

typedef struct auth_config {
    const char
        *issuer; /* exact `iss`, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12 */
    const char *jwks_url;                        /* NULL = issuer + "/.well-known/jwks.json" */
    const char *client_ids[AUTH_MAX_CLIENT_IDS]; /* allowlist for client_id (access) / aud (id) */
    int nclient_ids;
    bool accept_access_tokens; /* default true */
    bool accept_id_tokens;     /* default false */
    bool allow_http_jwks;      /* local development only: JWKS over http:// */
    int leeway_s;              /* clock skew allowed on exp/nbf/iat, default 0 */
    const char *admin_group;   /* cognito:groups member that makes an admin, default "admin" */
    int token_cache_size;      /* verified tokens remembered, default 10000 */
    int jwks_timeout_ms;       /* per JWKS fetch, default 3000 */
    /* Customer profiles (GetUser, api/auth/cognito_user.c): the user pool's API endpoint
     * (COGNITO_ENDPOINT, else the issuer without its last path segment); empty = profiles
     * are not fetched. */
    char user_endpoint[512];
    int profile_timeout_ms; /* per GetUser call, COGNITO_PROFILE_TIMEOUT_MS, default 2000 */
    int profile_retry_s;    /* after a failed fetch, COGNITO_PROFILE_RETRY_SECONDS, default 300 */
} auth_config;

/* Who is calling, copied out of a verified token. */
typedef struct auth_principal {
    char sub[64];
    char username[128]; /* `username` (access) or `cognito:username` (id) */
    char email[256];    /* empty when the token has none (access tokens never do) */
    char client_id[128];
    int ngroups;
    char groups[AUTH_MAX_GROUPS][128];
    bool is_admin;
    bool id_token; /* an ID token (GetUser takes access tokens only) */
    int64_t exp;   /* seconds since the epoch */
} auth_principal;

typedef struct auth_verifier auth_verifier;

/* Creates the verifier and starts fetching the JWKS in the background; the server
 * starts even when the JWKS cannot be fetched yet. NULL + one line in err when the
 * configuration is invalid (e.g. an http:// JWKS URL without allow_http_jwks). */
auth_verifier *auth_verifier_new(const auth_config *cfg, char *err, size_t errlen);
/* Stops the background fetcher and frees everything. NULL is a no-op. */
void auth_verifier_free(auth_verifier *v);

/* Verifies the value of an Authorization header ("Bearer <jwt>").
 *   SF_OK              *out filled
 *   SF_UNAUTHENTICATED missing/malformed header or any token defect; code "unauthenticated"
 *                      when no token was sent, "invalid-token" otherwise; the detail says
 *                      nothing that helps an attacker (the log gets the reason)
 *   SF_UNAVAILABLE     no key set has ever been fetched and the JWKS is unreachable */
sf_status auth_verify(auth_verifier *v, const char *authorization, auth_principal *out,
                      sf_error *e);

/* Counters for /metrics and tests. */
typedef struct auth_stats {
    uint64_t verified, cache_hits, rejected, jwks_fetches, jwks_failures;
    int keys; /* keys in the current set */
} auth_stats;
void auth_stats_get(auth_verifier *v, auth_stats *out);

#endif
