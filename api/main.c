/*
 * main.c — the `storefront` binary: `serve`, `migrate`, `seed [--products N]`,
 * `version`. Configuration comes from the environment (config.c); a bad setting stops
 * the program with one line naming it and exit status 2.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "http/http.h"
#include "storefront/admin.h"
#include "storefront/analytics.h"
#include "storefront/app.h"
#include "storefront/clickstream.h"
#include "storefront/forwarder.h"
#include "storefront/messages.h"
#include "storefront/payments.h"
#include "storefront/refunds.h"

static int cmd_serve(sf_config *cfg);
static bool start_workers(sf_app *app);
static void stop_workers(sf_app *app);
static void add_worker(sf_app *app, sf_worker *w);
static void log_line(void *cls, const char *app_name, const time_t date, const unsigned long level,
                     const char *message);
static void usage(FILE *f);

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("storefront %s\n", STOREFRONT_VERSION);
        return 0;
    }
    bool known =
        strcmp(cmd, "serve") == 0 || strcmp(cmd, "migrate") == 0 || strcmp(cmd, "seed") == 0;
    if (!known) {
        fprintf(stderr, "storefront: unknown command \"%s\"\n", cmd);
        usage(stderr);
        return 2;
    }

    long products = 0;
    if (strcmp(cmd, "seed") == 0 && argc == 4 && strcmp(argv[2], "--products") == 0) {
        char *end;
        errno = 0;
        products = strtol(argv[3], &end, 10);
        if (errno || *end || products < 1 || products > 10000000) {
            fprintf(stderr, "storefront: --products must be an integer from 1 to 10000000\n");
            return 2;
        }
    } else if (argc > 2) {
        fprintf(stderr, "storefront: unexpected argument \"%s\"\n", argv[2]);
        usage(stderr);
        return 2;
    }

    sf_config cfg;
    char err[256];
    if (!config_load(&cfg, true, err, sizeof err)) {
        fprintf(stderr, "storefront: %s\n", err);
        return 2;
    }
    y_init_logs("storefront", Y_LOG_MODE_CALLBACK, (unsigned long)cfg.log_level, NULL, NULL);
    y_set_logs_callback(log_line, NULL, NULL);

    int rc;
    if (strcmp(cmd, "serve") == 0)
        rc = cmd_serve(&cfg);
    else if (strcmp(cmd, "migrate") == 0)
        rc = sf_migrate(cfg.database_url, stdout);
    else
        rc = sf_seed(cfg.database_url, products, stdout);
    y_close_logs();
    config_free(&cfg);
    return rc;
}

static int cmd_serve(sf_config *cfg)
{
    /* Block the stop signals in every thread (the HTTP workers inherit this mask) and
     * wait for them here, so shutdown runs in plain code, not in a signal handler. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    sf_app app = {.cfg = *cfg};
    db_pool_config pc = {
        .conninfo = cfg->database_url,
        .size = cfg->db_pool_size,
        .acquire_timeout_ms = cfg->db_acquire_timeout_ms,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .application_name = "storefront",
        .reconnect_backoff_max_ms = cfg->db_reconnect_backoff_max_ms,
    };
    app.pool = db_pool_new(&pc);
    app.metrics = http_metrics_new(http_routes_count);
    app.known_subs_len = 1 << 16;
    app.known_subs = calloc(app.known_subs_len, sizeof *app.known_subs);
    app.profile_retry = calloc(app.known_subs_len, sizeof *app.profile_retry);
    if (!app.pool || !app.metrics || !app.known_subs || !app.profile_retry) {
        fprintf(stderr, "storefront: out of memory\n");
        return 1;
    }
    if (cfg->auth_enabled) {
        char err[256];
        app.auth = auth_verifier_new(&cfg->auth, err, sizeof err);
        if (!app.auth) {
            fprintf(stderr, "storefront: %s\n", err);
            return 2;
        }
    } else {
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "COGNITO_ISSUER is not set: sign-in is off, protected routes answer 503");
    }
    /* Clickstream: partitions first (before listening, so the first event has its day),
     * then the writer; it is stopped only after the HTTP server, so no request is left
     * waiting on it. */
    sf_error pe;
    sf_error_clear(&pe);
    if (cs_partitions_run_once(cfg->database_url, cfg->events_max_age_days,
                               cfg->events_retention_days, (int64_t)time(NULL), &pe) != SF_OK)
        y_log_message(Y_LOG_LEVEL_ERROR, "clickstream partition upkeep failed: %s", pe.detail);
    cs_writer_config wc = {
        .conninfo = cfg->database_url,
        .queue_max = cfg->events_queue_max,
        .flush_ms = cfg->events_flush_ms,
        .batch_max = cfg->events_queue_max < 5000 ? cfg->events_queue_max : 5000,
        .threads = cfg->events_writer_threads,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .outbox = cfg->kinesis_stream != NULL,
        .use_copy = cfg->events_use_copy,
    };
    app.events = cs_writer_start(&wc);
    app.events_rate = cs_rate_new(cfg->events_rate_per_s, (double)cfg->events_rate_burst, 1 << 16);
    if (!app.events || !app.events_rate) {
        fprintf(stderr, "storefront: cannot start the clickstream writer\n");
        return 1;
    }
    /* The background workers, all before the HTTP server: /metrics lists them from the
     * first request, and the outbox senders are running when the first order commits. */
    if (!start_workers(&app)) {
        fprintf(stderr, "storefront: cannot start the clickstream partition upkeep\n");
        stop_workers(&app);
        cs_writer_stop(app.events);
        cs_rate_free(app.events_rate);
        return 1;
    }
    /* The catalog cache and its version listener start before the first request. */
    app.cache = http_cache_start(&app);
    http_server *srv = http_server_start(&app);
    if (!srv) {
        http_cache_stop(app.cache);
        stop_workers(&app);
        cs_writer_stop(app.events);
        cs_rate_free(app.events_rate);
        auth_verifier_free(app.auth);
        db_pool_free(app.pool);
        http_metrics_free(app.metrics);
        free((void *)app.known_subs);
        free((void *)app.profile_retry);
        return 1;
    }
    y_log_message(Y_LOG_LEVEL_INFO, "listening on http://%s:%d (%d threads, pool %d)%s",
                  cfg->listen_addr, cfg->port, cfg->threads, cfg->db_pool_size,
                  cfg->cursor_key_from_env ? "" : "; CURSOR_SECRET unset, cursors are per-process");

    int sig = 0;
    sigwait(&stop, &sig);
    y_log_message(Y_LOG_LEVEL_INFO, "received %s, finishing in-flight requests",
                  sig == SIGTERM ? "SIGTERM" : "SIGINT");
    http_server_stop(srv, cfg->shutdown_grace_s * 1000);
    http_cache_stop(app.cache);
    cs_writer_stop(app.events); /* drains: every queued event is flushed and answered */
    cs_rate_free(app.events_rate);
    stop_workers(&app); /* each finishes the round in progress */
    auth_verifier_free(app.auth);
    db_pool_free(app.pool);
    http_metrics_free(app.metrics);
    free((void *)app.known_subs);
    free((void *)app.profile_retry);
    y_log_message(Y_LOG_LEVEL_INFO, "stopped");
    return 0;
}

/* Starts every background worker (worker.h) into app->workers. False only when the
 * partition upkeep cannot start (without it the clickstream runs out of days); the
 * others are logged and the server runs without them. */
static bool start_workers(sf_app *app)
{
    const sf_config *cfg = &app->cfg;
    sf_worker *parts = cs_partitions_start(cfg);
    if (!parts)
        return false;
    add_worker(app, parts);
    /* Cancels manual orders left unpaid; cod orders are paid on delivery. */
    sf_worker *sweeper = svc_sweeper_start(cfg);
    if (!sweeper)
        y_log_message(Y_LOG_LEVEL_ERROR, "the unpaid-order sweeper did not start");
    add_worker(app, sweeper);
    /* Keeps the analytics rollups fresh (NULL when ANALYTICS_REFRESH_SECONDS=0). */
    add_worker(app, svc_analytics_refresher_start(cfg));
    if (cfg->kinesis_stream) {
        app->forwarder = cs_forwarder_start(cfg);
        if (!app->forwarder)
            y_log_message(Y_LOG_LEVEL_ERROR, "the Kinesis forwarder did not start");
        add_worker(app, cs_forwarder_worker(app->forwarder));
    }
    /* The outbox senders (messages.h): order e-mails through SES, partner webhooks. */
    add_worker(app, svc_mailer_start(cfg));
    add_worker(app, svc_webhook_sender_start(cfg));
    /* Card refunds Stripe never answered, sent again (NULL without STRIPE_API_KEY). */
    add_worker(app, svc_refund_sender_start(cfg));
    return true;
}

/* Lists w in app->workers; NULL (off, or not started) is skipped. */
static void add_worker(sf_app *app, sf_worker *w)
{
    if (!w)
        return;
    if (app->nworkers == SF_APP_WORKERS_MAX) {
        /* Cannot happen with the workers above; stopped so it does not run unlisted. */
        y_log_message(Y_LOG_LEVEL_ERROR, "too many workers: %s not started", sf_worker_name(w));
        sf_worker_stop(w);
        return;
    }
    app->workers[app->nworkers++] = w;
}

/* Stops every worker, last started first, each after its round in progress; the
 * forwarder through cs_forwarder_stop, which also aborts a PutRecords in flight. */
static void stop_workers(sf_app *app)
{
    sf_worker *fw = cs_forwarder_worker(app->forwarder);
    for (int i = app->nworkers - 1; i >= 0; i--) {
        if (app->workers[i] == fw)
            cs_forwarder_stop(app->forwarder);
        else
            sf_worker_stop(app->workers[i]);
        app->workers[i] = NULL;
    }
    app->forwarder = NULL;
    app->nworkers = 0;
}

/* Every log line is one JSON object on stdout. Access-log messages arrive already as
 * JSON objects ("{...}"); they get the timestamp and level spliced in front. */
static void log_line(void *cls, const char *app_name, const time_t date, const unsigned long level,
                     const char *message)
{
    char ts[32];
    struct tm tm;
    gmtime_r(&date, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *lvl = level == Y_LOG_LEVEL_ERROR     ? "error"
                      : level == Y_LOG_LEVEL_WARNING ? "warning"
                      : level == Y_LOG_LEVEL_DEBUG   ? "debug"
                                                     : "info";
    flockfile(stdout);
    if (message[0] == '{') {
        fprintf(stdout, "{\"ts\":\"%s\",\"level\":\"%s\",%s\n", ts, lvl, message + 1);
    } else {
        jw w;
        jw_init(&w, 256);
        jw_obj_begin(&w);
        jw_key(&w, "ts");
        jw_str(&w, ts);
        jw_key(&w, "level");
        jw_str(&w, lvl);
        jw_key(&w, "msg");
        jw_str(&w, message);
        jw_obj_end(&w);
        fputs(jw_cstr(&w), stdout);
        fputc('\n', stdout);
        jw_free(&w);
    }
    fflush(stdout);
    funlockfile(stdout);
}

static void usage(FILE *f)
{
    fputs("usage: storefront <command>\n"
          "  serve                  serve the HTTP API (LISTEN_ADDR:PORT)\n"
          "  migrate                apply schema migrations to DATABASE_URL\n"
          "  seed [--products N]    load the sample catalog (plus N synthetic products)\n"
          "  version                print the version\n"
          "Configuration is read from the environment; see README.md.\n",
          f);
}
