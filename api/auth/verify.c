/*
 * verify.c — auth_verify: from an Authorization header to an auth_principal.
 *
 * Order of checks (each one only runs when everything before it passed):
 *   1. "Bearer <token>" (else "unauthenticated"), token <= 8 KiB
 *   2. SHA-256 of the token looked up in the verified-token cache (hit: re-check exp)
 *   3. three strict base64url parts; header JSON: alg == RS256 first, then no
 *      jku/x5u/jwk/x5c/crit, typ, kid                              (jwt_parse.c)
 *   4. key for kid from the JWKS set (an unknown kid may refetch)  (verifier.c)
 *   5. RS256 signature over "header.payload" with OpenSSL: SHA-256, PKCS#1 v1.5
 *   6. payload JSON and its claims                                 (claims.c)
 * libjwt is deliberately not used here: 1.10 skips the signature when given an empty
 * key, accepts HS256 keyed with the RSA public key's PEM, and checks no claims.
 *
 * The client learns only "invalid or expired" (or, for a token our pool signed, that it
 * expired or is the other kind of token: reject()); the exact reason goes to the log at
 * debug level (an attacker can make these at will), and the token never does.
 */
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yder.h>

#include "auth/auth_internal.h"
#include "storefront/text.h"

static bool bearer_token(const char *header, const char **tok, size_t *len);
static sf_status verify_uncached(auth_verifier *v, const char *tok, size_t len, auth_principal *out,
                                 const char **why);
static bool rs256_verify(const auth_verifier *v, EVP_PKEY *pkey, const jwt_parts *p);
static sf_status reject(auth_verifier *v, sf_error *e, const char *why);

/* The wall clock in whole seconds, read precisely: glibc's time() is the kernel's coarse
 * clock, which lags gettimeofday() by up to a tick after each second boundary, so a
 * token issued (iat) in that same millisecond by an issuer using the precise clock was
 * refused as "issued in the future" (a fresh token's rare 401 in api/card-payments). */
static int64_t realtime_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

sf_status auth_verify(auth_verifier *v, const char *authorization, auth_principal *out, sf_error *e)
{
    sf_error_clear(e);
    memset(out, 0, sizeof *out);
    const char *tok;
    size_t len;
    if (!bearer_token(authorization, &tok, &len)) {
        atomic_fetch_add(&v->rejected, 1);
        y_log_message(Y_LOG_LEVEL_DEBUG, "auth: no Bearer token in the request");
        return sf_fail(e, SF_UNAUTHENTICATED, "unauthenticated", "Sign in to use this endpoint.");
    }
    if (len > AUTH_MAX_TOKEN_BYTES)
        return reject(v, e, "token longer than 8 KiB");

    unsigned char hash[32];
    if (EVP_Digest(tok, len, hash, NULL, v->sha256, NULL) != 1)
        return sf_fail(e, SF_INTERNAL, NULL, "Token verification failed.");
    int64_t now = realtime_s();
    if (token_cache_get(v->cache, hash, now, v->s.leeway_s, out)) {
        atomic_fetch_add(&v->cache_hits, 1);
        atomic_fetch_add(&v->verified, 1);
        return SF_OK;
    }

    const char *why = "unknown";
    sf_status st = verify_uncached(v, tok, len, out, &why);
    if (st == SF_OK) {
        token_cache_put(v->cache, hash, out);
        atomic_fetch_add(&v->verified, 1);
        return SF_OK;
    }
    memset(out, 0, sizeof *out);
    if (st == SF_UNAVAILABLE) {
        y_log_message(Y_LOG_LEVEL_WARNING, "auth: no JWKS fetched yet, cannot verify tokens");
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "Sign-in cannot be checked right now; try again shortly.");
    }
    return reject(v, e, why);
}

static sf_status verify_uncached(auth_verifier *v, const char *tok, size_t len, auth_principal *out,
                                 const char **why)
{
    jwt_parts p;
    if (!jwt_parse_header(tok, len, &p, why))
        return SF_UNAUTHENTICATED;
    EVP_PKEY *pkey = NULL;
    bool unavailable;
    auth_keyset *ks = auth_keys_for_kid(v, p.kid, &pkey, &unavailable);
    if (!ks) {
        /* p.kid is printable ASCII of bounded length: safe to log. */
        if (!unavailable)
            y_log_message(Y_LOG_LEVEL_DEBUG, "auth: kid %s is not in the JWKS", p.kid);
        *why = "kid not in the JWKS";
        return unavailable ? SF_UNAVAILABLE : SF_UNAUTHENTICATED;
    }
    bool sig_ok = rs256_verify(v, pkey, &p);
    auth_keyset_unref(ks);
    if (!sig_ok) {
        *why = "signature does not verify";
        return SF_UNAUTHENTICATED;
    }
    json_t *payload = jwt_decode_object(p.payload_b64, p.payload_len, why);
    if (!payload)
        return SF_UNAUTHENTICATED;
    bool ok = auth_claims_check(&v->s, payload, realtime_s(), out, why);
    json_decref(payload);
    return ok ? SF_OK : SF_UNAUTHENTICATED;
}

static bool rs256_verify(const auth_verifier *v, EVP_PKEY *pkey, const jwt_parts *p)
{
    /* An RS256 signature is exactly as long as the modulus. */
    if ((long)p->siglen != EVP_PKEY_get_size(pkey))
        return false;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, &pctx, v->sha256, NULL, pkey) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
              EVP_DigestVerify(ctx, p->sig, p->siglen, (const unsigned char *)p->header_b64,
                               p->signing_len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error(); /* a failed verification leaves entries in this thread's queue */
    return ok;
}

/* "Bearer" (any case, RFC 9110 schemes are case-insensitive), spaces, the token;
 * surrounding whitespace is ignored. False when there is no Bearer token at all. */
static bool bearer_token(const char *header, const char **tok, size_t *len)
{
    if (!header)
        return false;
    const char *p = header + strspn(header, " \t");
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return false;
    p += 6;
    p += strspn(p, " \t");
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *tok = p;
    *len = n;
    return n > 0;
}

static sf_status reject(auth_verifier *v, sf_error *e, const char *why)
{
    atomic_fetch_add(&v->rejected, 1);
    y_log_message(Y_LOG_LEVEL_DEBUG, "auth: token rejected: %s", why);
    /* A genuine token (its signature verified) that is expired or of the other kind is
     * told so, since the client can act on it; every other defect stays unexplained. */
    const char *detail =
        why == auth_why_expired        ? "The token has expired; refresh it and send "
                                         "the new one."
        : why == auth_why_id_token     ? "This is an ID token; send the access token from sign-in."
        : why == auth_why_access_token ? "This is an access token; send the ID token from sign-in."
                                       : "The access token is invalid or expired.";
    return sf_fail(e, SF_UNAUTHENTICATED, "invalid-token", "%s", detail);
}
