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
#include <openssl/hmac.h>
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
static bool dns_label(const char *s, size_t n);
static int dns_labels(const char *s, size_t n);
static bool origin_entry_valid(const char *e, size_t n);
static bool load_auth(sf_config *cfg, char *err, size_t errlen);
static bool load_profiles(auth_config *a, char *err, size_t errlen);
static bool load_clickstream_app_ids(sf_config *cfg, char *err, size_t errlen);
static bool load_forwarding(sf_config *cfg, char *err, size_t errlen);
static bool load_aws(sf_config *cfg, const char *needed_by, char *err, size_t errlen);
static bool load_s3(sf_config *cfg, char *err, size_t errlen);
static bool endpoint_ok(const char *ep, const char *allow_var);
static bool loopback_url(const char *url);
static bool load_events(sf_config *cfg, char *err, size_t errlen);
static bool load_webhooks(sf_config *cfg, char *err, size_t errlen); /* issue #12 webhooks */

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
    /* One worker per core: no handler waits on another thread any more (a clickstream
     * request is suspended during its group commit, docs/http.md, "Connections"). */
    if (!int_env("HTTP_THREADS", cores, 1, 256, &v, err, errlen))
        return false;
    cfg->threads = (int)v;
    if (!int_env("HTTP_MAX_CONNECTIONS", 1024, 16, 100000, &v, err, errlen))
        return false;
    cfg->max_connections = (int)v;
    if (!int_env("HTTP_CONNECTION_TIMEOUT", 30, 1, 3600, &v, err, errlen))
        return false;
    cfg->connection_timeout_s = (int)v;
    /* One connection per HTTP worker (the pool binds one to each worker thread, so the
     * hot path takes no lock) plus 2 for nested acquires and other request-time users,
     * but no more than 4 per core + 2: past that many threads (the old 64-worker
     * default) the extra workers share the rest through the bounded wait, then 503. */
    if (!int_env("DB_POOL_SIZE", (cfg->threads < cores * 4 ? cfg->threads : cores * 4) + 2, 1, 512,
                 &v, err, errlen))
        return false;
    cfg->db_pool_size = (int)v;
    /* >>> config.c http15: insert below this line */
    if (!int_env("HTTP_REQUEST_HEAD_TIMEOUT", 10, 1, 3600, &v, err, errlen))
        return false;
    cfg->request_head_timeout_s = (int)v;
    if (!int_env("HTTP_MAX_CONNECTIONS_PER_ADDRESS", 64, 0, 100000, &v, err, errlen))
        return false;
    cfg->max_connections_per_address = (int)v;
    if (!int_env("SHUTDOWN_GRACE_SECONDS", 10, 0, 3600, &v, err, errlen))
        return false;
    cfg->shutdown_grace_s = (int)v;
    /* <<< config.c http15 */
    /* >>> config.c pool15: insert below this line */
    if (!int_env("DB_RECONNECT_BACKOFF_MAX_MS", 5000, 10, 600000, &v, err, errlen))
        return false;
    cfg->db_reconnect_backoff_max_ms = (int)v;
    /* <<< config.c pool15 */
    /* >>> config.c cache15: insert below this line */
    if (!int_env("CATALOG_CACHE_BYTES", 16L << 20, 0, 64L << 30, &v, err, errlen))
        return false;
    cfg->catalog_cache_bytes = (size_t)v;
    /* <<< config.c cache15 */
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
    if (!int_env("ANALYTICS_REFRESH_SECONDS", 60, 0, 24 * 3600, &v, err, errlen))
        return false;
    cfg->analytics_refresh_s = (int)v;
    const char *stream = getenv("KINESIS_STREAM");
    cfg->kinesis_stream = stream && *stream ? stream : NULL;
    if (!load_forwarding(cfg, err, errlen) || !load_events(cfg, err, errlen) ||
        !load_s3(cfg, err, errlen))
        return false;
    /* >>> config-load quotes: insert below this line */
    /* <<< config-load quotes */
    /* >>> config-load stripe: insert below this line */
    {
        /* Declared here, not with the prototypes above, so this area touches only its
         * anchors (issue #12 was built in parallel). */
        bool config_load_stripe(sf_config * cfg, char *err, size_t errlen);
        if (!config_load_stripe(cfg, err, errlen))
            return false;
    }
    /* <<< config-load stripe */
    /* >>> config-load mail: insert below this line */
    /* Defined at the end of this file, in the mail anchors (so declared here). */
    bool config_load_mail(sf_config * cfg, char *err, size_t errlen);
    if (!config_load_mail(cfg, err, errlen))
        return false;
    /* <<< config-load mail */
    /* >>> config-load webhooks: insert below this line */
    if (!load_webhooks(cfg, err, errlen))
        return false;
    /* <<< config-load webhooks */

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
    /* A key of its own for guest order tokens, so no cursor MAC can ever be one. */
    static const char token_label[] = "storefront order-token key v1";
    unsigned int tn = 0;
    if (!HMAC(EVP_sha256(), cfg->cursor_key, sizeof cfg->cursor_key,
              (const unsigned char *)token_label, sizeof token_label - 1, cfg->order_token_key,
              &tn)) {
        snprintf(err, errlen, "CURSOR_SECRET: could not derive the order token key");
        return false;
    }

    if (!load_clickstream_app_ids(cfg, err, errlen))
        return false;

    const char *origins = getenv("CORS_ALLOWED_ORIGINS");
    if (!parse_origins(cfg, origins ? origins : "", err, errlen))
        return false;
    return load_auth(cfg, err, errlen);
}

void config_free(sf_config *cfg)
{
    free(cfg->database_url);
    free(cfg->client_ids_buf);
    free(cfg->clickstream_app_ids_buf);
    free(cfg->kinesis_endpoint);
    free(cfg->s3_endpoint);
    free(cfg->image_base_url);
    for (int i = 0; i < cfg->norigins; i++)
        free(cfg->origins[i]);
    memset(cfg, 0, sizeof *cfg);
}

bool config_origin_matches(const char *entry, const char *origin)
{
    if (!origin)
        return false;
    const char *star = strstr(entry, "://*.");
    if (!star)
        return strcmp(entry, origin) == 0;
    // "https://*.d1abc.amplifyapp.com": the same scheme, then one or more labels, then
    // ".d1abc.amplifyapp.com" (with the pattern's port, if any) ending the origin.
    size_t scheme = (size_t)(star - entry) + 3; /* "https://" */
    const char *suffix = star + 4;              /* ".d1abc.amplifyapp.com[:port]" */
    size_t on = strlen(origin), sn = strlen(suffix);
    if (strncmp(origin, entry, scheme) != 0 || on <= scheme + sn ||
        strcmp(origin + on - sn, suffix) != 0)
        return false;
    return dns_labels(origin + scheme, on - sn - scheme) >= 1;
}

bool config_origin_allowed(const sf_config *cfg, const char *origin)
{
    if (!origin)
        return false;
    for (int i = 0; i < cfg->norigins; i++)
        if (config_origin_matches(cfg->origins[i], origin))
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

/* True for one DNS label of [a-z0-9-], 1..63 long, not starting or ending with '-'. */
static bool dns_label(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* Counts the labels of a lower-case host name s[0..n), or -1 when one is not a label. */
static int dns_labels(const char *s, size_t n)
{
    int labels = 0;
    for (size_t i = 0; i <= n;) {
        const char *dot = memchr(s + i, '.', n - i);
        size_t len = dot ? (size_t)(dot - (s + i)) : n - i;
        if (!dns_label(s + i, len))
            return -1;
        labels++;
        i += len + 1;
        if (!dot)
            break;
    }
    return labels;
}

// Checks one CORS_ALLOWED_ORIGINS entry: an origin "scheme://host[:port]" or a pattern
// "scheme://*.suffix[:port]" (Amplify branch domains: https://*.d1abc.amplifyapp.com)
// whose suffix has at least two labels, so "https://*.com" is refused. The host is lower
// case, as browsers send it.
static bool origin_entry_valid(const char *e, size_t n)
{
    size_t scheme = (n > 8 && strncmp(e, "https://", 8) == 0)  ? 8
                    : (n > 7 && strncmp(e, "http://", 7) == 0) ? 7
                                                               : 0;
    if (!scheme || n > 255)
        return false;
    const char *host = e + scheme;
    size_t hn = n - scheme;
    const char *colon = memchr(host, ':', hn);
    if (colon) {
        size_t pn = hn - (size_t)(colon - host) - 1;
        if (pn == 0 || pn > 5 || colon[1] == '0')
            return false;
        for (size_t i = 1; i <= pn; i++)
            if (colon[i] < '0' || colon[i] > '9')
                return false;
        if (atoi(colon + 1) > 65535)
            return false;
        hn = (size_t)(colon - host);
    }
    if (hn > 2 && host[0] == '*' && host[1] == '.')
        return dns_labels(host + 2, hn - 2) >= 2;
    /* An exact origin: a host name or an IPv4 address (both are labels of [a-z0-9-]). */
    return dns_labels(host, hn) >= 1;
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
        /* An origin has no path: "https://main.d1abc.amplifyapp.com", never a trailing /. */
        if (!origin_entry_valid(start, n)) {
            snprintf(
                err, errlen,
                "CORS_ALLOWED_ORIGINS: \"%.*s\" is not an origin like https://shop.example.com "
                "or a pattern like https://*.d1abc.amplifyapp.com (lower case, no path)",
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
    return load_profiles(a, err, errlen);
}

/* GetUser's endpoint and pacing (docs/customers.md). Real Cognito serves every pool of a
 * region at https://cognito-idp.<region>.amazonaws.com, which is the issuer without its
 * pool id; an emulator whose tokens name real Cognito's issuer (cognito-local in the
 * tests) needs COGNITO_ENDPOINT. The caller's access token travels in the body, so plain
 * http is refused unless local development allows it, as for the JWKS. */
static bool load_profiles(auth_config *a, char *err, size_t errlen)
{
    long v;
    if (!int_env("COGNITO_PROFILE_TIMEOUT_MS", 2000, 100, 30000, &v, err, errlen))
        return false;
    a->profile_timeout_ms = (int)v;
    if (!int_env("COGNITO_PROFILE_RETRY_SECONDS", 300, 1, 86400, &v, err, errlen))
        return false;
    a->profile_retry_s = (int)v;
    const char *ep = getenv("COGNITO_ENDPOINT");
    bool given = ep && *ep;
    /* Keys from elsewhere than the issuer's own JWKS (an emulator, a test's key set)
     * mean the tokens are not that pool's: asking its endpoint would send them to real
     * Cognito for nothing. Without COGNITO_ENDPOINT, profiles then stay off. */
    size_t in = strlen(a->issuer);
    if (!given && a->jwks_url &&
        !(strncmp(a->jwks_url, a->issuer, in) == 0 &&
          strcmp(a->jwks_url + in, "/.well-known/jwks.json") == 0))
        return true;
    size_t n = given ? strlen(ep) : (size_t)(strrchr(a->issuer, '/') - a->issuer);
    if (!given)
        ep = a->issuer;
    while (n && ep[n - 1] == '/')
        n--;
    bool https = n > 8 && strncmp(ep, "https://", 8) == 0;
    bool http = n > 7 && strncmp(ep, "http://", 7) == 0;
    if (n >= sizeof a->user_endpoint || (!https && !http) || strcspn(ep, " \t\r\n") < n) {
        if (!given)
            return true; /* an issuer of no recognisable shape: profiles stay off */
        snprintf(err, errlen,
                 "COGNITO_ENDPOINT must be an http(s) URL such as "
                 "https://cognito-idp.us-east-1.amazonaws.com");
        return false;
    }
    if (http && !a->allow_http_jwks) {
        if (given) {
            snprintf(err, errlen,
                     "COGNITO_ENDPOINT must be https:// (http:// is for local "
                     "development only and needs COGNITO_ALLOW_HTTP=1)");
            return false;
        }
        return true; /* an http issuer without the allowance: profiles stay off */
    }
    memcpy(a->user_endpoint, ep, n);
    a->user_endpoint[n] = '\0';
    return true;
}

/* CLICKSTREAM_APP_IDS: the Clickstream SDK's appIds are short names; anything else is a
 * typo (a URL, a quoted list) that would make every SDK request a silent 403. */
static bool load_clickstream_app_ids(sf_config *cfg, char *err, size_t errlen)
{
    const char *ids = getenv("CLICKSTREAM_APP_IDS");
    if (!ids || !*ids)
        return true;
    cfg->clickstream_app_ids_buf = strdup(ids);
    for (char *save = NULL, *t = strtok_r(cfg->clickstream_app_ids_buf, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        size_t n = strlen(t);
        bool ok = n <= 128;
        for (size_t i = 0; i < n && ok; i++)
            ok = (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
                 (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '_' || t[i] == '.';
        if (!ok) {
            snprintf(err, errlen,
                     "CLICKSTREAM_APP_IDS: \"%.80s\" is not an app id (letters, digits, . _ -; "
                     "at most 128)",
                     t);
            return false;
        }
        if (cfg->nclickstream_app_ids == CONFIG_MAX_CLICKSTREAM_APP_IDS) {
            snprintf(err, errlen, "CLICKSTREAM_APP_IDS: at most %d app ids",
                     CONFIG_MAX_CLICKSTREAM_APP_IDS);
            return false;
        }
        cfg->clickstream_app_ids[cfg->nclickstream_app_ids++] = t;
    }
    return true;
}
/* Forwarding to Kinesis (api/clickstream/forwarder.c). Checked only while KINESIS_STREAM
 * is set, so a server without forwarding never fails on these variables. */
static bool load_forwarding(sf_config *cfg, char *err, size_t errlen)
{
    if (!cfg->kinesis_stream)
        return true;
    size_t n = strlen(cfg->kinesis_stream);
    if (n > 128 ||
        strspn(cfg->kinesis_stream, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_.-") != n) {
        snprintf(err, errlen, "KINESIS_STREAM must be a stream name (1-128 of A-Z a-z 0-9 _ . -)");
        return false;
    }
    if (!load_aws(cfg, "KINESIS_STREAM", err, errlen))
        return false;

    const char *ep = getenv("KINESIS_ENDPOINT");
    if (ep && *ep) {
        /* Plain http would expose the signed requests and the events: only for an
         * emulator on this machine, or when explicitly allowed (LocalStack in Docker). */
        if (!endpoint_ok(ep, "KINESIS_ALLOW_HTTP")) {
            snprintf(err, errlen,
                     "KINESIS_ENDPOINT must be an https:// URL (http:// only for 127.0.0.1, "
                     "localhost or [::1], or with KINESIS_ALLOW_HTTP=1)");
            return false;
        }
        cfg->kinesis_endpoint = strdup(ep);
    } else {
        char buf[96];
        snprintf(buf, sizeof buf, "https://kinesis.%s.amazonaws.com", cfg->aws_region);
        cfg->kinesis_endpoint = strdup(buf);
    }
    long v;
    if (!int_env("FORWARD_BATCH_MAX", 500, 1, 500, &v, err, errlen))
        return false;
    cfg->forward_batch_max = (int)v;
    if (!int_env("FORWARD_POLL_MS", 500, 10, 60000, &v, err, errlen))
        return false;
    cfg->forward_poll_ms = (int)v;
    if (!int_env("FORWARD_BACKOFF_MAX_SECONDS", 300, 1, 86400, &v, err, errlen))
        return false;
    cfg->forward_backoff_max_s = (int)v;
    return true;
}

/* AWS_REGION and the credentials, shared by the Kinesis forwarder and S3; read once,
 * by whichever is configured first. `needed_by` names the variable that made them
 * required, for the message. */
static bool load_aws(sf_config *cfg, const char *needed_by, char *err, size_t errlen)
{
    if (cfg->aws_access_key_id)
        return true;
    const char *region = getenv("AWS_REGION");
    cfg->aws_region = region && *region ? region : "us-east-1";
    size_t n = strlen(cfg->aws_region);
    if (n > 32 || strspn(cfg->aws_region, "abcdefghijklmnopqrstuvwxyz0123456789-") != n) {
        snprintf(err, errlen, "AWS_REGION must be a region name like eu-west-1");
        return false;
    }
    /* Instance/task-role credentials (IMDS, ECS) are not fetched: the operator passes
     * keys in the environment (docs/aws.md), so a missing key is a start-up error
     * rather than a feature that fails every request. */
    const char *akid = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (!akid || !*akid || !secret || !*secret) {
        snprintf(err, errlen,
                 "%s is set but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not "
                 "(it needs credentials in the environment; see docs/aws.md)",
                 needed_by);
        return false;
    }
    cfg->aws_access_key_id = akid;
    cfg->aws_secret_key = secret;
    const char *token = getenv("AWS_SESSION_TOKEN");
    cfg->aws_session_token = token && *token ? token : NULL;
    return true;
}

/* An AWS endpoint URL: printable ASCII, https:// (http:// only for loopback or with
 * allow_var=1), at most 512 characters. */
static bool endpoint_ok(const char *ep, const char *allow_var)
{
    size_t n = strlen(ep);
    bool https = n > 8 && strncmp(ep, "https://", 8) == 0;
    bool http = n > 7 && strncmp(ep, "http://", 7) == 0;
    bool clean = n <= 512;
    for (size_t i = 0; clean && i < n; i++)
        clean = (unsigned char)ep[i] > 0x20 && (unsigned char)ep[i] < 0x7f;
    const char *allow = getenv(allow_var);
    return clean && (https || (http && (loopback_url(ep) || (allow && strcmp(allow, "1") == 0))));
}

/* Product images on S3 (docs/images.md). Checked only while S3_BUCKET is set, so a
 * server without images never fails on these variables. */
static bool load_s3(sf_config *cfg, char *err, size_t errlen)
{
    const char *bucket = getenv("S3_BUCKET");
    if (!bucket || !*bucket)
        return true;
    /* S3's bucket naming rules, so the name goes into a URL path as it is. */
    size_t n = strlen(bucket);
    if (n < 3 || n > 63 || strspn(bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n ||
        bucket[0] == '.' || bucket[0] == '-') {
        snprintf(err, errlen, "S3_BUCKET must be a bucket name (3-63 of a-z 0-9 . -)");
        return false;
    }
    cfg->s3_bucket = bucket;
    if (!load_aws(cfg, "S3_BUCKET", err, errlen))
        return false;
    const char *ep = getenv("S3_ENDPOINT");
    if (ep && *ep) {
        /* scheme://host[:port] only: the bucket and key follow as the path, and the
         * signature covers the host exactly as clients will send it. */
        const char *host = strstr(ep, "://");
        size_t len = strlen(ep);
        while (len > 0 && ep[len - 1] == '/')
            len--;
        if (!endpoint_ok(ep, "S3_ALLOW_HTTP") || !host ||
            memchr(host + 3, '/', len - (size_t)(host + 3 - ep)) || strpbrk(ep, "?#@")) {
            snprintf(err, errlen,
                     "S3_ENDPOINT must be an https://host[:port] URL without a path (http:// "
                     "only for 127.0.0.1, localhost or [::1], or with S3_ALLOW_HTTP=1)");
            return false;
        }
        cfg->s3_endpoint = strndup(ep, len);
    } else {
        char buf[96];
        snprintf(buf, sizeof buf, "https://s3.%s.amazonaws.com", cfg->aws_region);
        cfg->s3_endpoint = strdup(buf);
    }
    const char *base = getenv("IMAGE_BASE_URL");
    if (base && *base) {
        size_t len = strlen(base);
        while (len > 0 && base[len - 1] == '/')
            len--;
        bool clean =
            len <= 512 && (strncmp(base, "https://", 8) == 0 || strncmp(base, "http://", 7) == 0);
        for (size_t i = 0; clean && i < len; i++)
            clean = (unsigned char)base[i] > 0x20 && (unsigned char)base[i] < 0x7f;
        if (!clean) {
            snprintf(err, errlen,
                     "IMAGE_BASE_URL must be an http(s):// URL (e.g. the CloudFront domain)");
            return false;
        }
        cfg->image_base_url = strndup(base, len);
    } else if (asprintf(&cfg->image_base_url, "%s/%s", cfg->s3_endpoint, bucket) < 0) {
        cfg->image_base_url = NULL;
        snprintf(err, errlen, "IMAGE_BASE_URL: out of memory");
        return false;
    }
    long v;
    /* S3 accepts up to 7 days; an upload URL is a capability, so keep it short. */
    if (!int_env("IMAGE_UPLOAD_TTL_SECONDS", 300, 1, 7 * 24 * 3600, &v, err, errlen))
        return false;
    cfg->image_upload_ttl_s = (int)v;
    /* 5 GiB is the most one S3 PUT may carry. */
    if (!int_env("IMAGE_MAX_BYTES", 10L << 20, 1, 5L << 30, &v, err, errlen))
        return false;
    cfg->image_max_bytes = v;
    return true;
}

/* True when url's host is 127.x.x.x, localhost or [::1]. */
static bool loopback_url(const char *url)
{
    const char *h = strstr(url, "://") + 3;
    size_t n = strcspn(h, ":/?#");
    if (n == 9 && strncmp(h, "localhost", 9) == 0)
        return true;
    if (strncmp(h, "[::1]", 5) == 0 && (h[5] == '\0' || strchr(":/", h[5])))
        return true;
    char host[16];
    if (n >= sizeof host || strncmp(h, "127.", 4) != 0)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1;
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

/* >>> config-functions quotes (shipping/tax quotes and guest checkout): insert below this line */
/* <<< config-functions quotes */

/* >>> config-functions stripe (card payments through Stripe and refunds): insert below this line */

/* Card payments through Stripe (docs/payments.md). The key is only kept, never logged;
 * the base URL must be https unless STRIPE_ALLOW_HTTP=1 (the local stand-in). Called by
 * load() only (extern so that its declaration can sit inside this area's anchor). */
bool config_load_stripe(sf_config *cfg, char *err, size_t errlen)
{
    const char *key = getenv("STRIPE_API_KEY");
    cfg->stripe_api_key = key && *key ? key : NULL;
    for (const char *p = cfg->stripe_api_key; p && *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
            snprintf(err, errlen, "STRIPE_API_KEY must be printable ASCII without spaces");
            return false;
        }
    const char *base = getenv("STRIPE_API_BASE");
    if (!base || !*base)
        base = "https://api.stripe.com";
    size_t n = strlen(base);
    bool https = n > 8 && strncmp(base, "https://", 8) == 0;
    bool http = n > 7 && strncmp(base, "http://", 7) == 0;
    const char *allow = getenv("STRIPE_ALLOW_HTTP");
    bool clean = n <= 512;
    for (size_t i = 0; clean && i < n; i++)
        clean = (unsigned char)base[i] > 0x20 && (unsigned char)base[i] < 0x7f;
    if (!clean || !(https || (http && allow && strcmp(allow, "1") == 0))) {
        snprintf(err, errlen,
                 "STRIPE_API_BASE must be an https:// URL (http:// only with STRIPE_ALLOW_HTTP=1), "
                 "got \"%.200s\"",
                 base);
        return false;
    }
    /* Paths are appended as "/v1/…": trailing slashes are left out by length (the
     * environment string itself is kept, so config_free has nothing more to free). */
    while (n > 8 && base[n - 1] == '/')
        n--;
    cfg->stripe_api_base = base;
    cfg->stripe_api_base_len = (int)n;
    long v;
    if (!int_env("STRIPE_TIMEOUT_MS", 10000, 100, 120000, &v, err, errlen))
        return false;
    cfg->stripe_timeout_ms = (int)v;
    /* A card refund Stripe did not answer is sent again after REFUND_RESEND_SECONDS,
     * doubling per attempt up to REFUND_RESEND_MAX_SECONDS (refund_sender.c); 0 = this
     * process sends none (another process of the deployment must). */
    if (!int_env("REFUND_RESEND_SECONDS", 30, 0, 3600, &v, err, errlen))
        return false;
    cfg->refund_resend_s = (int)v;
    if (!int_env("REFUND_RESEND_MAX_SECONDS", 900, 1, 86400, &v, err, errlen))
        return false;
    if (v < cfg->refund_resend_s) {
        snprintf(err, errlen, "REFUND_RESEND_MAX_SECONDS must be at least REFUND_RESEND_SECONDS");
        return false;
    }
    cfg->refund_resend_max_s = (int)v;
    return true;
}
/* <<< config-functions stripe */

/* >>> config-functions mail (order e-mails through SES): insert below this line */

/* A setting that goes into e-mail text or headers: at most `max` bytes, no control
 * characters (a CR/LF in MAIL_FROM would be a header injection). */
static bool mail_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* Order e-mails through SES (docs/messages.md). Without MAIL_FROM nothing else is read:
 * the mailer does not start, so a server without e-mail never fails on these. */
bool config_load_mail(sf_config *cfg, char *err, size_t errlen)
{
    const char *from = getenv("MAIL_FROM");
    const char *name = getenv("SHOP_NAME");
    const char *addr = getenv("SHOP_ADDRESS");
    const char *url = getenv("SHOP_URL");
    cfg->shop_name = name && *name ? name : "Storefront";
    cfg->shop_address = addr ? addr : "";
    if (!mail_text_ok(cfg->shop_name, 200) || !mail_text_ok(cfg->shop_address, 500)) {
        snprintf(err, errlen,
                 "SHOP_NAME (200) and SHOP_ADDRESS (500) must be single lines of text");
        return false;
    }
    if (url && *url) {
        size_t n = strlen(url);
        if (!mail_text_ok(url, 400) || strchr(url, ' ') ||
            (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
            strpbrk(url, "\"<>'")) {
            snprintf(err, errlen, "SHOP_URL must be an http(s):// URL (the shop's web address)");
            return false;
        }
        while (n > 0 && url[n - 1] == '/')
            n--;
        memcpy(cfg->shop_url, url, n);
        cfg->shop_url[n] = '\0';
    }
    if (!from || !*from)
        return true;
    /* An address, or a display name and <address>: the shape SES accepts. */
    const char *at = strchr(from, '@');
    if (!mail_text_ok(from, 320) || !at || at == from || !at[1]) {
        snprintf(err, errlen,
                 "MAIL_FROM must be an e-mail address or \"Name <address>\" (one line, at most "
                 "320 characters), verified in SES");
        return false;
    }
    cfg->mail_from = from;
    if (!load_aws(cfg, "MAIL_FROM", err, errlen))
        return false;
    const char *ep = getenv("SES_ENDPOINT");
    if (ep && *ep) {
        /* Plain http would expose the signed requests and the customers' mail: only for
         * an emulator (aws-ses-v2-local in make run / make test), and only when asked. */
        const char *allow = getenv("SES_ALLOW_HTTP");
        bool http_ok = allow && strcmp(allow, "1") == 0;
        size_t len = strlen(ep);
        while (len > 0 && ep[len - 1] == '/')
            len--;
        bool clean =
            len > 0 && len < sizeof cfg->ses_endpoint && mail_text_ok(ep, 512) &&
            !strpbrk(ep, " ?#@") &&
            (strncmp(ep, "https://", 8) == 0 || (http_ok && strncmp(ep, "http://", 7) == 0));
        if (!clean) {
            snprintf(err, errlen,
                     "SES_ENDPOINT must be an https:// URL (http:// only with SES_ALLOW_HTTP=1)");
            return false;
        }
        memcpy(cfg->ses_endpoint, ep, len);
        cfg->ses_endpoint[len] = '\0';
    } else {
        snprintf(cfg->ses_endpoint, sizeof cfg->ses_endpoint, "https://email.%s.amazonaws.com",
                 cfg->aws_region);
    }
    long v;
    if (!int_env("MAIL_POLL_MS", 1000, 10, 600000, &v, err, errlen))
        return false;
    cfg->mail_poll_ms = (int)v;
    if (!int_env("MAIL_BACKOFF_MAX_SECONDS", 900, 1, 86400, &v, err, errlen))
        return false;
    cfg->mail_backoff_max_s = (int)v;
    return true;
}
/* <<< config-functions mail */

/* >>> config-functions webhooks (partner webhooks): insert below this line */
/* Partner webhook settings (docs/webhooks.md). */
static bool load_webhooks(sf_config *cfg, char *err, size_t errlen)
{
    long v;
    const char *allow = getenv("WEBHOOK_ALLOW_PRIVATE_TARGETS");
    cfg->webhook_allow_private = allow && strcmp(allow, "1") == 0;
    if (!int_env("WEBHOOK_TIMEOUT_MS", 10000, 100, 120000, &v, err, errlen))
        return false;
    cfg->webhook_timeout_ms = (int)v;
    if (!int_env("WEBHOOK_BACKOFF_MAX_SECONDS", 3600, 1, 24 * 3600, &v, err, errlen))
        return false;
    cfg->webhook_backoff_max_s = (int)v;
    if (!int_env("WEBHOOK_MAX_AGE_SECONDS", 3 * 24 * 3600, 60, 30 * 24 * 3600, &v, err, errlen))
        return false;
    cfg->webhook_max_age_s = (int)v;
    if (!int_env("WEBHOOK_POLL_MS", 1000, 0, 60000, &v, err, errlen))
        return false;
    cfg->webhook_poll_ms = (int)v;
    return true;
}
/* <<< config-functions webhooks */
