/*
 * fuzz_jwt.c — the bearer token, up to the signature: what auth_verify runs on bytes an
 * attacker chose before any key is used (Bearer parsing, the 8 KiB limit, the strict
 * three-part base64url split, the header JSON and its checks, the signature decoding),
 * and the claim checks on a payload.
 *
 * bearer_token() is static, so this file includes api/auth/verify.c (the server's code,
 * compiled once more here). The claim checks normally run only after a valid RS256
 * signature, which a fuzzer cannot make; they are fed decoded JSON directly instead.
 *
 * Input, by the first byte:
 *   even: the rest is the Authorization header value (a C string, as Ulfius hands it);
 *         a token that passes the header checks also has its payload decoded;
 *   odd:  the rest is a token payload's JSON text, checked as claims.
 */
#include "../../api/auth/verify.c"

#include "fuzz_input.h"

/* A fixed clock inside the seeds' exp/iat, so a run is reproducible. */
#define FUZZ_NOW 1780000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const auth_settings settings = {
    .issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_StoreFr01",
    .client_ids = {"storefront-spa", "storefront-admin"},
    .nclient_ids = 2,
    .accept_access = true,
    .accept_id = true,
    .leeway_s = 5,
    .admin_group = "admin",
};

static void check_claims(json_t *payload)
{
    auth_principal who;
    const char *why = NULL;
    if (auth_claims_check(&settings, payload, FUZZ_NOW, &who, &why)) {
        /* What the rest of the server relies on after a pass. */
        if (!memchr(who.sub, 0, sizeof who.sub) || who.ngroups < 0 || who.ngroups > AUTH_MAX_GROUPS)
            abort();
    } else if (!why) {
        abort(); /* every refusal names its reason for the log */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t mode = fuzz_byte(&in);
    if (mode & 1) {
        size_t len;
        char *text = fuzz_rest(&in, &len);
        json_t *payload = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(payload))
            check_claims(payload);
        json_decref(payload);
        free(text);
        return 0;
    }
    char *header = fuzz_rest_str(&in);
    const char *tok;
    size_t len;
    /* auth_verify's order: Bearer, the 8 KiB limit, then the strict parse. */
    if (bearer_token(header, &tok, &len) && len <= AUTH_MAX_TOKEN_BYTES) {
        jwt_parts p;
        const char *why = NULL;
        if (jwt_parse_header(tok, len, &p, &why)) {
            if (p.siglen > sizeof p.sig || strlen(p.kid) > AUTH_MAX_KID_BYTES)
                abort();
            json_t *payload = jwt_decode_object(p.payload_b64, p.payload_len, &why);
            if (payload)
                check_claims(payload);
            json_decref(payload);
        } else if (!why) {
            abort();
        }
    }
    free(header);
    return 0;
}
