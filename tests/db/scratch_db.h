/*
 * scratch_db.h — scratch databases for db tests: each test that needs a database of
 * its own creates one from STOREFRONT_TEST_DATABASE_URL's server and drops it after.
 * Header-only: each db test file is its own executable.
 */
#ifndef STOREFRONT_TEST_SCRATCH_DB_H
#define STOREFRONT_TEST_SCRATCH_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void drop_database(PGconn *admin, const char *dbname);
static void ignore_notice(void *arg, const char *message);

/* Creates dbname and returns a conninfo for it: the base URL's settings with dbname
 * replaced (key=value form, values quoted as libpq requires). */
static char *make_database(PGconn *admin, const char *base_url, const char *dbname)
{
    char sql[160];
    drop_database(admin, dbname);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname); /* our own identifier */
    PGresult *r = PQexec(admin, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "test: %s failed: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQconninfoOption *opts = PQconninfoParse(base_url, NULL);
    if (!ok || !opts) {
        PQconninfoFree(opts);
        return NULL;
    }
    size_t cap = 1024, len = 0;
    char *out = calloc(1, cap);
    for (PQconninfoOption *o = opts; o->keyword && out; o++) {
        const char *val = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
        if (!val)
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s='", o->keyword);
        for (const char *s = val; *s && len + 4 < cap; s++) {
            if (*s == '\'' || *s == '\\')
                out[len++] = '\\';
            out[len++] = *s;
        }
        len += (size_t)snprintf(out + len, cap - len, "' ");
    }
    PQconninfoFree(opts);
    return out;
}

static void drop_database(PGconn *admin, const char *dbname)
{
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    PQsetNoticeProcessor(admin, ignore_notice, NULL); /* "does not exist, skipping" */
    PQclear(PQexec(admin, sql));
}

static void ignore_notice(void *arg, const char *message)
{
}

#endif
