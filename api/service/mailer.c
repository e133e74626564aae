/*
 * mailer.c — order e-mails from the transactional outbox through SES (messages.h,
 * docs/messages.md). An sf_worker (worker.h) on its own connection; each round:
 *
 *   1. leases up to MAIL_BATCH due e-mail rows in ONE autocommitted statement
 *      (mail_lease: FOR UPDATE SKIP LOCKED, attempts + 1, next_attempt_at pushed
 *      LEASE_MS ahead) — so the lock is held for milliseconds and no transaction is
 *      open while SES is called;
 *   2. renders and sends each one (ses.c), outside any transaction;
 *   3. marks each: sent; or due again after a capped exponential backoff with jitter
 *      (429, 5xx, no answer); or failed for good (other 4xx, a row that cannot render).
 *
 * A customer's address may not be on file yet when their order commits (the profile sync
 * copies it from Cognito); the row is written all the same with the customer, and the
 * lease reads customers.email. While there is none the row waits with the same backoff
 * (a trigger makes it due at once when the address arrives), and only after
 * ADDRESS_WAIT_MS is it marked failed, with the reason, so no e-mail is lost in silence.
 *
 * At most once per event under normal operation: a row is only sent by the mailer that
 * holds its lease, and the lease outlasts a whole batch (MAIL_BATCH × the SES timeout).
 * Two windows send an e-mail twice, both where SES accepted it unbeknown to us: the
 * server dies (or loses the database) after SES accepted an e-mail and before
 * mail_mark_sent committed, and the row comes due again when its lease expires; or SES
 * accepted it but the answer timed out, broke off or was a 5xx, and the retry sends it
 * again (docs/messages.md). Two servers are safe: SKIP LOCKED and the lease keep them on
 * different rows.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "storefront/mail.h"
#include "storefront/messages.h"
#include "storefront/queries_gen.h"

#define MAIL_BATCH 10
/* Longer than a batch can take (MAIL_BATCH sends of at most ~13 s each), so a lease
 * never runs out while its mailer is still working on the row. */
#define LEASE_MS (MAIL_BATCH * 15000 + 30000)
/* How long an e-mail waits for its customer's address (docs/messages.md): 3 days, as
 * long as a webhook is retried. Past it the e-mail no longer helps anyone. */
#define ADDRESS_WAIT_MS (3LL * 24 * 3600 * 1000)

typedef struct mailer {
    const sf_config *cfg;
    unsigned int seed; /* jitter; only the worker's thread touches it */
} mailer;

static sf_status mail_round(void *ctx, db_conn *c, int *next_ms, sf_error *e);
static void mailer_free(void *ctx, db_conn *c);
static sf_status deliver(mailer *m, db_conn *c, arena *a, const q_mail_lease_row *row, sf_error *e);
static int backoff_ms(mailer *m, int attempts);

sf_worker *svc_mailer_start(const sf_config *cfg)
{
    if (!cfg->mail_from) {
        /* Said once, at start-up: the rows are kept, and a restart with MAIL_FROM set
         * sends them all. */
        y_log_message(Y_LOG_LEVEL_INFO,
                      "order e-mails: MAIL_FROM is not set, the mailer is off (e-mails wait "
                      "in the outbox until it is set; docs/messages.md)");
        return NULL;
    }
    mailer *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = cfg;
    m->seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)m;
    sf_worker_spec spec = {
        .name = "mailer",
        .conninfo = cfg->database_url,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .interval_ms = cfg->mail_poll_ms,
        .run_at_start = true,
        .round = mail_round,
        .ctx = m,
        .on_stop = mailer_free,
    };
    sf_worker *w = sf_worker_start(&spec);
    if (!w)
        free(m);
    else
        y_log_message(Y_LOG_LEVEL_INFO, "order e-mails: sending through SES at %s from %s",
                      cfg->ses_endpoint, cfg->mail_from);
    return w;
}

/* One batch. A full batch means more rows may be due: no sleep before the next. */
static sf_status mail_round(void *ctx, db_conn *c, int *next_ms, sf_error *e)
{
    mailer *m = ctx;
    arena *a = arena_new(16384);
    q_mail_lease_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_mail_lease(c, a,
                               &(q_mail_lease_params){.max_rows = MAIL_BATCH,
                                                      .lease_ms = LEASE_MS,
                                                      .address_wait_ms = ADDRESS_WAIT_MS},
                               &rows, &n, e);
    for (size_t i = 0; s == SF_OK && i < n; i++) {
        /* Each e-mail in an arena of its own: a batch of large orders stays small. */
        arena *one = arena_new(16384);
        s = deliver(m, c, one, &rows[i], e);
        arena_free(one);
    }
    if (s == SF_OK && n == MAIL_BATCH)
        *next_ms = 0;
    arena_free(a);
    return s;
}

/* Renders, sends and marks one leased row. Only a database error fails the round (the
 * rows not yet marked come due again when their lease expires). */
static sf_status deliver(mailer *m, db_conn *c, arena *a, const q_mail_lease_row *row, sf_error *e)
{
    mail_message msg;
    sf_error re = {0};
    ses_result res = {.outcome = SES_REJECTED};
    if (!row->recipient && !row->address_overdue) {
        /* No address yet: wait like any retry; the order's later e-mails wait behind it. */
        res.outcome = SES_RETRY;
        snprintf(res.error, sizeof res.error, "customer %lld has no e-mail address on file yet",
                 (long long)row->customer_id);
    } else if (!row->recipient) {
        snprintf(res.error, sizeof res.error,
                 "customer %lld had no e-mail address on file for %lld hours",
                 (long long)row->customer_id, ADDRESS_WAIT_MS / 3600000);
    } else if (mail_render_order_event(a, m->cfg, row->event_type, row->payload, &msg, &re) !=
               SF_OK) {
        snprintf(res.error, sizeof res.error, "cannot render: %s", re.detail);
    } else {
        ses_email em = {.from = m->cfg->mail_from,
                        .to = row->recipient,
                        .subject = msg.subject,
                        .text = msg.text,
                        .html = msg.html};
        ses_send(m->cfg, &em, &res);
    }
    long changed = 0;
    sf_status s;
    if (res.outcome == SES_SENT) {
        s = q_mail_mark_sent(c,
                             &(q_mail_mark_sent_params){.status = (int32_t)res.http_status,
                                                        .id = row->id,
                                                        .attempts = row->attempts},
                             &changed, e);
        if (s == SF_OK)
            y_log_message(Y_LOG_LEVEL_DEBUG, "mailer: %s of %s sent (row %lld)", row->event_type,
                          row->recipient, (long long)row->id);
    } else if (res.outcome == SES_RETRY) {
        int delay = backoff_ms(m, row->attempts);
        s = q_mail_mark_retry(c,
                              &(q_mail_mark_retry_params){.delay_ms = delay,
                                                          .status = (int32_t)res.http_status,
                                                          .status_is_null = res.http_status == 0,
                                                          .error = res.error,
                                                          .id = row->id,
                                                          .attempts = row->attempts},
                              &changed, e);
        y_log_message(Y_LOG_LEVEL_WARNING, "mailer: row %lld (attempt %d) retried in %d ms: %s",
                      (long long)row->id, row->attempts, delay, res.error);
    } else {
        s = q_mail_mark_failed(c,
                               &(q_mail_mark_failed_params){.status = (int32_t)res.http_status,
                                                            .status_is_null = res.http_status == 0,
                                                            .error = res.error,
                                                            .id = row->id,
                                                            .attempts = row->attempts},
                               &changed, e);
        y_log_message(Y_LOG_LEVEL_ERROR, "mailer: %s to %s failed for good (row %lld): %s",
                      row->event_type, row->recipient ? row->recipient : "(no address)",
                      (long long)row->id, res.error);
    }
    return s;
}

/* 1 s, 2 s, 4 s … capped at MAIL_BACKOFF_MAX_SECONDS, then "equal jitter" (half fixed,
 * half random), so the rows of one outage do not all come back in the same second. */
static int backoff_ms(mailer *m, int attempts)
{
    long long cap = (long long)m->cfg->mail_backoff_max_s * 1000;
    long long d = 1000;
    for (int i = 1; i < attempts && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    return (int)(d / 2 + rand_r(&m->seed) % (d / 2 + 1));
}

static void mailer_free(void *ctx, db_conn *c)
{
    (void)c;
    free(ctx);
}
