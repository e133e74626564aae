/*
 * test_auth_token.c — what auth_verify accepts and refuses: honest Cognito access and ID
 * tokens, and every forgery and malformation from the auth issue (alg none, HS256 keyed
 * with the public PEM, RS512, tampering, bad or non-canonical base64url, 4 parts,
 * oversized, duplicate keys, hostile headers and kids, every claim). Also: the token
 * cache (hits counted, expiry re-checked) and that no token ever reaches the log.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

#include "auth/auth_internal.h"
#include "check.h"
#include "test_auth_support.h"

static tkey key_a;
static jwks_server server;
static auth_verifier *v;

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char *log_text;
static size_t log_len;

static void on_log(void *cls, const char *app, const time_t date, const unsigned long level,
                   const char *message)
{
    pthread_mutex_lock(&log_mu);
    size_t n = strlen(message);
    log_text = realloc(log_text, log_len + n + 2);
    memcpy(log_text + log_len, message, n);
    log_len += n;
    log_text[log_len++] = '\n';
    log_text[log_len] = '\0';
    pthread_mutex_unlock(&log_mu);
}

#define GENERIC      "The access token is invalid or expired."
#define EXPIRED      "The token has expired; refresh it and send the new one."
#define ID_TOKEN     "This is an ID token; send the access token from sign-in."
#define ACCESS_TOKEN "This is an access token; send the ID token from sign-in."

/* True when tok is refused as an invalid token (not "unauthenticated", not 503) with
 * this detail. */
static bool refused_as(const char *tok, const char *detail)
{
    auth_principal p;
    sf_error e;
    sf_status st = ta_verify(v, tok, &p, &e);
    bool ok = st == SF_UNAUTHENTICATED && e.code && strcmp(e.code, "invalid-token") == 0 &&
              strcmp(e.detail, detail) == 0 && p.sub[0] == '\0';
    if (!ok)
        fprintf(stderr, "  not refused as invalid-token (%s): status %s, \"%s\"\n", detail,
                sf_status_name(st), e.detail);
    return ok;
}

/* Refused with the generic detail: the client learns nothing of the cause. */
static bool refused(const char *tok)
{
    return refused_as(tok, GENERIC);
}

static bool accepted(const char *tok, auth_principal *p)
{
    sf_error e;
    sf_status st = ta_verify(v, tok, p, &e);
    if (st != SF_OK)
        fprintf(stderr, "  refused: %s %s\n", sf_status_name(st), e.code ? e.code : "");
    return st == SF_OK;
}

/* Signs header/payload with key A, checks the verdict, frees the token. */
static bool signed_refused_as(const char *header, const char *payload, const char *detail)
{
    char *t = ta_sign(&key_a, header, payload);
    bool r = refused_as(t, detail);
    free(t);
    return r;
}

static bool signed_refused(const char *header, const char *payload)
{
    return signed_refused_as(header, payload, GENERIC);
}

static bool signed_accepted(const char *header, const char *payload)
{
    auth_principal p;
    char *t = ta_sign(&key_a, header, payload);
    bool r = accepted(t, &p);
    free(t);
    return r;
}

static void test_valid_access_token(void)
{
    auth_principal p;
    char *t = ta_sign(&key_a, ta_header("kA"), ta_access("alice", 300, NULL));
    CHECK(accepted(t, &p));
    CHECK_STR(p.sub, "alice");
    CHECK_STR(p.username, "u-alice");
    CHECK_STR(p.client_id, "client-1");
    CHECK_STR(p.email, "");
    CHECK(p.ngroups == 0 && !p.is_admin);
    CHECK(p.exp > (int64_t)time(NULL));
    free(t);

    t = ta_sign(&key_a, "{\"alg\":\"RS256\",\"kid\":\"kA\"}", /* typ is optional */
                ta_access("bob", 300, ",\"cognito:groups\":[\"staff\",\"admin\"]"));
    CHECK(accepted(t, &p));
    CHECK(p.ngroups == 2 && p.is_admin);
    CHECK_STR(p.groups[0], "staff");
    free(t);

    t = ta_sign(&key_a, ta_header("kA"),
                ta_access("carol", 300, ",\"cognito:groups\":[\"administrators\"]"));
    CHECK(accepted(t, &p));
    CHECK(p.ngroups == 1 && !p.is_admin); /* exact group name, not a prefix */
    free(t);
}

static void test_authorization_header(void)
{
    auth_principal p;
    sf_error e;
    CHECK(auth_verify(v, NULL, &p, &e) == SF_UNAUTHENTICATED);
    CHECK_STR(e.code, "unauthenticated");
    CHECK_STR(e.detail, "Sign in to use this endpoint.");
    CHECK(auth_verify(v, "Basic YWxpY2U6c2VjcmV0", &p, &e) == SF_UNAUTHENTICATED);
    CHECK_STR(e.code, "unauthenticated");
    CHECK(auth_verify(v, "Bearer ", &p, &e) == SF_UNAUTHENTICATED);
    CHECK_STR(e.code, "unauthenticated");
    CHECK(auth_verify(v, "Bearerx.y.z", &p, &e) == SF_UNAUTHENTICATED);
    CHECK_STR(e.code, "unauthenticated");
    CHECK(auth_verify(v, "Bearer garbage", &p, &e) == SF_UNAUTHENTICATED);
    CHECK_STR(e.code, "invalid-token");

    char *t = ta_sign(&key_a, ta_header("kA"), ta_access("dave", 300, NULL));
    char h[4096];
    snprintf(h, sizeof h, "bearer  %s ", t); /* scheme is case-insensitive */
    CHECK(auth_verify(v, h, &p, &e) == SF_OK);
    snprintf(h, sizeof h, "Bearer %s extra", t);
    CHECK(auth_verify(v, h, &p, &e) == SF_UNAUTHENTICATED);
    free(t);
}

static void test_algorithm_forgeries(void)
{
    const char *payload = ta_access("mallory", 300, ",\"cognito:groups\":[\"admin\"]");
    char *t;
    ta_join("{\"alg\":\"none\",\"kid\":\"kA\"}", payload, NULL, 0, &t);
    char *none = malloc(strlen(t) + 2);
    sprintf(none, "%s.", t);
    CHECK(refused(none)); /* empty signature */
    free(none);
    none = malloc(strlen(t) + 8);
    sprintf(none, "%s.AAAA", t);
    CHECK(refused(none));
    free(none);
    free(t);

    t = ta_sign_hs256_pem(&key_a, "{\"alg\":\"HS256\",\"kid\":\"kA\",\"typ\":\"JWT\"}", payload);
    CHECK(refused(t));
    free(t);
    t = ta_sign_hs256_pem(&key_a, ta_header("kA"), payload); /* claims RS256, is HMAC */
    CHECK(refused(t));
    free(t);
    t = ta_sign_md(key_a.pkey, "SHA512", "{\"alg\":\"RS512\",\"kid\":\"kA\"}", payload);
    CHECK(refused(t));
    free(t);
    t = ta_sign_md(key_a.pkey, "SHA512", ta_header("kA"), payload);
    CHECK(refused(t));
    free(t);
    CHECK(signed_refused("{\"alg\":\"rs256\",\"kid\":\"kA\"}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256 \",\"kid\":\"kA\"}", payload));
    CHECK(signed_refused("{\"alg\":[\"RS256\"],\"kid\":\"kA\"}", payload));
    CHECK(signed_refused("{\"kid\":\"kA\"}", payload));
}

static void test_tampering(void)
{
    char *good = ta_sign(&key_a, ta_header("kA"), ta_access("erin", 300, NULL));
    char *other =
        ta_sign(&key_a, ta_header("kA"), ta_access("erin", 300, ",\"cognito:groups\":[\"admin\"]"));
    /* other's header and payload with good's signature */
    char *sig = strrchr(good, '.');
    char *forged = malloc(strlen(other) + strlen(sig) + 1);
    strcpy(forged, other);
    strcpy(strrchr(forged, '.'), sig);
    CHECK(refused(forged));
    free(forged);

    /* Signature cut short, and one byte changed. */
    char *t = strdup(good);
    t[strlen(t) - 4] = '\0';
    CHECK(refused(t));
    strcpy(t, good);
    char *s = strrchr(t, '.') + 10;
    *s = *s == 'A' ? 'B' : 'A';
    CHECK(refused(t));
    free(t);
    free(good);
    free(other);
}

static void test_encoding(void)
{
    char *good = ta_sign(&key_a, ta_header("kA"), ta_access("frank", 300, NULL));
    size_t n = strlen(good);
    char *t = malloc(n + 16);
    char *dot1 = strchr(good, '.');

    snprintf(t, n + 16, "%s=", good); /* padding */
    CHECK(refused(t));
    snprintf(t, n + 16, "%s.", good); /* four parts */
    CHECK(refused(t));
    snprintf(t, n + 16, "%s.AAAA", good);
    CHECK(refused(t));
    snprintf(t, n + 16, "%.*s", (int)(strrchr(good, '.') - good), good); /* two parts */
    CHECK(refused(t));
    strcpy(t, good);
    t[dot1 - good + 3] = '+'; /* standard base64 alphabet */
    CHECK(refused(t));
    strcpy(t, good);
    t[dot1 - good + 3] = '/';
    CHECK(refused(t));
    strcpy(t, good);
    t[dot1 - good + 3] = ' ';
    CHECK(refused(t));
    strcpy(t, good);
    t[dot1 - good + 3] = '\t';
    CHECK(refused(t));

    /* Non-canonical: a 256-byte signature ends in 4 unused bits; setting one decodes to
     * the same bytes in a lenient decoder, and must be refused here. */
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    strcpy(t, good);
    char *last = &t[n - 1];
    int val = (int)(strchr(alpha, *last) - alpha);
    CHECK((val & 15) == 0);
    *last = alpha[val | 1];
    CHECK(refused(t));
    free(t);
    free(good);

    /* Header or payload that is JSON but not an object, or not JSON. */
    CHECK(signed_refused("[\"RS256\"]", ta_access("g", 300, NULL)));
    CHECK(signed_refused(ta_header("kA"), "[1,2]"));
    CHECK(signed_refused(ta_header("kA"), "\"alice\""));
    CHECK(signed_refused(ta_header("kA"), "{\"sub\":"));
    char payload[4096];
    snprintf(payload, sizeof payload, "%s garbage", ta_access("g", 300, NULL));
    CHECK(signed_refused(ta_header("kA"), payload));
}

static void test_size_and_duplicates(void)
{
    /* Just under 8 KiB is fine; just over is refused before anything else. */
    char pad[8000];
    memset(pad, 'x', sizeof pad);
    char extra[8100];
    snprintf(extra, sizeof extra, ",\"pad\":\"%.*s\"", 5200, pad);
    char *t = ta_sign(&key_a, ta_header("kA"), ta_access("gina", 300, extra));
    auth_principal p;
    CHECK(strlen(t) < 8192 && accepted(t, &p));
    free(t);
    snprintf(extra, sizeof extra, ",\"pad\":\"%.*s\"", 6000, pad);
    t = ta_sign(&key_a, ta_header("kA"), ta_access("gina", 300, extra));
    CHECK(strlen(t) > 8192 && refused(t));
    free(t);

    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"alg\":\"none\"}",
                         ta_access("h", 300, NULL)));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"kid\":\"kA\"}",
                         ta_access("h", 300, NULL)));
    CHECK(signed_refused(ta_header("kA"), ta_access("h", 300, ",\"sub\":\"root\"")));
    CHECK(signed_refused(ta_header("kA"), ta_access("h", 300, ",\"exp\":99999999999")));
}

static void test_hostile_headers(void)
{
    const char *payload = ta_access("ivan", 300, NULL);
    CHECK(signed_refused("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", payload)); /* no kid */
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"\"}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":42}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"../kA\"}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\\\"\"}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\\n\"}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\\u0000\"}", payload));
    char h[512], longkid[200];
    memset(longkid, 'k', 129);
    longkid[129] = '\0';
    snprintf(h, sizeof h, "{\"alg\":\"RS256\",\"kid\":\"%s\"}", longkid);
    CHECK(signed_refused(h, payload));

    /* Each of these names a key source or an extension: refused even with a good
     * signature from a trusted key. */
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"jku\":\"https://evil/jwks\"}",
                         payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"x5u\":\"https://evil/c.pem\"}",
                         payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"jwk\":{\"kty\":\"RSA\"}}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"x5c\":[\"MII\"]}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"crit\":[\"exp\"]}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"typ\":\"at+jwt\"}", payload));
    CHECK(signed_refused("{\"alg\":\"RS256\",\"kid\":\"kA\",\"typ\":null}", payload));
    CHECK(signed_accepted("{\"alg\":\"RS256\",\"kid\":\"kA\",\"cty\":\"x\"}", payload));
}

static void test_time_claims(void)
{
    long now = (long)time(NULL);
    char p[2048];
    /* A genuine but expired token is told so (it can be refreshed). */
    CHECK(signed_refused_as(ta_header("kA"), ta_access("j", -10, NULL), EXPIRED));
    CHECK(signed_refused_as(ta_header("kA"), ta_access("j", 0, NULL), EXPIRED)); /* exp == now */
    /* The same claims under a signature that does not verify learn nothing. */
    {
        char *t = ta_sign(&key_a, ta_header("kA"), ta_access("j", -10, NULL));
        t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
        CHECK(refused(t));
        free(t);
    }
    snprintf(p, sizeof p,
             "{\"sub\":\"j\",\"iss\":\"" TA_ISSUER "\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\"}");
    CHECK(signed_refused(ta_header("kA"), p)); /* no exp */
    snprintf(p, sizeof p,
             "{\"sub\":\"j\",\"iss\":\"" TA_ISSUER "\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\",\"exp\":\"%ld\"}",
             now + 300);
    CHECK(signed_refused(ta_header("kA"), p)); /* exp as a string */
    snprintf(p, sizeof p, ",\"nbf\":%ld", now + 120);
    CHECK(signed_refused(ta_header("kA"), ta_access("j", 300, p)));
    snprintf(p, sizeof p, ",\"nbf\":%ld", now - 5);
    CHECK(signed_accepted(ta_header("kA"), ta_access("j", 300, p)));
    CHECK(signed_refused(ta_header("kA"), ta_access("j", 300, ",\"nbf\":\"soon\"")));

    /* iat is already in ta_access; build the future one by hand. */
    snprintf(p, sizeof p,
             "{\"sub\":\"j\",\"iss\":\"" TA_ISSUER "\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\",\"exp\":%ld,\"iat\":%ld}",
             now + 300, now + 120);
    CHECK(signed_refused(ta_header("kA"), p));
    snprintf(p, sizeof p,
             "{\"sub\":\"j\",\"iss\":\"" TA_ISSUER "\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\",\"exp\":%ld.5}",
             now + 300);
    CHECK(signed_accepted(ta_header("kA"), p)); /* NumericDate may be fractional */
}

static void test_identity_claims(void)
{
    const char *h = ta_header("kA");
    long exp = (long)time(NULL) + 300;
    char p[4096];
#define BASE "\"iss\":\"" TA_ISSUER "\",\"token_use\":\"access\",\"exp\":%ld"
    snprintf(p, sizeof p,
             "{\"sub\":\"k\",\"iss\":\"" TA_ISSUER "/\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\",\"exp\":%ld}",
             exp);
    CHECK(signed_refused(h, p)); /* iss must match exactly */
    snprintf(p, sizeof p,
             "{\"sub\":\"k\",\"iss\":\"https://evil\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\",\"exp\":%ld}",
             exp);
    CHECK(signed_refused(h, p));
    snprintf(p, sizeof p, "{\"sub\":\"k\",\"client_id\":\"client-1\"," BASE "}", exp);
    CHECK(signed_accepted(h, p));
    snprintf(p, sizeof p, "{\"sub\":\"k\",\"client_id\":\"client-2\"," BASE "}", exp);
    CHECK(signed_accepted(h, p));
    snprintf(p, sizeof p, "{\"sub\":\"k\",\"client_id\":\"client-3\"," BASE "}", exp);
    CHECK(signed_refused(h, p));
    snprintf(p, sizeof p, "{\"sub\":\"k\",\"aud\":\"client-1\"," BASE "}", exp);
    CHECK(signed_refused(h, p)); /* access token: client_id, not aud */
    snprintf(p, sizeof p,
             "{\"sub\":\"k\",\"client_id\":\"client-1\",\"iss\":\"" TA_ISSUER "\",\"exp\":%ld}",
             exp);
    CHECK(signed_refused(h, p)); /* no token_use */
    snprintf(p, sizeof p, "{\"client_id\":\"client-1\"," BASE "}", exp);
    CHECK(signed_refused(h, p)); /* no sub */
    snprintf(p, sizeof p, "{\"sub\":\"%063d\",\"client_id\":\"client-1\"," BASE "}", 7, exp);
    CHECK(signed_accepted(h, p));
    snprintf(p, sizeof p, "{\"sub\":\"%064d\",\"client_id\":\"client-1\"," BASE "}", 7, exp);
    CHECK(signed_refused(h, p));
    snprintf(p, sizeof p, "{\"sub\":7,\"client_id\":\"client-1\"," BASE "}", exp);
    CHECK(signed_refused(h, p));
#undef BASE
    CHECK(signed_refused(h, ta_access("k", 300, ",\"cognito:groups\":\"admin\"")));
    CHECK(signed_refused(h, ta_access("k", 300, ",\"cognito:groups\":[\"a\",1]")));
    CHECK(signed_refused(h, ta_access("k", 300, ",\"cognito:groups\":[\"\"]")));
    char g[4096] = ",\"cognito:groups\":[";
    for (int i = 0; i < 17; i++)
        strcat(g, i ? ",\"g\"" : "\"g\"");
    strcat(g, "]");
    CHECK(signed_refused(h, ta_access("k", 300, g))); /* 17 groups */
    snprintf(g, sizeof g, ",\"cognito:groups\":[\"%0128d\"]", 1);
    CHECK(signed_refused(h, ta_access("k", 300, g))); /* name of 128 bytes */
    snprintf(g, sizeof g, ",\"cognito:groups\":[\"%0127d\"]", 1);
    CHECK(signed_accepted(h, ta_access("k", 300, g)));
}

static const char *id_payload(const char *aud, const char *extra)
{
    static char p[2048];
    long now = (long)time(NULL);
    snprintf(p, sizeof p,
             "{\"sub\":\"idsub\",\"aud\":%s,\"iss\":\"" TA_ISSUER "\",\"token_use\":\"id\","
             "\"cognito:username\":\"idol\",\"email\":\"idol@example.com\","
             "\"email_verified\":true,\"auth_time\":%ld,\"exp\":%ld,\"iat\":%ld%s}",
             aud, now, now + 300, now, extra ? extra : "");
    return p;
}

static void test_id_tokens(void)
{
    /* The shared verifier accepts access tokens only, and says what was sent. */
    CHECK(signed_refused_as(ta_header("kA"), id_payload("\"client-1\"", NULL), ID_TOKEN));

    auth_config cfg = ta_config(server.url);
    cfg.accept_access_tokens = false;
    cfg.accept_id_tokens = true;
    char err[256];
    auth_verifier *saved = v;
    v = auth_verifier_new(&cfg, err, sizeof err);
    CHECK(v && ta_wait_keys(v, 5000));
    auth_principal p;
    char *t = ta_sign(&key_a, ta_header("kA"), id_payload("\"client-2\"", NULL));
    CHECK(accepted(t, &p));
    CHECK_STR(p.username, "idol");
    CHECK_STR(p.email, "idol@example.com");
    CHECK_STR(p.client_id, "client-2");
    free(t);
    CHECK(signed_refused(ta_header("kA"), id_payload("\"client-9\"", NULL)));
    CHECK(signed_refused(ta_header("kA"), id_payload("[\"client-1\"]", NULL)));
    CHECK(signed_refused_as(ta_header("kA"), ta_access("acc", 300, NULL), ACCESS_TOKEN));
    auth_verifier_free(v);
    v = saved;
}

static void test_cache(void)
{
    auth_stats before, after;
    auth_principal p;
    char *t = ta_sign(&key_a, ta_header("kA"), ta_access("cached", 300, ""));
    CHECK(accepted(t, &p));
    auth_stats_get(v, &before);
    CHECK(accepted(t, &p));
    CHECK(accepted(t, &p));
    auth_stats_get(v, &after);
    CHECK(after.cache_hits == before.cache_hits + 2);
    CHECK(after.verified == before.verified + 2);
    CHECK_STR(p.sub, "cached");
    CHECK_STR(p.username, "u-cached");
    free(t);

    /* Rejections are never cached: the same bad token is refused every time. */
    t = ta_sign(&key_a, ta_header("kA"), ta_access("late", -5, NULL));
    auth_stats_get(v, &before);
    CHECK(refused_as(t, EXPIRED));
    CHECK(refused_as(t, EXPIRED));
    auth_stats_get(v, &after);
    CHECK(after.cache_hits == before.cache_hits);
    CHECK(after.rejected == before.rejected + 2);
    free(t);

    /* A cached token is refused once it expires. */
    t = ta_sign(&key_a, ta_header("kA"),
                ta_access("shortlived", 2, ",\"cognito:groups\":[\"admin\"]"));
    CHECK(accepted(t, &p) && p.is_admin && p.ngroups == 1);
    CHECK(accepted(t, &p) && p.is_admin && strcmp(p.groups[0], "admin") == 0);
    sleep(3);
    CHECK(refused_as(t, EXPIRED));
    free(t);
}

static void test_config_errors(void)
{
    char err[256] = "";
    auth_config cfg = ta_config("http://127.0.0.1:9/jwks.json");
    cfg.allow_http_jwks = false;
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "https") != NULL);
    cfg = ta_config("ftp://example.com/jwks.json");
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL);
    cfg = ta_config(NULL); /* derived from the issuer (loopback: no network needed) */
    cfg.issuer = "https://127.0.0.1:9/pool";
    auth_verifier *d = auth_verifier_new(&cfg, err, sizeof err);
    CHECK(d && strcmp(d->s.jwks_url, "https://127.0.0.1:9/pool/.well-known/jwks.json") == 0);
    auth_verifier_free(d);
    cfg = ta_config(server.url);
    cfg.nclient_ids = 0;
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL);
    cfg = ta_config(server.url);
    cfg.accept_access_tokens = false;
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL);
    cfg = ta_config(server.url);
    cfg.issuer = NULL;
    CHECK(auth_verifier_new(&cfg, err, sizeof err) == NULL);
    auth_verifier_free(NULL);
}

int main(void)
{
    y_init_logs("test", Y_LOG_MODE_CALLBACK, Y_LOG_LEVEL_DEBUG, NULL, NULL);
    y_set_logs_callback(on_log, NULL, NULL);
    key_a = ta_key("kA", 2048);
    char *jwks = ta_jwks(&key_a, 1);
    jwks_server_init(&server, jwks);
    free(jwks);
    jwks_server_start(&server);
    auth_config cfg = ta_config(server.url);
    char err[256] = "";
    v = auth_verifier_new(&cfg, err, sizeof err);
    if (!v || !ta_wait_keys(v, 5000)) {
        fprintf(stderr, "verifier did not start: %s\n", err);
        return 1;
    }

    test_valid_access_token();
    test_authorization_header();
    test_algorithm_forgeries();
    test_tampering();
    test_encoding();
    test_size_and_duplicates();
    test_hostile_headers();
    test_time_claims();
    test_identity_claims();
    test_id_tokens();
    test_cache();
    test_config_errors();

    /* The reasons reached the log, the tokens did not. */
    char *t = ta_sign(&key_a, ta_header("kA"), ta_access("alice", 300, NULL));
    pthread_mutex_lock(&log_mu);
    CHECK(log_text && strstr(log_text, "alg is not RS256") != NULL);
    CHECK(strstr(log_text, "token expired") != NULL);
    CHECK(strstr(log_text, "eyJ") == NULL); /* every token starts with b64("{\"") */
    CHECK(strstr(log_text, strchr(t, '.') + 1) == NULL);
    if (getenv("AUTH_TEST_LOG")) /* to see why each token was refused */
        fputs(log_text, stderr);
    pthread_mutex_unlock(&log_mu);
    free(t);

    auth_verifier_free(v);
    jwks_server_close(&server);
    EVP_PKEY_free(key_a.pkey);
    y_close_logs();
    free(log_text);
    return check_done();
}
