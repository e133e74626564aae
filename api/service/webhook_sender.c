/*
 * webhook_sender.c — partner webhooks from the outbox (see messages.h, webhooks.h,
 * docs/webhooks.md), on the one worker shape (worker.h).
 *
 * A round: lease due rows (one short statement: SKIP LOCKED, attempts + 1, the row
 * pushed a lease into the future; webhooks.sql says why that keeps a resource's events
 * in order), then deliver them OUTSIDE any transaction, all at once with curl's multi
 * interface (one slow partner does not hold up the others, and no row lock or pool
 * connection waits on the network), then mark each: 2xx = sent; anything else (a
 * timeout, a refused or closed connection, a 3xx/4xx/5xx, a target that now resolves
 * to an internal address) = retried after an exponential, jittered, capped delay, until
 * the row is older than WEBHOOK_MAX_AGE_SECONDS, then failed.
 *
 * At least once: a crash between the partner's 2xx and the mark sends the event again
 * when the lease ends; receivers deduplicate on the event id (Storefront-Event-Id).
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/messages.h"
#include "storefront/queries_gen.h"
#include "storefront/webhooks.h"

#define BATCH_MAX     32
#define LEASE_SLACK   30000 /* ms beyond the request timeout before a lease runs out */
#define BODY_KEEP_MAX 4096  /* response bytes read (then ignored) before giving up */

typedef struct sender {
    const sf_config *cfg;
    unsigned seed;
} sender;

/* One delivery in flight. */
typedef struct flight {
    q_webhook_lease_row *row;
    CURL *h;
    struct curl_slist *headers, *resolve;
    char *body;
    char error[CURL_ERROR_SIZE];
    const char *refused; /* not sent: why (SSRF check, no memory) */
    size_t got;
    bool done; /* curl finished it, with `result` */
    CURLcode result;
} flight;

static sf_status round_fn(void *ctx, db_conn *c, int *next_ms, sf_error *e);
static void prepare(sender *s, arena *a, flight *f);
static sf_status finish(sender *s, db_conn *c, flight *f, int *sent, sf_error *e);
static size_t discard(char *p, size_t size, size_t n, void *ud);

sf_worker *svc_webhook_sender_start(const sf_config *cfg)
{
    if (cfg->webhook_poll_ms == 0) {
        y_log_message(Y_LOG_LEVEL_INFO, "webhooks: WEBHOOK_POLL_MS=0, this process sends none");
        return NULL;
    }
    /* Lives as long as the process: the worker's ctx outlives every round. */
    static sender snd;
    snd = (sender){.cfg = cfg, .seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&snd};
    sf_worker_spec spec = {
        .name = "webhooks",
        .conninfo = cfg->database_url,
        .statement_timeout_ms = 30000,
        .interval_ms = cfg->webhook_poll_ms,
        .run_at_start = true,
        .round = round_fn,
        .ctx = &snd,
    };
    return sf_worker_start(&spec);
}

void svc_webhook_sign(const char *secret, int64_t t, const char *body, size_t len,
                      char out[SVC_WEBHOOK_SIG_MAX])
{
    int n = snprintf(out, SVC_WEBHOOK_SIG_MAX, "t=%" PRId64 ",v1=", t);
    /* The signed message is "<t>.<body>": the time is signed too, so an old delivery
     * replayed by someone who captured it fails the receiver's tolerance check. */
    size_t tn = (size_t)snprintf(NULL, 0, "%" PRId64 ".", t);
    unsigned char *msg = malloc(tn + len + 1);
    unsigned char mac[32];
    unsigned int maclen = 0;
    if (msg) {
        snprintf((char *)msg, tn + 1, "%" PRId64 ".", t);
        memcpy(msg + tn, body, len);
        if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, tn + len, mac, &maclen))
            maclen = 0;
        free(msg);
    }
    for (unsigned i = 0; i < maclen && n + 2 < SVC_WEBHOOK_SIG_MAX; i++, n += 2)
        snprintf(out + n, 3, "%02x", mac[i]);
}

int svc_webhook_backoff_ms(int attempts, int max_s, unsigned rnd)
{
    long long ms = 1000;
    for (int i = 1; i < attempts && ms < (long long)max_s * 1000; i++)
        ms *= 2;
    if (ms > (long long)max_s * 1000)
        ms = (long long)max_s * 1000;
    /* Jitter within the upper half, so many failing rows do not retry in lock step. */
    long long half = ms / 2;
    return (int)(ms - (half > 0 ? (long long)(rnd % (unsigned)(half + 1)) : 0));
}

/* --- one round -------------------------------------------------------------------- */

static sf_status round_fn(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    sender *s = ctx;
    arena *a = arena_new(16384);
    if (!a)
        return sf_fail(e, SF_INTERNAL, NULL, "out of memory");
    q_webhook_lease_row *rows = NULL;
    size_t n = 0;
    sf_status st = q_webhook_lease(
        c, a,
        &(q_webhook_lease_params){.max_rows = BATCH_MAX,
                                  .lease_ms = s->cfg->webhook_timeout_ms + LEASE_SLACK},
        &rows, &n, e);
    if (st != SF_OK || n == 0) {
        arena_free(a);
        return st;
    }
    flight *fl = arena_calloc(a, n * sizeof *fl);
    CURLM *m = curl_multi_init();
    for (size_t i = 0; i < n; i++) {
        fl[i].row = &rows[i];
        prepare(s, a, &fl[i]);
        if (fl[i].h && m)
            curl_multi_add_handle(m, fl[i].h);
    }
    int running = 1;
    while (m && running) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        if (running)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    /* Each transfer's own result. */
    CURLMsg *msg;
    int left;
    while (m && (msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE)
            for (size_t i = 0; i < n; i++)
                if (fl[i].h == msg->easy_handle)
                    fl[i].done = true, fl[i].result = msg->data.result;
    int sent = 0;
    for (size_t i = 0; i < n && st == SF_OK; i++)
        st = finish(s, c, &fl[i], &sent, e);
    for (size_t i = 0; i < n; i++) {
        if (fl[i].h) {
            if (m)
                curl_multi_remove_handle(m, fl[i].h);
            curl_easy_cleanup(fl[i].h);
        }
        curl_slist_free_all(fl[i].headers);
        curl_slist_free_all(fl[i].resolve);
    }
    curl_multi_cleanup(m);
    /* A full batch may have more behind it, and a sent row may have unblocked the next
     * event of its resource: go again at once. */
    if (n == BATCH_MAX || sent > 0)
        *next_ms = 0;
    arena_free(a);
    return st;
}

/* Checks the target again (DNS may have changed since registration) and sets up the
 * request, pinned to the address just checked. */
static void prepare(sender *s, arena *a, flight *f)
{
    const q_webhook_lease_row *r = f->row;
    svc_webhook_target t;
    sf_error e;
    sf_error_clear(&e);
    if (svc_webhook_target_check(r->url, s->cfg->webhook_allow_private, "url", &t, &e) != SF_OK) {
        f->refused = arena_sprintf(a, "target refused: url %s",
                                   e.nfields ? e.fields[0].message : "is not allowed");
        return;
    }
    f->body =
        arena_sprintf(a, "{\"id\":\"%s\",\"type\":\"%s\",\"created\":%" PRId64 ",\"data\":%s}",
                      r->event_id, r->event_type, r->created, r->payload);
    size_t len = strlen(f->body);
    char sig[SVC_WEBHOOK_SIG_MAX];
    svc_webhook_sign(r->secret, (int64_t)time(NULL), f->body, len, sig);
    f->headers = curl_slist_append(NULL, "Content-Type: application/json");
    f->headers = curl_slist_append(f->headers, arena_sprintf(a, "Storefront-Signature: %s", sig));
    f->headers =
        curl_slist_append(f->headers, arena_sprintf(a, "Storefront-Event-Id: %s", r->event_id));
    f->headers =
        curl_slist_append(f->headers, arena_sprintf(a, "Storefront-Event-Type: %s", r->event_type));
    f->headers = curl_slist_append(f->headers, "Expect:");
    f->resolve = curl_slist_append(
        NULL, arena_sprintf(a, t.ipv6 ? "%s:%d:[%s]" : "%s:%d:%s", t.host, t.port, t.address));
    f->h = curl_easy_init();
    bool https = strncmp(r->url, "https:", 6) == 0;
    if (!f->h || !f->headers || !f->resolve ||
        curl_easy_setopt(f->h, CURLOPT_URL, r->url) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, https ? "https" : "http") != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_RESOLVE, f->resolve) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, f->headers) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_POSTFIELDS, f->body) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_POSTFIELDSIZE, (long)len) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, (long)s->cfg->webhook_timeout_ms) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_USERAGENT, "Storefront-Webhooks/1") != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_WRITEDATA, f) != CURLE_OK ||
        curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->error) != CURLE_OK) {
        if (f->h)
            curl_easy_cleanup(f->h);
        f->h = NULL;
        f->refused = "could not set up the request";
    }
}

/* Marks one leased row after its attempt. */
static sf_status finish(sender *s, db_conn *c, flight *f, int *sent, sf_error *e)
{
    long status = 0;
    const char *why = f->refused;
    if (!why) {
        CURLcode cc = f->done ? f->result : CURLE_OPERATION_TIMEDOUT;
        curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
        /* A 2xx whose long body we stopped reading was still accepted. */
        bool read_enough = cc == CURLE_WRITE_ERROR && f->got > BODY_KEEP_MAX;
        if ((cc == CURLE_OK || read_enough) && status >= 200 && status < 300) {
            (*sent)++;
            return q_webhook_mark_sent(
                c, &(q_webhook_mark_sent_params){.status = (int32_t)status, .id = f->row->id}, e);
        }
        if (cc != CURLE_OK)
            why = f->error[0] ? f->error : curl_easy_strerror(cc);
        else
            why = status >= 300 && status < 400 ? "redirect (not followed)" : "non-2xx answer";
    }
    int delay = svc_webhook_backoff_ms(f->row->attempts, s->cfg->webhook_backoff_max_s,
                                       (unsigned)rand_r(&s->seed));
    return q_webhook_mark_retry(c,
                                &(q_webhook_mark_retry_params){
                                    .status = (int32_t)status,
                                    .status_is_null = status == 0,
                                    .error = why,
                                    .delay_ms = delay,
                                    .max_age_s = s->cfg->webhook_max_age_s,
                                    .id = f->row->id,
                                },
                                e);
}

/* The answer's body is not used; read a little of it, then stop (a huge or endless
 * body must not keep the round busy). */
static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    flight *f = ud;
    f->got += size * n;
    return f->got > BODY_KEEP_MAX ? 0 : size * n;
}
