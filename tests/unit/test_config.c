/*
 * test_config.c — every setting is read strictly: a bad value stops start-up with a
 * message naming the variable.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storefront/config.h"

static char err[256];

static bool load_with(const char *name, const char *value)
{
    sf_config cfg;
    setenv("DATABASE_URL", "postgresql://x@127.0.0.1/db", 1);
    if (name)
        setenv(name, value, 1);
    bool ok = config_load(&cfg, true, err, sizeof err);
    if (ok)
        config_free(&cfg);
    if (name)
        unsetenv(name);
    return ok;
}

/* Forwarding settings: checked only while KINESIS_STREAM is set. */
static void forwarding(void)
{
    setenv("KINESIS_STREAM", "storefront-clickstream", 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK(!load_with(NULL, NULL));
    CHECK(strstr(err, "AWS_ACCESS_KEY_ID") != NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    CHECK(load_with(NULL, NULL));
    sf_config cfg;
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(strcmp(cfg.kinesis_endpoint, "https://kinesis.us-east-1.amazonaws.com") == 0);
    CHECK(cfg.forward_batch_max == 500);
    config_free(&cfg);
    CHECK(load_with("KINESIS_ENDPOINT", "http://127.0.0.1:4567"));
    CHECK(load_with("KINESIS_ENDPOINT", "http://localhost:4567/"));
    CHECK(!load_with("KINESIS_ENDPOINT", "http://kinesis.example.com"));
    CHECK(strstr(err, "KINESIS_ENDPOINT") != NULL);
    CHECK(!load_with("KINESIS_ENDPOINT", "http://127.0.0.1.evil.example.com"));
    CHECK(!load_with("KINESIS_ENDPOINT", "ftp://127.0.0.1"));
    setenv("KINESIS_ALLOW_HTTP", "1", 1);
    CHECK(load_with("KINESIS_ENDPOINT", "http://localstack:4566"));
    unsetenv("KINESIS_ALLOW_HTTP");
    CHECK(!load_with("FORWARD_BATCH_MAX", "501"));
    CHECK(strstr(err, "FORWARD_BATCH_MAX") != NULL);
    CHECK(!load_with("FORWARD_POLL_MS", "0"));
    CHECK(!load_with("FORWARD_BACKOFF_MAX_SECONDS", "x"));
    CHECK(!load_with("AWS_REGION", "us east 1"));
    CHECK(!load_with("KINESIS_STREAM", "a/b"));
    unsetenv("KINESIS_STREAM");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK(load_with("FORWARD_BATCH_MAX", "9999")); /* ignored while forwarding is off */
}

/* Order e-mails (docs/messages.md): nothing is checked but the shop's text while
 * MAIL_FROM is unset; with it, credentials are required and SES_ENDPOINT is https
 * unless SES_ALLOW_HTTP=1. */
static void mail(void)
{
    sf_config cfg;
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK(load_with("SES_ENDPOINT", "ftp://x")); /* ignored while MAIL_FROM is unset */
    CHECK(!load_with("SHOP_NAME", "Two\nlines"));
    CHECK(strstr(err, "SHOP_NAME") != NULL);
    CHECK(!load_with("SHOP_URL", "shop.example.com"));
    CHECK(strstr(err, "SHOP_URL") != NULL);
    CHECK(!load_with("MAIL_FROM", "orders@example.com"));
    CHECK(strstr(err, "MAIL_FROM") != NULL && strstr(err, "AWS_ACCESS_KEY_ID") != NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    CHECK(!load_with("MAIL_FROM", "no-at-sign"));
    CHECK(!load_with("MAIL_FROM", "a@b.c\r\nBcc: x@y.z"));
    setenv("MAIL_FROM", "Shop <orders@example.com>", 1);
    setenv("SHOP_URL", "https://shop.example.com/", 1);
    setenv("DATABASE_URL", "postgresql://x@127.0.0.1/db", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK_STR(cfg.ses_endpoint, "https://email.us-east-1.amazonaws.com");
    CHECK_STR(cfg.shop_url, "https://shop.example.com");
    CHECK_STR(cfg.shop_name, "Storefront");
    CHECK(cfg.mail_poll_ms == 1000 && cfg.mail_backoff_max_s == 900);
    config_free(&cfg);
    CHECK(!load_with("SES_ENDPOINT", "http://127.0.0.1:8005"));
    CHECK(strstr(err, "SES_ALLOW_HTTP") != NULL);
    setenv("SES_ALLOW_HTTP", "1", 1);
    CHECK(load_with("SES_ENDPOINT", "http://127.0.0.1:8005"));
    CHECK(!load_with("MAIL_POLL_MS", "0"));
    CHECK(!load_with("MAIL_BACKOFF_MAX_SECONDS", "x"));
    unsetenv("SES_ALLOW_HTTP");
    unsetenv("SHOP_URL");
    unsetenv("MAIL_FROM");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

/* GetUser's endpoint (docs/customers.md): given, derived from the issuer when the keys
 * are the issuer's own, else off; http only with COGNITO_ALLOW_HTTP. */
static void profiles(void)
{
    const char *iss = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E";
    sf_config cfg;
    setenv("COGNITO_ISSUER", iss, 1);
    setenv("COGNITO_CLIENT_IDS", "client1", 1);
    unsetenv("COGNITO_JWKS_URL");
    unsetenv("COGNITO_ENDPOINT");
    unsetenv("COGNITO_ALLOW_HTTP");
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK_STR(cfg.auth.user_endpoint, "https://cognito-idp.eu-west-1.amazonaws.com");
    CHECK(cfg.auth.profile_timeout_ms == 2000 && cfg.auth.profile_retry_s == 300);
    config_free(&cfg);
    setenv("COGNITO_JWKS_URL",
           "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E/.well-known/jwks.json",
           1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK_STR(cfg.auth.user_endpoint, "https://cognito-idp.eu-west-1.amazonaws.com");
    config_free(&cfg);
    /* Keys from elsewhere: the tokens are not the pool's, so no default endpoint. */
    setenv("COGNITO_JWKS_URL", "https://keys.example.com/jwks.json", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK_STR(cfg.auth.user_endpoint, "");
    config_free(&cfg);
    setenv("COGNITO_ENDPOINT", "https://cognito.example.com/", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK_STR(cfg.auth.user_endpoint, "https://cognito.example.com");
    config_free(&cfg);
    CHECK(!load_with("COGNITO_ENDPOINT", "http://127.0.0.1:9229"));
    CHECK(strstr(err, "COGNITO_ENDPOINT") != NULL);
    CHECK(!load_with("COGNITO_ENDPOINT", "ftp://x"));
    CHECK(!load_with("COGNITO_PROFILE_TIMEOUT_MS", "50"));
    CHECK(strstr(err, "COGNITO_PROFILE_TIMEOUT_MS") != NULL);
    CHECK(!load_with("COGNITO_PROFILE_RETRY_SECONDS", "0"));
    setenv("COGNITO_ALLOW_HTTP", "1", 1);
    CHECK(load_with("COGNITO_ENDPOINT", "http://127.0.0.1:9229"));
    unsetenv("COGNITO_ALLOW_HTTP");
    unsetenv("COGNITO_ENDPOINT");
    unsetenv("COGNITO_JWKS_URL");
    unsetenv("COGNITO_CLIENT_IDS");
    unsetenv("COGNITO_ISSUER");
}

/* Product images on S3: checked only while S3_BUCKET is set; shares AWS credentials. */
static void s3(void)
{
    CHECK(load_with("IMAGE_MAX_BYTES", "x")); /* ignored while S3 is off */
    setenv("S3_BUCKET", "storefront-images", 1);
    CHECK(!load_with(NULL, NULL));
    CHECK(strstr(err, "S3_BUCKET") != NULL && strstr(err, "AWS_ACCESS_KEY_ID") != NULL);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    sf_config cfg;
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(strcmp(cfg.s3_endpoint, "https://s3.us-east-1.amazonaws.com") == 0);
    CHECK(strcmp(cfg.image_base_url, "https://s3.us-east-1.amazonaws.com/storefront-images") == 0);
    CHECK(cfg.image_upload_ttl_s == 300 && cfg.image_max_bytes == 10 << 20);
    config_free(&cfg);
    setenv("S3_ENDPOINT", "http://127.0.0.1:4569/", 1);
    setenv("IMAGE_BASE_URL", "https://cdn.example.com/", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(strcmp(cfg.s3_endpoint, "http://127.0.0.1:4569") == 0);
    CHECK(strcmp(cfg.image_base_url, "https://cdn.example.com") == 0);
    config_free(&cfg);
    unsetenv("IMAGE_BASE_URL");
    CHECK(!load_with("S3_ENDPOINT", "http://s3.example.com"));
    CHECK(strstr(err, "S3_ENDPOINT") != NULL);
    CHECK(!load_with("S3_ENDPOINT", "https://s3.example.com/path"));
    CHECK(!load_with("S3_ENDPOINT", "https://s3.example.com?x=1"));
    setenv("S3_ALLOW_HTTP", "1", 1);
    CHECK(load_with("S3_ENDPOINT", "http://localstack:4566"));
    unsetenv("S3_ALLOW_HTTP");
    CHECK(!load_with("IMAGE_BASE_URL", "cdn.example.com"));
    CHECK(!load_with("IMAGE_UPLOAD_TTL_SECONDS", "0"));
    CHECK(!load_with("IMAGE_MAX_BYTES", "0"));
    CHECK(strstr(err, "IMAGE_MAX_BYTES") != NULL);
    CHECK(!load_with("S3_BUCKET", "Bad_Bucket")); /* last: load_with unsets it */
    CHECK(strstr(err, "S3_BUCKET") != NULL);
    unsetenv("S3_BUCKET");
    unsetenv("S3_ENDPOINT");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

// CORS_ALLOWED_ORIGINS patterns for Amplify branch domains (line comments: the patterns
// hold a slash-star).
static void cors_patterns(void)
{
    const char *p = "https://*.d1abc.amplifyapp.com";
    CHECK(config_origin_matches(p, "https://main.d1abc.amplifyapp.com"));
    CHECK(config_origin_matches(p, "https://feature-x.d1abc.amplifyapp.com"));
    CHECK(config_origin_matches(p, "https://a.b.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://a..d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://evil.com/.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://evil.com:443@x.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://d1abc.amplifyapp.com.evil.com"));
    CHECK(!config_origin_matches(p, "https://main.d1abc.amplifyapp.com.evil.com"));
    CHECK(!config_origin_matches(p, "https://maind1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://main.xd1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "http://main.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://main.d1abc.amplifyapp.com:8443"));
    CHECK(!config_origin_matches(p, "https://main.d1abc.amplifyapp.com/"));
    CHECK(!config_origin_matches(p, "https://MAIN.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, "https://-x.d1abc.amplifyapp.com"));
    CHECK(!config_origin_matches(p, NULL));
    /* A port only when the pattern has it, and then exactly it. */
    CHECK(config_origin_matches("http://*.local.test:5173", "http://a.local.test:5173"));
    CHECK(!config_origin_matches("http://*.local.test:5173", "http://a.local.test"));
    CHECK(!config_origin_matches("http://*.local.test:5173", "http://a.local.test:51730"));
    /* Exact origins stay byte for byte. */
    CHECK(config_origin_matches("https://shop.example.com", "https://shop.example.com"));
    CHECK(!config_origin_matches("https://shop.example.com", "https://x.shop.example.com"));

    /* Invalid entries stop start-up with a line naming the variable. */
    static const char *const bad[] = {"https://*.com",
                                      "https://*.",
                                      "https://*",
                                      "https://x.*.amplifyapp.com",
                                      "https://*d1abc.amplifyapp.com",
                                      "https://**.d1abc.amplifyapp.com",
                                      "https://*.d1abc.amplifyapp.com/",
                                      "ftp://*.d1abc.amplifyapp.com",
                                      "https://*.D1ABC.amplifyapp.com",
                                      "https://*.d1abc..amplifyapp.com",
                                      "https://*.d1abc.amplifyapp.com:",
                                      "https://*.d1abc.amplifyapp.com:99999",
                                      "https://*.d1_abc.amplifyapp.com",
                                      "*.d1abc.amplifyapp.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!load_with("CORS_ALLOWED_ORIGINS", bad[i]));
        CHECK(strstr(err, "CORS_ALLOWED_ORIGINS") != NULL);
    }
    sf_config cfg;
    setenv("CORS_ALLOWED_ORIGINS", "https://*.d1abc.amplifyapp.com,https://shop.example.com", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(config_origin_allowed(&cfg, "https://feature-x.d1abc.amplifyapp.com"));
    CHECK(config_origin_allowed(&cfg, "https://shop.example.com"));
    CHECK(!config_origin_allowed(&cfg, "https://d1abc.amplifyapp.com.evil.com"));
    config_free(&cfg);
    unsetenv("CORS_ALLOWED_ORIGINS");
}

int main(void)
{
    /* The settings under test come from this file, not from the caller's environment
     * (make test exports KINESIS_STREAM and AWS keys for the server). */
    unsetenv("KINESIS_STREAM");
    unsetenv("KINESIS_ENDPOINT");
    unsetenv("AWS_REGION");
    unsetenv("S3_BUCKET");
    unsetenv("S3_ENDPOINT");
    unsetenv("IMAGE_BASE_URL");
    static const char *const mail_vars[] = {
        "MAIL_FROM", "SES_ENDPOINT", "SES_ALLOW_HTTP", "MAIL_POLL_MS",
        "SHOP_NAME", "SHOP_ADDRESS", "SHOP_URL",       "MAIL_BACKOFF_MAX_SECONDS"};
    for (size_t i = 0; i < sizeof mail_vars / sizeof mail_vars[0]; i++)
        unsetenv(mail_vars[i]);
    forwarding();
    mail();
    profiles();
    s3();
    CHECK(load_with(NULL, NULL));
    CHECK(!load_with("PORT", "80a"));
    CHECK(strstr(err, "PORT") != NULL);
    CHECK(!load_with("PORT", "70000"));
    CHECK(load_with("PORT", "9090"));
    CHECK(!load_with("LOG_LEVEL", "verbose"));
    CHECK(strstr(err, "LOG_LEVEL") != NULL);
    CHECK(!load_with("LISTEN_ADDR", "localhost:80"));
    CHECK(strstr(err, "LISTEN_ADDR") != NULL);
    CHECK(!load_with("CORS_ALLOWED_ORIGINS", "https://shop.example.com/"));
    CHECK(strstr(err, "CORS_ALLOWED_ORIGINS") != NULL);
    CHECK(!load_with("CORS_ALLOWED_ORIGINS", "shop.example.com"));
    CHECK(!load_with("CURSOR_SECRET", "short"));
    CHECK(!load_with("DB_POOL_SIZE", "0"));
    CHECK(!load_with("ANALYTICS_REFRESH_SECONDS", "1m"));
    CHECK(strstr(err, "ANALYTICS_REFRESH_SECONDS") != NULL);
    CHECK(!load_with("ANALYTICS_REFRESH_SECONDS", "-1"));
    CHECK(load_with("ANALYTICS_REFRESH_SECONDS", "0"));
    /* Clickstream ingestion. */
    CHECK(!load_with("EVENTS_QUEUE_MAX", "10"));
    CHECK(!load_with("EVENTS_FLUSH_MS", "-1"));
    CHECK(!load_with("EVENTS_INSERT_METHOD", "insert"));
    CHECK(load_with("EVENTS_INSERT_METHOD", "copy"));
    CHECK(!load_with("TRUSTED_PROXY_HOPS", "x"));
    CHECK(!load_with("EVENTS_RETENTION_DAYS", "3")); /* below EVENTS_MAX_AGE_DAYS (7) */
    CHECK(strstr(err, "EVENTS_RETENTION_DAYS") != NULL);

    sf_config cfg;
    setenv("CORS_ALLOWED_ORIGINS", "https://main.d1.amplifyapp.com, http://localhost:5173", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(cfg.norigins == 2);
    CHECK(config_origin_allowed(&cfg, "http://localhost:5173"));
    CHECK(!config_origin_allowed(&cfg, "http://localhost:5174"));
    CHECK(!config_origin_allowed(&cfg, NULL));
    config_free(&cfg);
    unsetenv("CORS_ALLOWED_ORIGINS");
    cors_patterns();

    CHECK(!load_with("CLICKSTREAM_APP_IDS", "https://shop.example.com"));
    CHECK(strstr(err, "CLICKSTREAM_APP_IDS") != NULL);
    CHECK(!load_with("CLICKSTREAM_APP_IDS", "\"storefront-web\""));
    setenv("CLICKSTREAM_APP_IDS", "storefront-web, storefront_android", 1);
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(cfg.nclickstream_app_ids == 2);
    CHECK_STR(cfg.clickstream_app_ids[1], "storefront_android");
    config_free(&cfg);
    unsetenv("CLICKSTREAM_APP_IDS");
    CHECK(config_load(&cfg, true, err, sizeof err));
    CHECK(cfg.nclickstream_app_ids == 0); /* unset: the SDK endpoint accepts no appId */
    config_free(&cfg);

    unsetenv("DATABASE_URL");
    CHECK(!config_load(&cfg, true, err, sizeof err));
    CHECK(strstr(err, "DATABASE_URL") != NULL);
    return check_done();
}
