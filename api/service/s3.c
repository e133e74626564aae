/*
 * s3.c — presigned S3 URLs and HEAD Object for product images (see s3.h).
 *
 * Presigning is AWS Signature Version 4 in its query-string form ("Authenticating
 * Requests: Using Query Parameters" in the S3 API reference): a canonical request
 * (method, URI, sorted query without the signature, the signed headers, the literal
 * UNSIGNED-PAYLOAD, since the body is not known yet), its SHA-256 in a string to sign
 * with the date and scope, and an HMAC-SHA256 chain from the secret key over date,
 * region, "s3" and "aws4_request". Signing content-type and content-length as headers
 * makes S3 refuse a PUT of another type or size with SignatureDoesNotMatch, so the URL
 * is good for exactly the file staff announced. tests/unit/test_s3.c checks the signer
 * against the example values AWS documents.
 *
 * HEAD uses libcurl's own SigV4 signer (CURLOPT_AWS_SIGV4), as kinesis_put.c does; for
 * the "s3" service curl also sends x-amz-content-sha256, which S3 requires.
 */
#include "storefront/s3.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yder.h>

#define HEAD_CONNECT_TIMEOUT_MS 3000L
#define HEAD_TOTAL_TIMEOUT_MS   10000L
#define EMPTY_SHA256            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct head_state {
    char content_type[128];
} head_state;

static char *uri_encode(arena *a, const char *s, bool keep_slash);
static void hex(const unsigned char *in, size_t n, char *out);
static void sha256_hex(const char *s, char out[65]);
static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32]);
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata);
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static void curl_init_once(void);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

char *s3_presign_url(arena *a, const s3_presign_req *r)
{
    if (!r->method || !r->endpoint || !r->key || !r->region || !r->access_key || !r->secret_key ||
        r->expires_s < 1 || r->expires_s > 604800)
        return NULL;
    const char *host = strstr(r->endpoint, "://");
    if (!host || !host[3])
        return NULL;
    host += 3;

    struct tm tm;
    if (!gmtime_r(&r->now, &tm))
        return NULL;
    char date[9], amz_date[17];
    strftime(date, sizeof date, "%Y%m%d", &tm);
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);

    /* The canonical URI is the path as sent: each key segment encoded, '/' kept. */
    const char *path = r->bucket ? arena_sprintf(a, "/%s/%s", uri_encode(a, r->bucket, false),
                                                 uri_encode(a, r->key, true))
                                 : arena_sprintf(a, "/%s", uri_encode(a, r->key, true));

    /* Signed headers, in the sorted order SigV4 wants: content-length, content-type,
     * host. The canonical header block ends every line with \n. */
    char *signed_headers =
        arena_sprintf(a, "%s%shost", r->content_length >= 0 ? "content-length;" : "",
                      r->content_type ? "content-type;" : "");
    char *canon_headers = arena_sprintf(
        a, "%s%s%s%s%shost:%s\n", r->content_length >= 0 ? "content-length:" : "",
        r->content_length >= 0 ? arena_sprintf(a, "%" PRId64 "\n", r->content_length) : "",
        r->content_type ? "content-type:" : "", r->content_type ? r->content_type : "",
        r->content_type ? "\n" : "", host);

    /* The query without the signature, sorted by name (these names sort as written). */
    char *credential = arena_sprintf(a, "%s/%s/%s/s3/aws4_request", r->access_key, date, r->region);
    char *query = arena_sprintf(
        a,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s&X-Amz-Expires=%d%s%s"
        "&X-Amz-SignedHeaders=%s",
        uri_encode(a, credential, false), amz_date, r->expires_s,
        r->session_token ? "&X-Amz-Security-Token=" : "",
        r->session_token ? uri_encode(a, r->session_token, false) : "",
        uri_encode(a, signed_headers, false));

    char *canonical = arena_sprintf(a, "%s\n%s\n%s\n%s\n%s\nUNSIGNED-PAYLOAD", r->method, path,
                                    query, canon_headers, signed_headers);
    char canonical_hash[65];
    sha256_hex(canonical, canonical_hash);
    char *to_sign = arena_sprintf(a, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date,
                                  date, r->region, canonical_hash);

    unsigned char k[32];
    char *k_secret = arena_sprintf(a, "AWS4%s", r->secret_key);
    hmac(k_secret, strlen(k_secret), date, k);
    OPENSSL_cleanse(k_secret, strlen(k_secret));
    hmac(k, sizeof k, r->region, k);
    hmac(k, sizeof k, "s3", k);
    hmac(k, sizeof k, "aws4_request", k);
    unsigned char sig[32];
    hmac(k, sizeof k, to_sign, sig);
    OPENSSL_cleanse(k, sizeof k);
    char sig_hex[65];
    hex(sig, sizeof sig, sig_hex);
    return arena_sprintf(a, "%s%s?%s&X-Amz-Signature=%s", r->endpoint, path, query, sig_hex);
}

sf_status s3_head_object(const sf_config *cfg, const char *key, s3_object_info *out, sf_error *e)
{
    pthread_once(&curl_once, curl_init_once);
    memset(out, 0, sizeof *out);
    out->size = -1;
    arena *a = arena_new(1024);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    sf_status s = SF_UNAVAILABLE;
    if (!a || !c) {
        sf_fail(e, SF_INTERNAL, NULL, "Out of memory.");
        s = SF_INTERNAL;
        goto done;
    }
    char *url = arena_sprintf(a, "%s/%s/%s", cfg->s3_endpoint, uri_encode(a, cfg->s3_bucket, false),
                              uri_encode(a, key, true));
    char *sigv4 = arena_sprintf(a, "aws:amz:%s:s3", cfg->aws_region);
    /* S3 wants the payload hash as x-amz-content-sha256 on header-signed requests;
     * libcurl 7.88 signs with the value given here (HEAD: the hash of no body). */
    hdrs = curl_slist_append(NULL, "x-amz-content-sha256: " EMPTY_SHA256);
    if (hdrs && cfg->aws_session_token &&
        !curl_slist_append(hdrs,
                           arena_sprintf(a, "X-Amz-Security-Token: %s", cfg->aws_session_token))) {
        curl_slist_free_all(hdrs);
        hdrs = NULL;
    }
    if (!hdrs) {
        sf_fail(e, SF_INTERNAL, NULL, "Out of memory.");
        s = SF_INTERNAL;
        goto done;
    }
    bool https = strncmp(cfg->s3_endpoint, "https://", 8) == 0;
    head_state st = {{0}};
    char cerr[CURL_ERROR_SIZE] = "";
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOBODY, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERNAME, cfg->aws_access_key_id) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->aws_secret_key) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, HEAD_CONNECT_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, HEAD_TOTAL_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, "storefront-images/1") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HEADERDATA, &st) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
    if (!ok) {
        sf_fail(e, SF_INTERNAL, NULL, "libcurl refused an option (AWS SigV4 needs libcurl 7.75+).");
        s = SF_INTERNAL;
        goto done;
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        y_log_message(Y_LOG_LEVEL_ERROR, "S3 HEAD %s: %s", key,
                      cerr[0] ? cerr : curl_easy_strerror(rc));
        sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                "The image store (S3) could not be reached; try again shortly.");
        goto done;
    }
    if (status == 404) {
        s = SF_OK;
        goto done;
    }
    if (status != 200) {
        y_log_message(Y_LOG_LEVEL_ERROR, "S3 HEAD %s answered %ld", key, status);
        sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                "The image store (S3) answered %ld to a HEAD of the upload; try again shortly "
                "(403: check the server's S3 credentials and permissions).",
                status);
        goto done;
    }
    curl_off_t len = -1;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK && len >= 0)
        out->size = (int64_t)len;
    out->exists = true;
    memcpy(out->content_type, st.content_type, sizeof out->content_type);
    s = SF_OK;
done:
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    arena_free(a);
    return s;
}

/* RFC 3986 percent-encoding as SigV4 wants it: unreserved characters as they are,
 * everything else %XX in upper case; '/' kept when encoding a key path. */
static char *uri_encode(arena *a, const char *s, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = arena_alloc(a, n * 3 + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = digits[ch >> 4];
            *p++ = digits[ch & 15];
        }
    }
    *p = '\0';
    return out;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
    hex(md, sizeof md, out);
}

/* HMAC-SHA256; out may alias key (the result is copied after the computation). */
static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
    unsigned char md[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), md, &n);
    memcpy(out, md, sizeof md);
    OPENSSL_cleanse(md, sizeof md);
}

/* Keeps the Content-Type header's value (without parameters' surrounding spaces). */
static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    head_state *st = userdata;
    size_t n = size * nitems;
    static const char name[] = "content-type:";
    if (n > sizeof name - 1 && strncasecmp(buf, name, sizeof name - 1) == 0) {
        const char *v = buf + sizeof name - 1;
        size_t vn = n - (sizeof name - 1);
        while (vn && (*v == ' ' || *v == '\t'))
            v++, vn--;
        while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
            vn--;
        if (vn >= sizeof st->content_type)
            vn = sizeof st->content_type - 1;
        memcpy(st->content_type, v, vn);
        st->content_type[vn] = '\0';
    }
    return n;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    return size * nmemb; /* HEAD has none; an error body is not needed */
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
