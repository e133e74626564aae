/*
 * ses.c — the Amazon SES client (see mail.h): SESv2 SendEmail, one POST of a JSON body
 * to {SES_ENDPOINT}/v2/email/outbound-emails, signed by libcurl's own SigV4 signer
 * (CURLOPT_AWS_SIGV4 "aws:amz:<region>:ses"), as s3.c and the Kinesis forwarder sign
 * theirs, with the same credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN as X-Amz-Security-Token).
 *
 * The answer decides what happens to the outbox row: 2xx sent; 429 (throttled), 5xx
 * and no answer at all are worth retrying; any other 4xx (an unverified sender, a
 * malformed address, a suspended account) fails the same way next time, so the row is
 * marked failed and the reason logged.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/mail.h"

#define SES_CONNECT_TIMEOUT_MS 3000L
#define SES_TOTAL_TIMEOUT_MS   10000L
#define SES_ANSWER_MAX         4096

typedef struct answer {
    char body[SES_ANSWER_MAX];
    size_t len;
} answer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static void curl_init_once(void);
static void error_from_answer(const answer *ans, long status, ses_result *out);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

char *ses_request_body(arena *a, const ses_email *m)
{
    json_t *body = json_pack("{s:s, s:{s:[s]}, s:{s:{s:{s:s, s:s}, s:{s:{s:s, s:s}}}}}",
                             "FromEmailAddress", m->from, "Destination", "ToAddresses", m->to,
                             "Content", "Simple", "Subject", "Data", m->subject, "Charset", "UTF-8",
                             "Body", "Text", "Data", m->text, "Charset", "UTF-8");
    if (!body)
        return NULL;
    if (m->html) {
        json_t *b =
            json_object_get(json_object_get(json_object_get(body, "Content"), "Simple"), "Body");
        json_object_set_new(b, "Html",
                            json_pack("{s:s, s:s}", "Data", m->html, "Charset", "UTF-8"));
    }
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char *out = arena_strdup(a, s);
    free(s);
    return out;
}

ses_outcome ses_classify(long http_status)
{
    if (http_status >= 200 && http_status < 300)
        return SES_SENT;
    if (http_status == 0 || http_status == 429 || http_status >= 500)
        return SES_RETRY;
    /* 3xx (a redirect we do not follow: a misconfigured endpoint) counts as a refusal too:
     * it would never change by itself. */
    return SES_REJECTED;
}

void ses_send(const sf_config *cfg, const ses_email *m, ses_result *out)
{
    pthread_once(&curl_once, curl_init_once);
    memset(out, 0, sizeof *out);
    out->outcome = SES_RETRY;
    arena *a = arena_new(4096);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char *body = ses_request_body(a, m);
    if (!c || !body) {
        snprintf(out->error, sizeof out->error, "out of memory (or text that is not UTF-8)");
        /* Text that jansson refuses never becomes valid: do not retry it forever. */
        out->outcome = c ? SES_REJECTED : SES_RETRY;
        goto done;
    }
    char *url = arena_sprintf(a, "%s/v2/email/outbound-emails", cfg->ses_endpoint);
    char *sigv4 = arena_sprintf(a, "aws:amz:%s:ses", cfg->aws_region);
    hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (hdrs && cfg->aws_session_token) {
        struct curl_slist *more = curl_slist_append(
            hdrs, arena_sprintf(a, "X-Amz-Security-Token: %s", cfg->aws_session_token));
        if (more)
            hdrs = more;
    }
    bool https = strncmp(cfg->ses_endpoint, "https://", 8) == 0;
    answer ans = {.len = 0};
    char cerr[CURL_ERROR_SIZE] = "";
    bool ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERNAME, cfg->aws_access_key_id) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->aws_secret_key) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, SES_CONNECT_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SES_TOTAL_TIMEOUT_MS) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_USERAGENT, "storefront-mailer/1") == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
              curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans) == CURLE_OK;
    if (!ok) {
        snprintf(out->error, sizeof out->error,
                 "libcurl refused an option (AWS SigV4 needs libcurl 7.75+)");
        goto done;
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(out->error, sizeof out->error, "SES unreachable: %s",
                 cerr[0] ? cerr : curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->http_status);
    out->outcome = ses_classify(out->http_status);
    if (out->outcome != SES_SENT)
        error_from_answer(&ans, out->http_status, out);
done:
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    arena_free(a);
}

/* SES errors are JSON ({"message": "..."}; the type in x-amzn-ErrorType); keep the
 * message, or the start of whatever came, for last_error and the log. */
static void error_from_answer(const answer *ans, long status, ses_result *out)
{
    json_t *j = json_loadb(ans->body, ans->len, 0, NULL);
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(j, "Message"));
    if (msg)
        snprintf(out->error, sizeof out->error, "SES answered %ld: %s", status, msg);
    else
        snprintf(out->error, sizeof out->error, "SES answered %ld: %.200s", status, ans->body);
    json_decref(j);
}

/* Keeps the first SES_ANSWER_MAX-1 bytes of the answer (enough for an error message). */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    answer *ans = userdata;
    size_t n = size * nmemb;
    size_t room = sizeof ans->body - 1 - ans->len;
    size_t take = n < room ? n : room;
    memcpy(ans->body + ans->len, ptr, take);
    ans->len += take;
    ans->body[ans->len] = '\0';
    return n;
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
