/*
 * test_migrate.c — `storefront migrate` against a real PostgreSQL.
 *
 * Works in a database of its own (sf_migrate_test_<pid>, created from
 * STOREFRONT_TEST_DATABASE_URL and dropped at the end) so it can start from nothing
 * and tamper with schema_migrations freely. Covers what an operator would notice:
 * a fresh database gets every migration, a re-run changes nothing, an edited migration
 * or a database newer than the binary is refused with a message naming the file, and
 * two migrate runs started together apply each migration once.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "db/scratch_db.h"
#include "storefront/admin.h"
#include "storefront/migrations.h"

typedef struct run_args {
    const char *url;
    int rc;
    char out[4096];
} run_args;

static char *query_text(const char *url, const char *sql, int nparams, const char *const *params);
static int migrate_capture(const char *url, char *out, size_t outcap, char *err, size_t errcap);
static void *migrate_thread(void *arg);
static void test_fresh_and_rerun(const char *url);
static void test_refusals(const char *url);
static void test_concurrent(const char *url);

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_migrate: STOREFRONT_TEST_DATABASE_URL is not set; it must name a "
                        "PostgreSQL database whose role may CREATE DATABASE\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_migrate: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char a[64], b[64];
    snprintf(a, sizeof a, "sf_migrate_test_%ld", (long)getpid());
    snprintf(b, sizeof b, "sf_migrate_test_%ld_b", (long)getpid());
    char *url_a = make_database(admin, base, a);
    char *url_b = make_database(admin, base, b);
    CHECK(url_a && url_b);
    if (url_a && url_b) {
        test_fresh_and_rerun(url_a);
        test_refusals(url_a);
        test_concurrent(url_b);
    }
    free(url_a);
    free(url_b);
    drop_database(admin, a);
    drop_database(admin, b);
    PQfinish(admin);
    return check_done();
}

static void test_fresh_and_rerun(const char *url)
{
    char out[4096], err[4096];
    CHECK(migrate_capture(url, out, sizeof out, err, sizeof err) == 0);
    for (size_t i = 0; i < sf_migrations_count; i++)
        CHECK(strstr(out, sf_migrations[i].name) != NULL);
    char *n = query_text(url, "SELECT count(*) FROM schema_migrations", 0, NULL);
    char want[32];
    snprintf(want, sizeof want, "%zu", sf_migrations_count);
    CHECK_STR(n, want);
    free(n);
    /* The recorded checksum is the SHA-256 of the file, as PostgreSQL computes it. */
    char *sum =
        query_text(url, "SELECT checksum FROM schema_migrations ORDER BY name LIMIT 1", 0, NULL);
    CHECK(sum && strlen(sum) == 64);
    free(sum);
    char *tables = query_text(url,
                              "SELECT count(*) FROM information_schema.tables "
                              "WHERE table_name IN ('products', 'product_variants')",
                              0, NULL);
    CHECK_STR(tables, "2");
    free(tables);

    char *before = query_text(url,
                              "SELECT string_agg(name || applied_at, ',') "
                              "FROM schema_migrations",
                              0, NULL);
    CHECK(migrate_capture(url, out, sizeof out, err, sizeof err) == 0);
    CHECK(strstr(out, "database is up to date") != NULL);
    char *after = query_text(url,
                             "SELECT string_agg(name || applied_at, ',') "
                             "FROM schema_migrations",
                             0, NULL);
    CHECK_STR(after, before);
    free(before);
    free(after);
}

static void test_refusals(const char *url)
{
    char out[4096], err[4096];
    const char *first[] = {sf_migrations[0].name};

    free(query_text(url, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE name = $1",
                    1, first));
    CHECK(migrate_capture(url, out, sizeof out, err, sizeof err) != 0);
    CHECK(strstr(err, first[0]) != NULL);
    CHECK(strstr(err, "changed after it was applied") != NULL);
    CHECK(strstr(out, "up to date") == NULL);

    /* Restoring the checksum PostgreSQL itself computes from the compiled text makes
     * the database acceptable again: our hex SHA-256 is the standard one. */
    const char *restore[] = {sf_migrations[0].name, sf_migrations[0].sql};
    free(query_text(url,
                    "UPDATE schema_migrations SET checksum = "
                    "encode(sha256(convert_to($2, 'UTF8')), 'hex') WHERE name = $1",
                    2, restore));
    CHECK(migrate_capture(url, out, sizeof out, err, sizeof err) == 0);
    CHECK(strstr(out, "database is up to date") != NULL);

    free(query_text(url,
                    "INSERT INTO schema_migrations (name, checksum) "
                    "VALUES ('9999_from_the_future.sql', repeat('a', 64))",
                    0, NULL));
    CHECK(migrate_capture(url, out, sizeof out, err, sizeof err) != 0);
    CHECK(strstr(err, "9999_from_the_future.sql") != NULL);
    CHECK(strstr(err, "older than the database") != NULL);
    CHECK(strstr(out, "applied") == NULL);
}

static void test_concurrent(const char *url)
{
    run_args a = {.url = url}, b = {.url = url};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, migrate_thread, &a);
    pthread_create(&tb, NULL, migrate_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(a.rc == 0 && b.rc == 0);
    /* Exactly one of them applied the migrations; the other found nothing to do. */
    bool a_applied = strstr(a.out, "applied") != NULL, b_applied = strstr(b.out, "applied") != NULL;
    CHECK(a_applied != b_applied);
    CHECK(strstr(a_applied ? b.out : a.out, "database is up to date") != NULL);
    char *n = query_text(url, "SELECT count(*) FROM schema_migrations", 0, NULL);
    char want[32];
    snprintf(want, sizeof want, "%zu", sf_migrations_count);
    CHECK_STR(n, want);
    free(n);
}

/* --- helpers ---------------------------------------------------------------------- */

/* Runs one parameterized statement on a connection of its own; returns the first
 * value of the first row (malloc'd) or NULL. Failures are printed. */
static char *query_text(const char *url, const char *sql, int nparams, const char *const *params)
{
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    char *v = NULL;
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    else if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
        fprintf(stderr, "test: query failed: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Runs sf_migrate with its output in `out` and whatever it wrote to stderr in `err`
 * (stderr is redirected to a temp file for the duration). */
static int migrate_capture(const char *url, char *out, size_t outcap, char *err, size_t errcap)
{
    FILE *o = tmpfile(), *e = tmpfile();
    fflush(stderr);
    int saved = dup(fileno(stderr));
    dup2(fileno(e), fileno(stderr));
    int rc = sf_migrate(url, o);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    rewind(o);
    rewind(e);
    size_t n = fread(out, 1, outcap - 1, o);
    out[n] = '\0';
    n = fread(err, 1, errcap - 1, e);
    err[n] = '\0';
    fclose(o);
    fclose(e);
    fprintf(stderr, "  migrate rc=%d out=[%s] err=[%s]\n", rc, out, err);
    return rc;
}

static void *migrate_thread(void *arg)
{
    run_args *a = arg;
    FILE *o = tmpfile();
    a->rc = sf_migrate(a->url, o);
    rewind(o);
    size_t n = fread(a->out, 1, sizeof a->out - 1, o);
    a->out[n] = '\0';
    fclose(o);
    return NULL;
}
