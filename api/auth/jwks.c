/*
 * jwks.c — a JWKS document turned into an immutable key set of OpenSSL public keys.
 *
 * Only RSA keys meant for RS256 signatures are kept (kty "RSA", use "sig" or absent,
 * alg "RS256" or absent), and only from 2048 to 8192 bits: smaller keys are forgeable
 * in practice, larger ones make every verification a CPU bill an attacker can choose.
 * A key that does not qualify is skipped rather than failing the document, so one odd
 * entry in the issuer's JWKS does not lock everybody out. Keys are built with the
 * OpenSSL 3 EVP_PKEY_fromdata API (no deprecated RSA_* calls).
 *
 * A set is published once and never modified: verifiers take a reference, use the
 * EVP_PKEYs without any lock (OpenSSL allows concurrent use of a public key), and the
 * last holder frees it, so a refresh never waits for verifications in flight.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

#include "auth/auth_internal.h"
#include "storefront/text.h"

static void add_key(auth_keyset *ks, json_t *k, size_t index);
static const char *jwk_unusable(json_t *k);
static bool member_is(json_t *k, const char *name, const char *want, bool absent_ok);
static EVP_PKEY *pkey_from_bns(const BIGNUM *n, const BIGNUM *e);

auth_keyset *auth_keyset_parse(const char *body, size_t n, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body, n, JSON_REJECT_DUPLICATES, &jerr);
    json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        snprintf(err, errlen, "JWKS is not a JSON object with a \"keys\" array");
        json_decref(doc);
        return NULL;
    }
    auth_keyset *ks = calloc(1, sizeof *ks + AUTH_MAX_KEYS * sizeof(auth_key));
    if (!ks) {
        snprintf(err, errlen, "out of memory");
        json_decref(doc);
        return NULL;
    }
    atomic_init(&ks->refs, 1);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        if (ks->nkeys == AUTH_MAX_KEYS) {
            y_log_message(Y_LOG_LEVEL_WARNING, "auth: JWKS has more than %d keys, rest ignored",
                          AUTH_MAX_KEYS);
            break;
        }
        add_key(ks, k, i);
    }
    json_decref(doc);
    return ks;
}

EVP_PKEY *auth_keyset_find(const auth_keyset *ks, const char *kid)
{
    for (int i = 0; i < ks->nkeys; i++)
        if (strcmp(ks->keys[i].kid, kid) == 0)
            return ks->keys[i].pkey;
    return NULL;
}

void auth_keyset_ref(auth_keyset *ks)
{
    atomic_fetch_add_explicit(&ks->refs, 1, memory_order_relaxed);
}

void auth_keyset_unref(auth_keyset *ks)
{
    if (!ks || atomic_fetch_sub_explicit(&ks->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (int i = 0; i < ks->nkeys; i++)
        EVP_PKEY_free(ks->keys[i].pkey);
    free(ks);
}

EVP_PKEY *auth_rsa_from_jwk(const char *n_b64, const char *e_b64, char *err, size_t errlen)
{
    /* One spare byte: some encoders keep a leading zero on the modulus. */
    unsigned char nbuf[AUTH_MAX_RSA_BITS / 8 + 1], ebuf[8];
    BIGNUM *n = NULL, *e = NULL;
    EVP_PKEY *pkey = NULL;
    long nlen = base64url_decode(n_b64, strlen(n_b64), nbuf, sizeof nbuf);
    long elen = base64url_decode(e_b64, strlen(e_b64), ebuf, sizeof ebuf);
    if (nlen <= 0 || elen <= 0) {
        snprintf(err, errlen, "n or e is not base64url or is too large");
        goto out;
    }
    n = BN_bin2bn(nbuf, (int)nlen, NULL);
    e = BN_bin2bn(ebuf, (int)elen, NULL);
    if (!n || !e) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    int bits = BN_num_bits(n);
    if (bits < AUTH_MIN_RSA_BITS || bits > AUTH_MAX_RSA_BITS) {
        snprintf(err, errlen, "RSA modulus of %d bits (allowed %d..%d)", bits, AUTH_MIN_RSA_BITS,
                 AUTH_MAX_RSA_BITS);
        goto out;
    }
    if (!BN_is_odd(e) || BN_is_one(e)) {
        snprintf(err, errlen, "RSA exponent is not an odd number above 1");
        goto out;
    }
    pkey = pkey_from_bns(n, e);
    if (!pkey)
        snprintf(err, errlen, "OpenSSL refused the RSA key");
out:
    BN_free(n);
    BN_free(e);
    ERR_clear_error();
    return pkey;
}

static EVP_PKEY *pkey_from_bns(const BIGNUM *n, const BIGNUM *e)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

static void add_key(auth_keyset *ks, json_t *k, size_t index)
{
    const char *why = jwk_unusable(k);
    if (why) {
        y_log_message(Y_LOG_LEVEL_DEBUG, "auth: JWKS key #%zu skipped: %s", index, why);
        return;
    }
    const char *kid = json_string_value(json_object_get(k, "kid"));
    if (auth_keyset_find(ks, kid)) {
        y_log_message(Y_LOG_LEVEL_WARNING, "auth: JWKS key #%zu skipped: duplicate kid %s", index,
                      kid);
        return;
    }
    char err[128];
    EVP_PKEY *pkey = auth_rsa_from_jwk(json_string_value(json_object_get(k, "n")),
                                       json_string_value(json_object_get(k, "e")), err, sizeof err);
    if (!pkey) {
        y_log_message(Y_LOG_LEVEL_WARNING, "auth: JWKS key %s skipped: %s", kid, err);
        return;
    }
    auth_key *slot = &ks->keys[ks->nkeys++];
    snprintf(slot->kid, sizeof slot->kid, "%s", kid);
    slot->pkey = pkey;
}

/* NULL when k is an RSA signing key for RS256 with a usable kid, n and e. */
static const char *jwk_unusable(json_t *k)
{
    if (!json_is_object(k))
        return "not an object";
    if (!member_is(k, "kty", "RSA", false))
        return "kty is not RSA";
    if (!member_is(k, "use", "sig", true))
        return "use is not sig";
    if (!member_is(k, "alg", "RS256", true))
        return "alg is not RS256";
    if (!auth_kid_ok(json_object_get(k, "kid")))
        return "kid missing or not printable ASCII";
    if (!json_is_string(json_object_get(k, "n")) || !json_is_string(json_object_get(k, "e")))
        return "n or e missing";
    return NULL;
}

static bool member_is(json_t *k, const char *name, const char *want, bool absent_ok)
{
    json_t *m = json_object_get(k, name);
    if (!m)
        return absent_ok;
    return json_is_string(m) && strcmp(json_string_value(m), want) == 0;
}
