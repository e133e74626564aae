/*
 * jwks_fetch.c — one bounded GET of the JWKS URL with libcurl.
 *
 * The JWKS decides which signatures are trusted, so the transfer is fenced in: https
 * only (http only when local development explicitly allows it), the same for any
 * redirect, a total timeout, a 64 KiB cap on the body, a 200 status required, and
 * TLS peer and host verification left at libcurl's secure defaults. CURLOPT_NOSIGNAL
 * because the fetch runs on worker and background threads.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth_internal.h"

typedef struct fetch_buf {
    char *data;
    size_t len;
    bool too_big;
} fetch_buf;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow);
static void global_init(void);
static bool set_options(CURL *c, const auth_settings *s, const atomic_bool *stop, fetch_buf *b);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

bool auth_jwks_url_ok(const char *url, bool allow_http, char *err, size_t errlen)
{
    size_t n = strlen(url);
    if (n == 0 || n > 2048) {
        snprintf(err, errlen, "the JWKS URL is empty or longer than 2048 bytes");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f) {
            snprintf(err, errlen, "the JWKS URL has a space or a non-ASCII character");
            return false;
        }
    }
    if (strncasecmp(url, "https://", 8) == 0 && n > 8)
        return true;
    if (strncasecmp(url, "http://", 7) == 0 && n > 7) {
        if (allow_http)
            return true;
        snprintf(err, errlen,
                 "the JWKS URL must be https:// (http:// is for local development only and "
                 "needs COGNITO_ALLOW_HTTP=1)");
        return false;
    }
    snprintf(err, errlen, "the JWKS URL must start with https://");
    return false;
}

char *auth_jwks_fetch(const auth_settings *s, const atomic_bool *stop, size_t *n, char *err,
                      size_t errlen)
{
    pthread_once(&curl_once, global_init);
    fetch_buf b = {0};
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "curl_easy_init failed");
        return NULL;
    }
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    if (!set_options(c, s, stop, &b)) {
        snprintf(err, errlen, "libcurl refused an option (no https support?)");
        goto fail;
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (b.too_big) {
        snprintf(err, errlen, "JWKS response larger than %d bytes", AUTH_MAX_JWKS_BYTES);
        goto fail;
    }
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "JWKS fetch failed: %s", cerr[0] ? cerr : curl_easy_strerror(rc));
        goto fail;
    }
    if (status != 200) {
        snprintf(err, errlen, "JWKS fetch answered HTTP %ld", status);
        goto fail;
    }
    curl_easy_cleanup(c);
    *n = b.len;
    if (!b.data) /* empty 200 body: still a string, the parser rejects it */
        b.data = calloc(1, 1);
    return b.data;
fail:
    curl_easy_cleanup(c);
    free(b.data);
    return NULL;
}

static bool set_options(CURL *c, const auth_settings *s, const atomic_bool *stop, fetch_buf *b)
{
    /* Redirects stay on https; an http:// URL (development) may move to either. */
    bool http = strncasecmp(s->jwks_url, "http://", 7) == 0;
    const char *protocols = http ? "http,https" : "https";
    return curl_easy_setopt(c, CURLOPT_URL, s->jwks_url) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->jwks_timeout_ms) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)s->jwks_timeout_ms) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)AUTH_MAX_JWKS_BYTES) ==
               CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_USERAGENT, "storefront-auth/1") == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_WRITEDATA, b) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop) == CURLE_OK;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    fetch_buf *b = userdata;
    size_t n = size * nmemb;
    /* MAXFILESIZE only works when the server sends a Content-Length; this is the cap
     * for chunked or lying responses. Returning short aborts the transfer. */
    if (n > AUTH_MAX_JWKS_BYTES - b->len) {
        b->too_big = true;
        return 0;
    }
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const atomic_bool *stop = clientp;
    return stop && atomic_load(stop) ? 1 : 0; /* non-zero aborts: the verifier is closing */
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
