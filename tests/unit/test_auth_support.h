/*
 * test_auth_support.h — what the auth tests share: RSA test keys and their JWKs, token
 * signing (honest RS256 and the forgeries: RS512, HS256 keyed with the public PEM), and
 * a tiny JWKS server on 127.0.0.1 so the real libcurl fetch path runs in unit tests.
 *
 * The server binds its port at init but only listens at start: until then a connection
 * is refused, which is how "the JWKS is unreachable" looks to libcurl.
 */
#ifndef STOREFRONT_TEST_AUTH_SUPPORT_H
#define STOREFRONT_TEST_AUTH_SUPPORT_H

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "storefront/auth.h"
#include "storefront/text.h"

#define TA_ISSUER "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test"

typedef struct tkey {
    EVP_PKEY *pkey;
    char kid[64];
} tkey;

static inline void ta_die(const char *what)
{
    fprintf(stderr, "test setup failed: %s\n", what);
    exit(2);
}

static inline tkey ta_key(const char *kid, unsigned bits)
{
    tkey k = {0};
    k.pkey = EVP_RSA_gen(bits);
    if (!k.pkey)
        ta_die("EVP_RSA_gen");
    snprintf(k.kid, sizeof k.kid, "%s", kid);
    return k;
}

static inline char *ta_b64(const void *data, size_t n)
{
    char *out = malloc(n / 3 * 4 + 8);
    base64url_encode(data, n, out);
    return out;
}

static inline char *ta_bn_b64(EVP_PKEY *pkey, const char *param)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
        ta_die("EVP_PKEY_get_bn_param");
    unsigned char buf[1024];
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return ta_b64(buf, (size_t)n);
}

/* The key as a JWK object; `extra` is spliced in (e.g. ",\"use\":\"enc\"") or NULL. */
static inline json_t *ta_jwk(const tkey *k, const char *extra)
{
    char *n = ta_bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_N);
    char *e = ta_bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_E);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"%s\","
             "\"e\":\"%s\"%s}",
             k->kid, n, e, extra ? extra : "");
    free(n);
    free(e);
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        ta_die("jwk json");
    return j;
}

/* {"keys":[...]} of the given keys, as a malloc'ed string. */
static inline char *ta_jwks(const tkey *keys, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, ta_jwk(&keys[i], NULL));
    json_t *doc = json_pack("{s:o}", "keys", arr);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}

/* "b64(header).b64(payload)" + "." + b64(sig), malloc'ed. */
static inline char *ta_join(const char *header, const char *payload, const unsigned char *sig,
                            size_t siglen, char **signing_input)
{
    char *h = ta_b64(header, strlen(header)), *p = ta_b64(payload, strlen(payload));
    size_t n = strlen(h) + strlen(p) + 2;
    char *in = malloc(n);
    snprintf(in, n, "%s.%s", h, p);
    free(h);
    free(p);
    if (signing_input) {
        *signing_input = in;
        return NULL;
    }
    char *s = ta_b64(sig, siglen);
    char *tok = malloc(strlen(in) + strlen(s) + 2);
    sprintf(tok, "%s.%s", in, s);
    free(in);
    free(s);
    return tok;
}

/* header.payload signed with PKCS#1 v1.5 over the digest `md` ("SHA256" = honest RS256). */
static inline char *ta_sign_md(EVP_PKEY *pkey, const char *md, const char *header,
                               const char *payload)
{
    char *in;
    ta_join(header, payload, NULL, 0, &in);
    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, pkey, NULL) != 1 ||
        EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)in, strlen(in)) != 1)
        ta_die("EVP_DigestSign");
    EVP_MD_CTX_free(ctx);
    char *s = ta_b64(sig, siglen);
    char *tok = malloc(strlen(in) + strlen(s) + 2);
    sprintf(tok, "%s.%s", in, s);
    free(in);
    free(s);
    return tok;
}

static inline char *ta_sign(const tkey *k, const char *header, const char *payload)
{
    return ta_sign_md(k->pkey, "SHA256", header, payload);
}

/* The classic forgery: HS256 keyed with the verifier's public key in PEM form. */
static inline char *ta_sign_hs256_pem(const tkey *k, const char *header, const char *payload)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, k->pkey);
    char *pem;
    long pemlen = BIO_get_mem_data(bio, &pem);
    char *in;
    ta_join(header, payload, NULL, 0, &in);
    unsigned char mac[32];
    unsigned maclen = sizeof mac;
    HMAC(EVP_sha256(), pem, (int)pemlen, (unsigned char *)in, strlen(in), mac, &maclen);
    BIO_free(bio);
    char *s = ta_b64(mac, maclen);
    char *tok = malloc(strlen(in) + strlen(s) + 2);
    sprintf(tok, "%s.%s", in, s);
    free(in);
    free(s);
    return tok;
}

/* The usual RS256 header for kid. */
static inline const char *ta_header(const char *kid)
{
    static _Thread_local char h[256];
    snprintf(h, sizeof h, "{\"alg\":\"RS256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", kid);
    return h;
}

/* A valid Cognito access token payload for client-1, expiring in exp_in seconds;
 * `extra` is spliced in before the closing brace (e.g. ",\"cognito:groups\":[]"). */
static inline const char *ta_access(const char *sub, long exp_in, const char *extra)
{
    static _Thread_local char p[16384];
    long now = (long)time(NULL);
    snprintf(p, sizeof p,
             "{\"sub\":\"%s\",\"iss\":\"" TA_ISSUER "\",\"client_id\":\"client-1\","
             "\"token_use\":\"access\",\"scope\":\"aws.cognito.signin.user.admin\","
             "\"auth_time\":%ld,\"exp\":%ld,\"iat\":%ld,\"jti\":\"j-%s\",\"username\":\"u-%s\"%s}",
             sub, now, now + exp_in, now, sub, sub, extra ? extra : "");
    return p;
}

/* ---- the JWKS server ---- */

typedef struct jwks_server {
    int fd, port;
    pthread_t th;
    bool running;
    atomic_bool stop;
    atomic_int requests;
    pthread_mutex_t mu;
    char *body;        /* guarded by mu */
    int status;        /* guarded by mu */
    char headers[256]; /* extra response header lines, guarded by mu */
    char url[64];
} jwks_server;

static inline void jwks_server_set(jwks_server *s, const char *body, int status)
{
    pthread_mutex_lock(&s->mu);
    free(s->body);
    s->body = strdup(body);
    s->status = status;
    pthread_mutex_unlock(&s->mu);
}

/* Extra header lines for every answer, each ending in \r\n ("" for none). */
static inline void jwks_server_headers(jwks_server *s, const char *lines)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->headers, sizeof s->headers, "%s", lines);
    pthread_mutex_unlock(&s->mu);
}

/* Binds 127.0.0.1:<free port> without listening yet (connections are refused). */
static inline void jwks_server_init(jwks_server *s, const char *body)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    jwks_server_set(s, body, 200);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0)
        ta_die("bind 127.0.0.1");
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d/jwks.json", s->port);
}

static inline void jwks_server_answer(jwks_server *s, int c)
{
    char req[4096];
    size_t n = 0;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (n < sizeof req - 1) {
        ssize_t r = read(c, req + n, sizeof req - 1 - n);
        if (r <= 0)
            return;
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    atomic_fetch_add(&s->requests, 1);
    pthread_mutex_lock(&s->mu);
    char *body = strdup(s->body);
    int status = s->status;
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "%sConnection: close\r\n\r\n",
                      status, strlen(body), s->headers);
    pthread_mutex_unlock(&s->mu);
    if (write(c, head, (size_t)hl) < 0 || write(c, body, strlen(body)) < 0)
        fprintf(stderr, "jwks server: write failed\n");
    free(body);
}

static inline void *jwks_server_main(void *arg)
{
    jwks_server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        jwks_server_answer(s, c);
        close(c);
    }
    return NULL;
}

static inline void jwks_server_start(jwks_server *s)
{
    if (listen(s->fd, 64) != 0 || pthread_create(&s->th, NULL, jwks_server_main, s) != 0)
        ta_die("listen");
    s->running = true;
}

static inline void jwks_server_close(jwks_server *s)
{
    atomic_store(&s->stop, true);
    if (s->running)
        pthread_join(s->th, NULL);
    close(s->fd);
    free(s->body);
    pthread_mutex_destroy(&s->mu);
}

/* A config for the test issuer and client-1/client-2 reading the JWKS from url. */
static inline auth_config ta_config(const char *url)
{
    auth_config c = {.issuer = TA_ISSUER,
                     .jwks_url = url,
                     .client_ids = {"client-1", "client-2"},
                     .nclient_ids = 2,
                     .accept_access_tokens = true,
                     .allow_http_jwks = true,
                     .admin_group = "admin",
                     .token_cache_size = 1000,
                     .jwks_timeout_ms = 2000};
    return c;
}

/* Waits up to ms for the verifier to hold a non-empty key set; true when it does. */
static inline bool ta_wait_keys(auth_verifier *v, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        auth_stats st;
        auth_stats_get(v, &st);
        if (st.keys > 0)
            return true;
        usleep(10000);
    }
    return false;
}

/* auth_verify on "Bearer <tok>". */
static inline sf_status ta_verify(auth_verifier *v, const char *tok, auth_principal *p, sf_error *e)
{
    size_t n = strlen(tok) + 8;
    char *h = malloc(n);
    snprintf(h, n, "Bearer %s", tok);
    sf_status st = auth_verify(v, h, p, e);
    free(h);
    return st;
}

#endif
