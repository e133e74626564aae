/*
 * config.h — settings read once from the environment at start-up.
 *
 * Every setting is documented in README.md ("Configuration"). An invalid value stops
 * the program with one line naming the variable (config_load returns false and writes
 * that line into `err`).
 */
#ifndef STOREFRONT_CONFIG_H
#define STOREFRONT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "storefront/auth.h"

#define CONFIG_MAX_ORIGINS 16

/* CLICKSTREAM_APP_IDS: how many appIds the Clickstream SDK endpoint accepts. */
#define CONFIG_MAX_CLICKSTREAM_APP_IDS 16

typedef struct sf_config {
    char *database_url;          /* DATABASE_URL (required) */
    char listen_addr[64];        /* LISTEN_ADDR, default 127.0.0.1 */
    int port;                    /* PORT, default 8080 */
    int log_level;               /* LOG_LEVEL: error|warning|info|debug (yder levels) */
    int threads;                 /* HTTP_THREADS, default 2 x cores */
    int max_connections;         /* HTTP_MAX_CONNECTIONS, default 1024 */
    int connection_timeout_s;    /* HTTP_CONNECTION_TIMEOUT, default 30 s idle */
    int db_pool_size;            /* DB_POOL_SIZE, default = threads */
    int db_acquire_timeout_ms;   /* DB_ACQUIRE_TIMEOUT_MS, default 2000 */
    int db_statement_timeout_ms; /* DB_STATEMENT_TIMEOUT_MS, default 5000 */
    size_t max_body_bytes;       /* MAX_BODY_BYTES, default 1 MiB */
    int catalog_max_age_s;       /* CATALOG_MAX_AGE, Cache-Control max-age, default 60 */
    int cart_max_line_quantity;  /* CART_MAX_LINE_QUANTITY, units of one variant, default 10 */
    int cart_max_lines;          /* CART_MAX_LINES, different variants per cart, default 50 */
    int cart_idle_ttl_s;         /* CART_IDLE_TTL_SECONDS, default 7 days */
    const char *stripe_webhook_secret; /* STRIPE_WEBHOOK_SECRET (environment); NULL = unset,
                                          POST /v1/payments/webhook answers 503 */
    int stripe_webhook_tolerance_s;    /* STRIPE_WEBHOOK_TOLERANCE_SECONDS, default 300 */
    int unpaid_order_ttl_s;            /* UNPAID_ORDER_TTL_SECONDS, default 86400 */
    int unpaid_sweep_interval_s;       /* UNPAID_SWEEP_INTERVAL_SECONDS, default 60 */
    /* Clickstream forwarding: KINESIS_STREAM (a stream name); NULL = off, and then the
     * writer adds no outbox rows. */
    const char *kinesis_stream;
    /* The forwarder's settings (read only while kinesis_stream is set; README.md). The
     * region and credentials are shared with S3 (read while either is configured). */
    char *kinesis_endpoint; /* KINESIS_ENDPOINT, default https://kinesis.<region>.amazonaws.com */
    const char *aws_region; /* AWS_REGION, default us-east-1 */
    const char *aws_access_key_id; /* AWS_ACCESS_KEY_ID (needed by KINESIS_STREAM, S3_BUCKET) */
    const char *aws_secret_key;    /* AWS_SECRET_ACCESS_KEY (likewise) */
    const char *aws_session_token; /* AWS_SESSION_TOKEN, NULL = none */
    int forward_batch_max;         /* FORWARD_BATCH_MAX, records per PutRecords, 1..500 */
    int forward_poll_ms;           /* FORWARD_POLL_MS, idle wait, default 500 */
    int forward_backoff_max_s;     /* FORWARD_BACKOFF_MAX_SECONDS, retry delay cap, default 300 */
    int analytics_refresh_s;       /* ANALYTICS_REFRESH_SECONDS, default 60; 0 = no refresher */
    /* Clickstream ingestion (docs/clickstream.md). */
    int events_queue_max;      /* EVENTS_QUEUE_MAX, events queued or in flight, default 20000 */
    int events_flush_ms;       /* EVENTS_FLUSH_MS, group-commit wait, default 2 */
    int events_writer_threads; /* EVENTS_WRITER_THREADS, default 2 */
    int events_max_age_days;   /* EVENTS_MAX_AGE_DAYS, oldest accepted timestamp, default 7 */
    int events_retention_days; /* EVENTS_RETENTION_DAYS, >= max age, default 90 */
    double events_rate_per_s;  /* EVENTS_RATE_PER_SECOND, anonymous, per address, default 20 */
    int events_rate_burst;     /* EVENTS_RATE_BURST, default 100 */
    int trusted_proxy_hops;    /* TRUSTED_PROXY_HOPS, X-Forwarded-For entries to trust, 0 */
    bool events_use_copy;      /* EVENTS_INSERT_METHOD: unnest (default) or copy */
    unsigned char cursor_key[32];
    bool cursor_key_from_env; /* CURSOR_SECRET given (needed with several instances) */
    /* Guest order access tokens are HMAC-SHA256 under this key (svc_order_token), derived
     * from cursor_key: instances that share CURSOR_SECRET make the same token. */
    unsigned char order_token_key[32];
    int norigins;
    // CORS_ALLOWED_ORIGINS, comma separated: origins and https://*.suffix patterns
    char *origins[CONFIG_MAX_ORIGINS];
    /* Cognito (COGNITO_ISSUER unset = sign-in not configured; protected routes 503).
     * Strings point into the environment, which outlives the config. */
    bool auth_enabled;
    auth_config auth; /* COGNITO_ISSUER, COGNITO_JWKS_URL, COGNITO_CLIENT_IDS,
                         COGNITO_TOKEN_USE, COGNITO_ALLOW_HTTP, JWT_LEEWAY_SECONDS,
                         ADMIN_GROUP, AUTH_TOKEN_CACHE_SIZE, COGNITO_ENDPOINT,
                         COGNITO_PROFILE_TIMEOUT_MS, COGNITO_PROFILE_RETRY_SECONDS */
    char *client_ids_buf;
    /* Clickstream SDK protocol (POST /v1/clickstream): CLICKSTREAM_APP_IDS, the appIds
     * it accepts, comma separated; none = every appId is answered 403. The strings
     * point into clickstream_app_ids_buf. */
    size_t nclickstream_app_ids;
    const char *clickstream_app_ids[CONFIG_MAX_CLICKSTREAM_APP_IDS];
    char *clickstream_app_ids_buf;
    /* Product images on S3 (load_s3 in config.c, docs/images.md). S3_BUCKET unset = not
     * configured: the image upload routes answer 503. With it set, aws_region and the
     * aws_* credentials above are loaded too (required). */
    const char *s3_bucket;     /* S3_BUCKET */
    char *s3_endpoint;         /* S3_ENDPOINT, default https://s3.<region>.amazonaws.com */
    char *image_base_url;      /* IMAGE_BASE_URL, default <S3_ENDPOINT>/<bucket> */
    int image_upload_ttl_s;    /* IMAGE_UPLOAD_TTL_SECONDS, presigned URL lifetime, 300 */
    long long image_max_bytes; /* IMAGE_MAX_BYTES, largest upload, default 10 MiB */

    /* >>> config http15 (the connection layer, issue 15): insert below this line */
    int request_head_timeout_s;      /* HTTP_REQUEST_HEAD_TIMEOUT, whole request head, default 10 */
    int max_connections_per_address; /* HTTP_MAX_CONNECTIONS_PER_ADDRESS, default 64, 0 = off */
    int shutdown_grace_s;            /* SHUTDOWN_GRACE_SECONDS, in-flight requests, default 10 */
    /* <<< config http15 */

    /* >>> config pool15 (per-worker connections, reconnect backoff): insert below this line */
    int db_reconnect_backoff_max_ms; /* DB_RECONNECT_BACKOFF_MAX_MS, default 5000 */
    /* <<< config pool15 */

    /* >>> config cache15 (the catalog response cache): insert below this line */
    size_t catalog_cache_bytes; /* CATALOG_CACHE_BYTES, rendered answers kept, 0 = off */
    /* <<< config cache15 */

    /* >>> config quotes (shipping/tax quotes and guest checkout): insert below this line */
    /* <<< config quotes */

    /* >>> config stripe (card payments through Stripe and refunds): insert below this line */
    const char *stripe_api_key;  /* STRIPE_API_KEY (sk_…); NULL = card payments answer 503 */
    const char *stripe_api_base; /* STRIPE_API_BASE, default https://api.stripe.com;
                                    http:// only with STRIPE_ALLOW_HTTP=1 */
    int stripe_api_base_len;     /* its length without trailing slashes ("%.*s") */
    int stripe_timeout_ms;       /* STRIPE_TIMEOUT_MS, whole call to Stripe, default 10000 */
    int refund_resend_s;         /* REFUND_RESEND_SECONDS, first resend of an unanswered card
                                    refund, default 30; 0 = no refund sender here */
    int refund_resend_max_s;     /* REFUND_RESEND_MAX_SECONDS, cap of its backoff, default 900 */
    /* <<< config stripe */

    /* >>> config mail (order e-mails through SES): insert below this line */
    /* Order e-mails (mailer.c, docs/messages.md). mail_from NULL (MAIL_FROM unset) = the
     * mailer is not started and e-mail rows wait in the outbox. With it set, aws_region
     * and the aws_* credentials above are loaded too (required). */
    const char *mail_from;    /* MAIL_FROM, the SES-verified sender ("Shop <a@b.c>") */
    const char *shop_name;    /* SHOP_NAME, default "Storefront" */
    const char *shop_address; /* SHOP_ADDRESS, default "" (the footer of every e-mail) */
    char shop_url[401];       /* SHOP_URL, default "" (no order link); no trailing '/' */
    char ses_endpoint[520];   /* SES_ENDPOINT, default https://email.<region>.amazonaws.com */
    int mail_poll_ms;         /* MAIL_POLL_MS, the sleep between rounds, default 1000 */
    int mail_backoff_max_s;   /* MAIL_BACKOFF_MAX_SECONDS, the longest retry delay, 900 */
    /* <<< config mail */

    /* >>> config webhooks (partner webhooks): insert below this line */
    /* Partner webhooks (docs/webhooks.md). */
    bool webhook_allow_private; /* WEBHOOK_ALLOW_PRIVATE_TARGETS=1: private/loopback targets
                                   and http:// allowed (development only) */
    int webhook_timeout_ms;     /* WEBHOOK_TIMEOUT_MS, per delivery, default 10000 */
    int webhook_backoff_max_s;  /* WEBHOOK_BACKOFF_MAX_SECONDS, retry delay cap, 3600 */
    int webhook_max_age_s;      /* WEBHOOK_MAX_AGE_SECONDS, then failed, 259200 (3 days) */
    int webhook_poll_ms;        /* WEBHOOK_POLL_MS, sender's sleep, 1000; 0 = no sender */
    /* <<< config webhooks */
} sf_config;

/* Reads the environment into cfg. `need_database` = false lets `version` run without
 * DATABASE_URL. Returns false and a one-line message in err on any invalid value. */
bool config_load(sf_config *cfg, bool need_database, char *err, size_t errlen);
void config_free(sf_config *cfg);

/* True when origin (the Origin header: scheme://host[:port]) matches one entry of
 * CORS_ALLOWED_ORIGINS (see config_origin_matches). NULL is never allowed. */
bool config_origin_allowed(const sf_config *cfg, const char *origin);

// True when origin matches entry: byte for byte for an exact origin; for a pattern
// "https://*.d1abc.amplifyapp.com[:port]", the same scheme, one or more DNS labels, then
// exactly the pattern's suffix and port (no port in the origin unless the pattern has
// it). So https://main.d1abc.amplifyapp.com matches; https://d1abc.amplifyapp.com,
// https://d1abc.amplifyapp.com.evil.com, https://evil.com/.d1abc.amplifyapp.com and
// http://main.d1abc.amplifyapp.com do not. (Line comments: the pattern holds a slash-star.)
bool config_origin_matches(const char *entry, const char *origin);

#endif
