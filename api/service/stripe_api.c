/*
 * stripe_api.c — Stripe's REST API over libcurl (see stripe_api.h).
 *
 * One blocking request per call, bounded by STRIPE_TIMEOUT_MS (connect included), no
 * redirects, https only unless the configured base is http (STRIPE_ALLOW_HTTP=1, the
 * local stand-in). Stripe answers JSON for success and error alike; the error's
 * `error.type` and `error.message` become the detail of a 409, never the key.
 */
#include "service/stripe_api.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <yder.h>

#define STRIPE_MAX_RESPONSE       (256 * 1024) /* a PaymentIntent is a few KiB */
#define STRIPE_CONNECT_TIMEOUT_MS 5000L
#define STRIPE_LIST_PAGES         20 /* 100 refunds a page: far more than one charge has */

typedef struct body_buf {
    arena *a;
    char *data;
    size_t len, cap;
    bool too_big;
} body_buf;

static sf_status call(const sf_config *cfg, arena *a, const char *method, const char *path,
                      const char *form, const char *idempotency_key, stripe_object *out,
                      json_t **raw, sf_error *e);
static sf_status decode(arena *a, long status, const char *path, const body_buf *b,
                        stripe_object *out, json_t **raw, sf_error *e);
static const char *str_of(arena *a, json_t *o, const char *key);
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static void curl_init_once(void);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

sf_status stripe_payment_intent_create(const sf_config *cfg, arena *a, const char *idempotency_key,
                                       int64_t amount, const char *currency,
                                       const char *order_number, stripe_object *out, sf_error *e)
{
    char cur[4] = "";
    for (int i = 0; i < 3 && currency && currency[i]; i++)
        cur[i] = (char)(currency[i] >= 'A' && currency[i] <= 'Z' ? currency[i] + 32 : currency[i]);
    /* automatic_payment_methods: Stripe.js offers whatever the account enables (cards
     * at least); the SPA confirms with the client secret. */
    char *form = arena_sprintf(a,
                               "amount=%" PRId64 "&currency=%s"
                               "&automatic_payment_methods%%5Benabled%%5D=true"
                               "&metadata%%5Border_number%%5D=%s"
                               "&description=%s",
                               amount, cur, stripe_form_encode(a, order_number),
                               stripe_form_encode(a, arena_sprintf(a, "Order %s", order_number)));
    return call(cfg, a, "POST", "/v1/payment_intents", form, idempotency_key, out, NULL, e);
}

sf_status stripe_payment_intent_get(const sf_config *cfg, arena *a, const char *id,
                                    stripe_object *out, sf_error *e)
{
    return call(cfg, a, "GET",
                arena_sprintf(a, "/v1/payment_intents/%s", stripe_form_encode(a, id)), NULL, NULL,
                out, NULL, e);
}

sf_status stripe_payment_intent_cancel(const sf_config *cfg, arena *a, const char *idempotency_key,
                                       const char *id, stripe_object *out, sf_error *e)
{
    /* An empty form, not NULL: call() sends a POST only when there is a body. */
    return call(cfg, a, "POST",
                arena_sprintf(a, "/v1/payment_intents/%s/cancel", stripe_form_encode(a, id)), "",
                idempotency_key, out, NULL, e);
}

sf_status stripe_refund_create(const sf_config *cfg, arena *a, const char *idempotency_key,
                               const char *payment_intent, int64_t amount, const char *note,
                               const char *order_number, int64_t refund_id, stripe_object *out,
                               sf_error *e)
{
    char *form =
        arena_sprintf(a,
                      "payment_intent=%s&amount=%" PRId64
                      "&metadata%%5Border_number%%5D=%s&metadata%%5Brefund_id%%5D=%" PRId64,
                      stripe_form_encode(a, payment_intent), amount,
                      stripe_form_encode(a, order_number), refund_id);
    if (note && *note) {
        /* Stripe's `reason` is an enum; anything else staff wrote travels as metadata
         * (a metadata value holds up to 500 characters, as our reason column). */
        if (!strcmp(note, "duplicate") || !strcmp(note, "fraudulent") ||
            !strcmp(note, "requested_by_customer"))
            form = arena_sprintf(a, "%s&reason=%s", form, note);
        form = arena_sprintf(a, "%s&metadata%%5Bnote%%5D=%s", form, stripe_form_encode(a, note));
    }
    return call(cfg, a, "POST", "/v1/refunds", form, idempotency_key, out, NULL, e);
}

sf_status stripe_refund_list(const sf_config *cfg, arena *a, const char *payment_intent,
                             json_t **refunds, sf_error *e)
{
    *refunds = json_array();
    if (!*refunds)
        return sf_fail(e, SF_INTERNAL, "internal-error", "Out of memory.");
    const char *after = NULL;
    for (int page = 0; page < STRIPE_LIST_PAGES; page++) {
        const char *path = arena_sprintf(
            a, "/v1/refunds?payment_intent=%s&limit=100%s%s", stripe_form_encode(a, payment_intent),
            after ? "&starting_after=" : "", after ? stripe_form_encode(a, after) : "");
        stripe_object unused;
        json_t *list = NULL;
        sf_status s = call(cfg, a, "GET", path, NULL, NULL, &unused, &list, e);
        if (s != SF_OK) {
            json_decref(*refunds);
            *refunds = NULL;
            return s;
        }
        json_t *data = json_object_get(list, "data");
        json_array_extend(*refunds, data);
        size_t n = json_array_size(data);
        json_t *last = json_object_get(json_array_get(data, n ? n - 1 : 0), "id");
        after = n && json_is_string(last) ? arena_strdup(a, json_string_value(last)) : NULL;
        bool more = json_is_true(json_object_get(list, "has_more"));
        json_decref(list);
        if (!more || !after)
            return SF_OK;
    }
    y_log_message(Y_LOG_LEVEL_WARNING, "stripe: %s has more than %d refunds: the rest are skipped",
                  payment_intent, STRIPE_LIST_PAGES * 100);
    return SF_OK;
}

char *stripe_form_encode(arena *a, const char *s)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t n = s ? strlen(s) : 0;
    char *out = arena_alloc(a, 3 * n + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hexd[ch >> 4];
            *p++ = hexd[ch & 15];
        }
    }
    *p = '\0';
    return out;
}

/* One request; the status and body decide the outcome (decode). */
static sf_status call(const sf_config *cfg, arena *a, const char *method, const char *path,
                      const char *form, const char *idempotency_key, stripe_object *out,
                      json_t **raw, sf_error *e)
{
    memset(out, 0, sizeof *out);
    if (!cfg->stripe_api_key)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "Card payments are not configured.");
    pthread_once(&curl_once, curl_init_once);
    char *url = arena_sprintf(a, "%.*s%s", cfg->stripe_api_base_len, cfg->stripe_api_base, path);
    bool https = strncmp(url, "https://", 8) == 0;
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    /* The key goes only into this header list, which is freed below; never logged. */
    const char *lines[] = {
        arena_sprintf(a, "Authorization: Bearer %s", cfg->stripe_api_key),
        "Stripe-Version: " STRIPE_API_VERSION,
        "Accept: application/json",
        form ? "Content-Type: application/x-www-form-urlencoded" : NULL,
        idempotency_key ? arena_sprintf(a, "Idempotency-Key: %s", idempotency_key) : NULL,
        "Expect:", /* no 100-continue round trip */
    };
    bool ok = c != NULL;
    for (size_t i = 0; ok && i < sizeof lines / sizeof lines[0]; i++) {
        if (!lines[i])
            continue;
        struct curl_slist *n = curl_slist_append(h, lines[i]);
        ok = n != NULL;
        if (ok)
            h = n;
    }
    body_buf b = {.a = a};
    char cerr[CURL_ERROR_SIZE] = "";
    ok = ok && curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                          (long)cfg->stripe_timeout_ms < STRIPE_CONNECT_TIMEOUT_MS
                              ? (long)cfg->stripe_timeout_ms
                              : STRIPE_CONNECT_TIMEOUT_MS) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->stripe_timeout_ms) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_USERAGENT, "storefront-payments/1") == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_WRITEDATA, &b) == CURLE_OK;
    if (ok && form)
        ok = curl_easy_setopt(c, CURLOPT_POSTFIELDS, form) == CURLE_OK;
    sf_status s;
    if (!ok) {
        s = sf_fail(e, SF_INTERNAL, "internal-error", "Could not prepare the call to Stripe.");
    } else {
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || b.too_big) {
            y_log_message(Y_LOG_LEVEL_WARNING, "stripe %s %s: %s", method, path,
                          b.too_big ? "response too large"
                          : cerr[0] ? cerr
                                    : curl_easy_strerror(rc));
            s = sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                        "The payment provider could not be reached; try again shortly.");
        } else {
            s = decode(a, status, path, &b, out, raw, e);
        }
    }
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    return s;
}

static sf_status decode(arena *a, long status, const char *path, const body_buf *b,
                        stripe_object *out, json_t **raw, sf_error *e)
{
    json_t *root = b->data ? json_loadb(b->data, b->len, 0, NULL) : NULL;
    sf_status s = SF_OK;
    /* 409: a request under the same Idempotency-Key is still running; what it does is
     * not known yet, so the same as no answer. */
    if (status == 409 || status == 429 || status >= 500 || status < 200) {
        y_log_message(Y_LOG_LEVEL_WARNING, "stripe %s: HTTP %ld", path, status);
        s = sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                    "The payment provider is unavailable; try again shortly.");
    } else if (status == 401 || status == 403) {
        y_log_message(Y_LOG_LEVEL_ERROR,
                      "stripe %s: HTTP %ld: STRIPE_API_KEY is wrong or lacks permission", path,
                      status);
        s = sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                    "Card payments are misconfigured; try again later.");
    } else if (status >= 300) {
        json_t *err = json_object_get(root, "error");
        const char *type = json_string_value(json_object_get(err, "type"));
        const char *msg = json_string_value(json_object_get(err, "message"));
        y_log_message(Y_LOG_LEVEL_WARNING, "stripe %s: HTTP %ld %s", path, status,
                      type ? type : "(no error type)");
        s = sf_fail(e, SF_CONFLICT, "conflict", "The payment provider refused: %s: %.180s",
                    type ? type : "error", msg ? msg : "no message");
    } else if (raw) {
        /* A list: {"object": "list", "data": [...], "has_more": bool}. */
        if (!json_is_object(root) || !json_is_array(json_object_get(root, "data")) ||
            !json_is_boolean(json_object_get(root, "has_more"))) {
            y_log_message(Y_LOG_LEVEL_WARNING, "stripe %s: HTTP %ld without a list", path, status);
            s = sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                        "The payment provider answered unexpectedly; try again shortly.");
        } else {
            *raw = json_incref(root);
        }
    } else if (!json_is_object(root) || !json_is_string(json_object_get(root, "id"))) {
        y_log_message(Y_LOG_LEVEL_WARNING, "stripe %s: HTTP %ld without an object", path, status);
        s = sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                    "The payment provider answered unexpectedly; try again shortly.");
    } else {
        out->id = str_of(a, root, "id");
        out->status = str_of(a, root, "status");
        out->client_secret = str_of(a, root, "client_secret");
        out->payment_intent = str_of(a, root, "payment_intent");
        out->currency = str_of(a, root, "currency");
        out->failure_reason = str_of(a, root, "failure_reason");
        json_t *amount = json_object_get(root, "amount");
        out->amount = json_is_integer(amount) ? (int64_t)json_integer_value(amount) : -1;
    }
    json_decref(root);
    return s;
}

static const char *str_of(arena *a, json_t *o, const char *key)
{
    return arena_strdup(a, json_string_value(json_object_get(o, key)));
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_buf *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > STRIPE_MAX_RESPONSE) {
        b->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = arena_alloc(b->a, cap);
        if (b->len)
            memcpy(d, b->data, b->len);
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}
