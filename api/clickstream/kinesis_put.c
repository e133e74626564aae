/*
 * kinesis_put.c — one PutRecords request to Kinesis Data Streams (see kinesis.h).
 *
 * Signing is libcurl's CURLOPT_AWS_SIGV4 (libcurl 7.75+; Debian 12 ships 7.88 in its
 * GnuTLS flavour): it hashes the body, signs the request with the key pair and adds
 * the Authorization and X-Amz-Date headers. Temporary credentials travel as
 * X-Amz-Security-Token, which curl then signs with the other headers. The transfer is
 * fenced in like the JWKS fetch: bounded connect and total timeouts, a cap on the
 * answer, the stop flag checked by the progress callback, no signals (background
 * thread), TLS verification left at libcurl's secure defaults.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clickstream/kinesis.h"

#define CONNECT_TIMEOUT_MS 3000L
#define TOTAL_TIMEOUT_MS   15000L
#define MAX_ANSWER_BYTES   (1024 * 1024) /* 500 records' answers are ~60 KiB */

typedef struct answer {
    char *data;
    size_t len;
    bool too_big;
} answer;

static char *request_body(const kinesis_target *t, const kinesis_record *recs, size_t n);
static bool read_answer(const char *body, kinesis_record *recs, size_t n, char *err, size_t errlen);
static void error_of(const char *body, long status, char *err, size_t errlen);
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow);
static void global_init(void);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

kinesis_outcome kinesis_put_records(const kinesis_target *t, kinesis_record *recs, size_t n,
                                    char *err, size_t errlen)
{
    pthread_once(&curl_once, global_init);
    kinesis_outcome out = KINESIS_FAILED;
    answer a = {0};
    struct curl_slist *hdrs = NULL, *more;
    char *token_hdr = NULL;
    char *body = request_body(t, recs, n);
    CURL *c = curl_easy_init();
    if (!body || !c) {
        snprintf(err, errlen, "out of memory building the request");
        goto done;
    }
    char sigv4[96], cerr[CURL_ERROR_SIZE] = "";
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:kinesis", t->region);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/x-amz-json-1.1");
    hdrs = curl_slist_append(hdrs, "X-Amz-Target: Kinesis_20131202.PutRecords");
    if (t->session_token) {
        if (asprintf(&token_hdr, "X-Amz-Security-Token: %s", t->session_token) < 0)
            token_hdr = NULL;
        more = token_hdr ? curl_slist_append(hdrs, token_hdr) : NULL;
        if (!more) {
            snprintf(err, errlen, "out of memory building the request");
            goto done;
        }
        hdrs = more;
    }
    bool https = strncasecmp(t->endpoint, "https://", 8) == 0;
    bool set =
        hdrs && curl_easy_setopt(c, CURLOPT_URL, t->endpoint) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http") == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_USERNAME, t->access_key) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_PASSWORD, t->secret_key) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body)) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, TOTAL_TIMEOUT_MS) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_USERAGENT, "storefront-forwarder/1") == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &a) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)t->stop) == CURLE_OK;
    if (!set) {
        snprintf(err, errlen, "libcurl refused an option (AWS SigV4 needs libcurl 7.75+)");
        goto done;
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_ABORTED_BY_CALLBACK && t->stop && atomic_load(t->stop)) {
        out = KINESIS_ABORTED;
        snprintf(err, errlen, "stopped during the request");
    } else if (a.too_big) {
        snprintf(err, errlen, "PutRecords answer larger than %d bytes", MAX_ANSWER_BYTES);
    } else if (rc != CURLE_OK) {
        snprintf(err, errlen, "PutRecords: %s", cerr[0] ? cerr : curl_easy_strerror(rc));
    } else if (status != 200) {
        error_of(a.data, status, err, errlen);
    } else if (read_answer(a.data ? a.data : "", recs, n, err, errlen)) {
        out = KINESIS_SENT;
    }
done:
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    free(token_hdr);
    free(body);
    free(a.data);
    return out;
}

/* {"StreamName": ..., "Records": [{"Data": base64, "PartitionKey": ...}, ...]} */
static char *request_body(const kinesis_target *t, const kinesis_record *recs, size_t n)
{
    json_t *list = json_array();
    char *text = NULL;
    for (size_t i = 0; list && i < n; i++) {
        /* EVP_EncodeBlock writes 4 bytes per 3 (rounded up) plus a NUL, no newlines. */
        unsigned char *b64 = malloc(4 * ((recs[i].len + 2) / 3) + 1);
        if (!b64)
            goto out;
        EVP_EncodeBlock(b64, (const unsigned char *)recs[i].data, (int)recs[i].len);
        json_t *r = json_pack("{s:s, s:s}", "Data", (char *)b64, "PartitionKey", recs[i].part_key);
        free(b64);
        if (!r || json_array_append_new(list, r) != 0)
            goto out;
    }
    json_t *req = json_pack("{s:s, s:O}", "StreamName", t->stream, "Records", list);
    if (req)
        text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
out:
    json_decref(list);
    return text;
}

/* {"FailedRecordCount": n, "Records": [{"SequenceNumber", "ShardId"} or {"ErrorCode",
 * "ErrorMessage"}, ...]} in the order of the request's records. */
static bool read_answer(const char *body, kinesis_record *recs, size_t n, char *err, size_t errlen)
{
    json_t *doc = json_loads(body, 0, NULL);
    json_t *list = json_object_get(doc, "Records");
    if (!json_is_array(list) || json_array_size(list) != n) {
        snprintf(err, errlen, "PutRecords answered 200 without one result per record");
        json_decref(doc);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(list, i);
        const char *code = json_string_value(json_object_get(r, "ErrorCode"));
        const char *seq = json_string_value(json_object_get(r, "SequenceNumber"));
        recs[i].ok = !code && seq;
        recs[i].err[0] = '\0';
        if (!recs[i].ok) {
            const char *msg = json_string_value(json_object_get(r, "ErrorMessage"));
            snprintf(recs[i].err, sizeof recs[i].err, "%s: %s", code ? code : "NoSequenceNumber",
                     msg ? msg : "");
        }
    }
    json_decref(doc);
    return true;
}

/* Kinesis errors are {"__type": "ResourceNotFoundException", "message": "..."}. */
static void error_of(const char *body, long status, char *err, size_t errlen)
{
    json_t *doc = body ? json_loads(body, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(doc, "__type"));
    const char *msg = json_string_value(json_object_get(doc, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(doc, "Message"));
    snprintf(err, errlen, "PutRecords answered HTTP %ld%s%s%s%s", status, type ? " " : "",
             type ? type : "", msg ? ": " : "", msg ? msg : "");
    json_decref(doc);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    answer *a = userdata;
    size_t n = size * nmemb;
    if (n > MAX_ANSWER_BYTES - a->len) {
        a->too_big = true;
        return 0; /* aborts the transfer */
    }
    char *grown = realloc(a->data, a->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + a->len, ptr, n);
    a->data = grown;
    a->len += n;
    a->data[a->len] = '\0';
    return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const atomic_bool *stop = clientp;
    return stop && atomic_load(stop) ? 1 : 0; /* non-zero aborts: the server is stopping */
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
