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

int main(void)
{
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

    unsetenv("DATABASE_URL");
    CHECK(!config_load(&cfg, true, err, sizeof err));
    CHECK(strstr(err, "DATABASE_URL") != NULL);
    return check_done();
}
