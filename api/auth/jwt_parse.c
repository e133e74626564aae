/*
 * jwt_parse.c — strict parsing of a compact JWS and the checks on its header.
 *
 * Everything here runs on bytes an attacker chose, before any key is looked up, so it
 * is deliberately narrow: exactly three non-empty parts of the base64url alphabet,
 * canonical encodings (no padding, zero leftover bits), JSON objects without duplicate
 * keys, and `alg` compared with "RS256" before any other header member is looked at.
 * Header members that tell a verifier where to find a key (jku, x5u, jwk, x5c) or which
 * extensions it must understand (crit) make the token invalid: keys come only from the
 * configured JWKS, and the kid is only ever compared with the kids of that set.
 */
#include <string.h>

#include "auth/auth_internal.h"
#include "storefront/text.h"

/* Largest decoded part of a token that passed the 8 KiB limit. */
#define MAX_DECODED (AUTH_MAX_TOKEN_BYTES / 4 * 3 + 3)

static bool b64url_alphabet(const char *s, size_t n);
static bool check_header(json_t *h, jwt_parts *p, const char **why);

bool jwt_parse_header(const char *token, size_t n, jwt_parts *p, const char **why)
{
    memset(p, 0, sizeof *p);
    if (n == 0 || n > AUTH_MAX_TOKEN_BYTES) {
        *why = "token empty or longer than 8 KiB";
        return false;
    }
    const char *end = token + n;
    const char *dot1 = memchr(token, '.', n);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1))) {
        *why = "token does not have exactly three parts";
        return false;
    }
    p->header_b64 = token;
    p->header_len = (size_t)(dot1 - token);
    p->payload_b64 = dot1 + 1;
    p->payload_len = (size_t)(dot2 - dot1 - 1);
    p->sig_b64 = dot2 + 1;
    p->sig_len = (size_t)(end - dot2 - 1);
    p->signing_len = (size_t)(dot2 - token);
    if (!p->header_len || !p->payload_len || !p->sig_len) {
        *why = "token has an empty part";
        return false;
    }
    if (!b64url_alphabet(p->header_b64, p->header_len) ||
        !b64url_alphabet(p->payload_b64, p->payload_len) ||
        !b64url_alphabet(p->sig_b64, p->sig_len)) {
        *why = "token has a character outside the base64url alphabet";
        return false;
    }
    json_t *h = jwt_decode_object(p->header_b64, p->header_len, why);
    if (!h)
        return false;
    bool ok = check_header(h, p, why);
    json_decref(h);
    if (!ok)
        return false;
    long siglen = base64url_decode(p->sig_b64, p->sig_len, p->sig, sizeof p->sig);
    if (siglen < 0) {
        *why = "signature is not canonical base64url or longer than 8192 bits";
        return false;
    }
    p->siglen = (size_t)siglen;
    return true;
}

json_t *jwt_decode_object(const char *b64, size_t n, const char **why)
{
    unsigned char buf[MAX_DECODED];
    long len = base64url_decode(b64, n, buf, sizeof buf);
    if (len < 0) {
        *why = "token part is not canonical base64url";
        return NULL;
    }
    json_error_t jerr;
    /* Duplicate keys are refused: two parsers reading {"alg":"RS256","alg":"none"}
     * differently is exactly the ambiguity signature bypasses are made of. */
    json_t *j = json_loadb((const char *)buf, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        *why = "token part is not JSON or has duplicate keys";
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        *why = "token part is not a JSON object";
        return NULL;
    }
    return j;
}

static bool b64url_alphabet(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static bool check_header(json_t *h, jwt_parts *p, const char **why)
{
    /* alg first: nothing else in a header with another algorithm is worth reading, and
     * it shuts out "none", HS256 keyed with the public key, and algorithm confusion. */
    json_t *alg = json_object_get(h, "alg");
    if (!json_is_string(alg) || json_string_length(alg) != 5 ||
        strcmp(json_string_value(alg), "RS256") != 0) {
        *why = "header alg is not RS256";
        return false;
    }
    static const char *const refused[] = {"jku", "x5u", "jwk", "x5c", "crit"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (json_object_get(h, refused[i])) {
            *why = "header has jku, x5u, jwk, x5c or crit";
            return false;
        }
    }
    json_t *typ = json_object_get(h, "typ");
    if (typ && (!json_is_string(typ) || strcmp(json_string_value(typ), "JWT") != 0)) {
        *why = "header typ is not JWT";
        return false;
    }
    json_t *kid = json_object_get(h, "kid");
    if (!auth_kid_ok(kid)) {
        *why = "header kid missing, too long or not printable ASCII";
        return false;
    }
    memcpy(p->kid, json_string_value(kid), json_string_length(kid) + 1);
    return true;
}

bool auth_kid_ok(json_t *kid)
{
    if (!json_is_string(kid))
        return false;
    size_t n = json_string_length(kid);
    if (n == 0 || n > AUTH_MAX_KID_BYTES)
        return false;
    const char *s = json_string_value(kid);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}
