/*
 * cognito_user.c — GetUser against the user pool's endpoint (Cognito, or cognito-local
 * in development and tests): POST {"AccessToken": …} with
 * X-Amz-Target: AWSCognitoIdentityProviderService.GetUser. The access token is the
 * credential, so no SigV4.
 *
 * The token is a bearer credential, so the transfer is fenced in like the JWKS fetch:
 * no redirects (a 307 would resend the body elsewhere), http only where configuration
 * allowed it, a total timeout (the caller's request waits for it), a 64 KiB cap on
 * the answer, and the token never appears in a log line or an error.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "storefront/cognito_user.h"

#define MAX_ANSWER_BYTES (64 * 1024)

typedef struct answer_buf {
    char data[MAX_ANSWER_BYTES + 1];
    size_t len;
    bool too_big;
} answer_buf;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static bool parse_answer(const char *body, size_t len, cognito_user *out);
static bool copy_value(char *dst, size_t cap, const char *v);
static void global_init(void);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

cognito_user_result cognito_get_user(const auth_config *cfg, const char *access_token,
                                     cognito_user *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    pthread_once(&curl_once, global_init);
    json_t *req = json_pack("{s:s}", "AccessToken", access_token);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    CURL *c = curl_easy_init();
    answer_buf *b = calloc(1, sizeof *b);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-amz-json-1.1");
    h = h ? curl_slist_append(h, "X-Amz-Target: AWSCognitoIdentityProviderService.GetUser") : NULL;
    cognito_user_result r = COGNITO_USER_UNAVAILABLE;
    if (!body || !c || !b || !h) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    bool http = strncasecmp(cfg->user_endpoint, "http://", 7) == 0;
    long ms = cfg->profile_timeout_ms;
    char cerr[CURL_ERROR_SIZE] = "";
    bool set = curl_easy_setopt(c, CURLOPT_URL, cfg->user_endpoint) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, http ? "http" : "https") == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_USERAGENT, "storefront-profiles/1") == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
               curl_easy_setopt(c, CURLOPT_WRITEDATA, b) == CURLE_OK;
    if (!set) {
        snprintf(why, whylen, "libcurl refused an option");
        goto out;
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (b->too_big) {
        snprintf(why, whylen, "GetUser answer larger than %d bytes", MAX_ANSWER_BYTES);
    } else if (rc != CURLE_OK) {
        snprintf(why, whylen, "GetUser failed: %s", cerr[0] ? cerr : curl_easy_strerror(rc));
    } else if (status >= 400 && status < 500) {
        /* Cognito's error type (NotAuthorizedException, UserNotFoundException) says why;
         * its message may quote input, so only the type is kept. */
        json_t *j = json_loadb(b->data, b->len, 0, NULL);
        const char *type = json_string_value(json_object_get(j, "__type"));
        snprintf(why, whylen, "GetUser answered HTTP %ld %.80s", status, type ? type : "");
        json_decref(j);
        r = COGNITO_USER_REFUSED;
    } else if (status != 200) {
        snprintf(why, whylen, "GetUser answered HTTP %ld", status);
    } else if (!parse_answer(b->data, b->len, out)) {
        snprintf(why, whylen, "GetUser answer is not the expected JSON");
    } else {
        r = COGNITO_USER_OK;
    }
out:
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    if (body) {
        /* The body holds the caller's token: leave nothing behind in freed memory. */
        memset(body, 0, strlen(body));
        free(body);
    }
    free(b);
    return r;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    answer_buf *b = userdata;
    size_t n = size * nmemb;
    if (n > MAX_ANSWER_BYTES - b->len) {
        b->too_big = true;
        return 0; /* short count aborts the transfer */
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* {"Username": …, "UserAttributes": [{"Name": "email", "Value": "…"}, …]}: only the
 * attributes the shop keeps are read; an attribute that is absent stays unset. */
static bool parse_answer(const char *body, size_t len, cognito_user *out)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *attrs = json_object_get(j, "UserAttributes");
    if (!json_is_array(attrs)) {
        json_decref(j);
        return false;
    }
    size_t i;
    json_t *at;
    json_array_foreach(attrs, i, at)
    {
        const char *name = json_string_value(json_object_get(at, "Name"));
        json_t *value = json_object_get(at, "Value");
        const char *v = json_string_value(value);
        /* A value with a NUL inside is not text the shop can store. */
        if (!name || !v || strlen(v) != json_string_length(value))
            continue;
        if (strcmp(name, "email") == 0) {
            out->has_email = copy_value(out->email, sizeof out->email, v);
        } else if (strcmp(name, "name") == 0) {
            out->has_name = copy_value(out->name, sizeof out->name, v);
        } else if (strcmp(name, "email_verified") == 0) {
            out->email_verified_known = strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
            out->email_verified = strcmp(v, "true") == 0;
        }
    }
    json_decref(j);
    return true;
}

/* Copies v when it fits; a value too long for the column is dropped, not cut. */
static bool copy_value(char *dst, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n >= cap)
        return false;
    memcpy(dst, v, n + 1);
    return true;
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
