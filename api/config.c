/*
 * config.c — environment configuration (see include/storefront/config.h).
 *
 * Strict on purpose: a typo such as PORT=80a or LOG_LEVEL=verbose stops start-up with
 * a message naming the variable, instead of silently running with a default.
 */
#include "storefront/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yder.h>

static bool load(sf_config *cfg, bool need_database, char *err, size_t errlen);
static bool int_env(const char *name, long def, long min, long max, long *out, char *err,
                    size_t errlen);
static bool parse_origins(sf_config *cfg, const char *list, char *err, size_t errlen);
static bool parse_log_level(const char *v, int *out);
static bool load_auth(sf_config *cfg, char *err, size_t errlen);
static bool load_events(sf_config *cfg, char *err, size_t errlen);

bool config_load(sf_config *cfg, bool need_database, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    if (load(cfg, need_database, err, errlen))
        return true;
    config_free(cfg); /* a failed load owns nothing */
    return false;
}

static bool load(sf_config *cfg, bool need_database, char *err, size_t errlen)
{
    const char *db = getenv("DATABASE_URL");
    if (need_database && (!db || !*db)) {
        snprintf(err, errlen, "DATABASE_URL is not set (e.g. postgresql://user:pw@host/db)");
        return false;
    }
    cfg->database_url = strdup(db ? db : "");

    const char *addr = getenv("LISTEN_ADDR");
    if (!addr || !*addr)
        addr = "127.0.0.1";
    struct in_addr probe;
    if (strlen(addr) >= sizeof cfg->listen_addr || inet_pton(AF_INET, addr, &probe) != 1) {
        snprintf(err, errlen, "LISTEN_ADDR must be an IPv4 address, got \"%s\"", addr);
        return false;
    }
    snprintf(cfg->listen_addr, sizeof cfg->listen_addr, "%s", addr);

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    long v;
    if (!int_env("PORT", 8080, 1, 65535, &v, err, errlen))
        return false;
    cfg->port = (int)v;
    /* At least 64 workers: a POST /v1/events waits a few ms for its group commit, and a
     * waiting worker stalls its event loop (docs/clickstream.md, "HTTP threads"). */
    if (!int_env("HTTP_THREADS", cores * 2 > 64 ? cores * 2 : 64, 1, 256, &v, err, errlen))
        return false;
    cfg->threads = (int)v;
    if (!int_env("HTTP_MAX_CONNECTIONS", 1024, 16, 100000, &v, err, errlen))
        return false;
    cfg->max_connections = (int)v;
    if (!int_env("HTTP_CONNECTION_TIMEOUT", 30, 1, 3600, &v, err, errlen))
        return false;
    cfg->connection_timeout_s = (int)v;
    /* Not one per HTTP worker: most workers of a busy server wait on the clickstream
     * writer, which has its own connections; the pool waits boundedly, then 503. */
    if (!int_env("DB_POOL_SIZE", cfg->threads < cores * 2 ? cfg->threads : cores * 2, 1, 512, &v,
                 err, errlen))
        return false;
    cfg->db_pool_size = (int)v;
    if (!int_env("DB_ACQUIRE_TIMEOUT_MS", 2000, 1, 60000, &v, err, errlen))
        return false;
    cfg->db_acquire_timeout_ms = (int)v;
    if (!int_env("DB_STATEMENT_TIMEOUT_MS", 5000, 0, 600000, &v, err, errlen))
        return false;
    cfg->db_statement_timeout_ms = (int)v;
    if (!int_env("MAX_BODY_BYTES", 1 << 20, 1024, 64L << 20, &v, err, errlen))
        return false;
    cfg->max_body_bytes = (size_t)v;
    if (!int_env("CATALOG_MAX_AGE", 60, 0, 86400, &v, err, errlen))
        return false;
    cfg->catalog_max_age_s = (int)v;
    /* 999 is the ceiling the cart_items CHECK constraint enforces. */
    if (!int_env("CART_MAX_LINE_QUANTITY", 10, 1, 999, &v, err, errlen))
        return false;
    cfg->cart_max_line_quantity = (int)v;
    if (!int_env("CART_MAX_LINES", 50, 1, 500, &v, err, errlen))
        return false;
    cfg->cart_max_lines = (int)v;
    if (!int_env("CART_IDLE_TTL_SECONDS", 7 * 24 * 3600, 1, 366 * 24 * 3600, &v, err, errlen))
        return false;
    cfg->cart_idle_ttl_s = (int)v;
    const char *whsec = getenv("STRIPE_WEBHOOK_SECRET");
    cfg->stripe_webhook_secret = whsec && *whsec ? whsec : NULL;
    if (!int_env("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300, 1, 24 * 3600, &v, err, errlen))
        return false;
    cfg->stripe_webhook_tolerance_s = (int)v;
    if (!int_env("UNPAID_ORDER_TTL_SECONDS", 24 * 3600, 1, 366 * 24 * 3600, &v, err, errlen))
        return false;
    cfg->unpaid_order_ttl_s = (int)v;
    if (!int_env("UNPAID_SWEEP_INTERVAL_SECONDS", 60, 1, 24 * 3600, &v, err, errlen))
        return false;
    cfg->unpaid_sweep_interval_s = (int)v;
    const char *stream = getenv("KINESIS_STREAM");
    cfg->kinesis_stream = stream && *stream ? stream : NULL;
    if (!load_events(cfg, err, errlen))
        return false;

    const char *lvl = getenv("LOG_LEVEL");
    if (!parse_log_level(lvl && *lvl ? lvl : "info", &cfg->log_level)) {
        snprintf(err, errlen, "LOG_LEVEL must be one of error, warning, info, debug; got \"%s\"",
                 lvl);
        return false;
    }

    const char *secret = getenv("CURSOR_SECRET");
    if (secret && *secret) {
        if (strlen(secret) < 32) {
            snprintf(err, errlen, "CURSOR_SECRET must be at least 32 characters");
            return false;
        }
        unsigned int n = 0;
        EVP_Digest(secret, strlen(secret), cfg->cursor_key, &n, EVP_sha256(), NULL);
        cfg->cursor_key_from_env = true;
    } else if (RAND_bytes(cfg->cursor_key, sizeof cfg->cursor_key) != 1) {
        snprintf(err, errlen, "CURSOR_SECRET: could not generate a random key");
        return false;
    }

    const char *origins = getenv("CORS_ALLOWED_ORIGINS");
    if (!parse_origins(cfg, origins ? origins : "", err, errlen))
        return false;
    return load_auth(cfg, err, errlen);
}

void config_free(sf_config *cfg)
{
    free(cfg->database_url);
    free(cfg->client_ids_buf);
    for (int i = 0; i < cfg->norigins; i++)
        free(cfg->origins[i]);
    memset(cfg, 0, sizeof *cfg);
}

bool config_origin_allowed(const sf_config *cfg, const char *origin)
{
    if (!origin)
        return false;
    for (int i = 0; i < cfg->norigins; i++)
        if (strcmp(cfg->origins[i], origin) == 0)
            return true;
    return false;
}

static bool int_env(const char *name, long def, long min, long max, long *out, char *err,
                    size_t errlen)
{
    const char *s = getenv(name);
    if (!s || !*s) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) {
        snprintf(err, errlen, "%s must be an integer from %ld to %ld, got \"%s\"", name, min, max,
                 s);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_origins(sf_config *cfg, const char *list, char *err, size_t errlen)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ')
            p++;
        size_t n = (size_t)(p - start);
        bool scheme_ok = (n > 7 && strncmp(start, "http://", 7) == 0) ||
                         (n > 8 && strncmp(start, "https://", 8) == 0);
        /* An origin has no path: "https://main.d1abc.amplifyapp.com", never a trailing /. */
        const char *host = start + (start[4] == 's' ? 8 : 7);
        if (!scheme_ok || memchr(host, '/', (size_t)(p - host)) || n > 255) {
            snprintf(
                err, errlen,
                "CORS_ALLOWED_ORIGINS: \"%.*s\" is not an origin like https://shop.example.com",
                (int)(n > 80 ? 80 : n), start);
            return false;
        }
        if (cfg->norigins == CONFIG_MAX_ORIGINS) {
            snprintf(err, errlen, "CORS_ALLOWED_ORIGINS: at most %d origins", CONFIG_MAX_ORIGINS);
            return false;
        }
        cfg->origins[cfg->norigins++] = strndup(start, n);
    }
    return true;
}

static bool parse_log_level(const char *v, int *out)
{
    static const struct {
        const char *name;
        int level;
    } levels[] = {{"error", Y_LOG_LEVEL_ERROR},
                  {"warning", Y_LOG_LEVEL_WARNING},
                  {"info", Y_LOG_LEVEL_INFO},
                  {"debug", Y_LOG_LEVEL_DEBUG}};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcmp(v, levels[i].name) == 0) {
            *out = levels[i].level;
            return true;
        }
    }
    return false;
}

static bool load_auth(sf_config *cfg, char *err, size_t errlen)
{
    auth_config *a = &cfg->auth;
    const char *issuer = getenv("COGNITO_ISSUER");
    if (!issuer || !*issuer)
        return true; /* sign-in not configured */
    if (strncmp(issuer, "https://", 8) != 0 && strncmp(issuer, "http://", 7) != 0) {
        snprintf(err, errlen,
                 "COGNITO_ISSUER must be a URL like "
                 "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E");
        return false;
    }
    cfg->auth_enabled = true;
    a->issuer = issuer;
    const char *jwks = getenv("COGNITO_JWKS_URL");
    a->jwks_url = jwks && *jwks ? jwks : NULL;

    const char *ids = getenv("COGNITO_CLIENT_IDS");
    if (!ids || !*ids) {
        snprintf(err, errlen, "COGNITO_CLIENT_IDS must list the app client ids (comma separated)");
        return false;
    }
    cfg->client_ids_buf = strdup(ids);
    for (char *save = NULL, *t = strtok_r(cfg->client_ids_buf, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        if (a->nclient_ids == AUTH_MAX_CLIENT_IDS) {
            snprintf(err, errlen, "COGNITO_CLIENT_IDS: at most %d client ids", AUTH_MAX_CLIENT_IDS);
            return false;
        }
        a->client_ids[a->nclient_ids++] = t;
    }

    const char *use = getenv("COGNITO_TOKEN_USE");
    if (!use || !*use || strcmp(use, "access") == 0) {
        a->accept_access_tokens = true;
    } else if (strcmp(use, "id") == 0) {
        a->accept_id_tokens = true;
    } else if (strcmp(use, "both") == 0) {
        a->accept_access_tokens = a->accept_id_tokens = true;
    } else {
        snprintf(err, errlen, "COGNITO_TOKEN_USE must be access, id or both; got \"%s\"", use);
        return false;
    }
    const char *http = getenv("COGNITO_ALLOW_HTTP");
    a->allow_http_jwks = http && strcmp(http, "1") == 0;
    long v;
    if (!int_env("JWT_LEEWAY_SECONDS", 0, 0, 300, &v, err, errlen))
        return false;
    a->leeway_s = (int)v;
    if (!int_env("AUTH_TOKEN_CACHE_SIZE", 10000, 0, 1000000, &v, err, errlen))
        return false;
    a->token_cache_size = (int)v;
    const char *group = getenv("ADMIN_GROUP");
    a->admin_group = group && *group ? group : "admin";
    a->jwks_timeout_ms = 3000;
    return true;
}

/* Clickstream ingestion settings (docs/clickstream.md). */
static bool load_events(sf_config *cfg, char *err, size_t errlen)
{
    long v;
    if (!int_env("EVENTS_QUEUE_MAX", 20000, 500, 10000000, &v, err, errlen))
        return false;
    cfg->events_queue_max = (int)v;
    if (!int_env("EVENTS_FLUSH_MS", 2, 0, 1000, &v, err, errlen))
        return false;
    cfg->events_flush_ms = (int)v;
    if (!int_env("EVENTS_WRITER_THREADS", 2, 1, 8, &v, err, errlen))
        return false;
    cfg->events_writer_threads = (int)v;
    if (!int_env("EVENTS_MAX_AGE_DAYS", 7, 1, 365, &v, err, errlen))
        return false;
    cfg->events_max_age_days = (int)v;
    if (!int_env("EVENTS_RETENTION_DAYS", 90, 1, 3650, &v, err, errlen))
        return false;
    cfg->events_retention_days = (int)v;
    if (cfg->events_retention_days < cfg->events_max_age_days) {
        snprintf(err, errlen,
                 "EVENTS_RETENTION_DAYS (%d) must be at least EVENTS_MAX_AGE_DAYS (%d)",
                 cfg->events_retention_days, cfg->events_max_age_days);
        return false;
    }
    if (!int_env("EVENTS_RATE_PER_SECOND", 20, 1, 1000000, &v, err, errlen))
        return false;
    cfg->events_rate_per_s = (double)v;
    if (!int_env("EVENTS_RATE_BURST", 100, 1, 1000000, &v, err, errlen))
        return false;
    cfg->events_rate_burst = (int)v;
    if (!int_env("TRUSTED_PROXY_HOPS", 0, 0, 10, &v, err, errlen))
        return false;
    cfg->trusted_proxy_hops = (int)v;
    const char *method = getenv("EVENTS_INSERT_METHOD");
    if (method && *method && strcmp(method, "unnest") != 0 && strcmp(method, "copy") != 0) {
        snprintf(err, errlen, "EVENTS_INSERT_METHOD must be unnest or copy, got \"%s\"", method);
        return false;
    }
    cfg->events_use_copy = method && strcmp(method, "copy") == 0;
    return true;
}
