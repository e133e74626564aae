/*
 * migrate.c — `storefront migrate`: bring the database schema up to the binary's.
 *
 * The migrations are compiled into the binary (sf_migrations[], generated from
 * schema/migrations/NNNN_*.sql), so a deployed binary carries exactly the schema it was
 * built against and needs no files next to it. schema_migrations records what was
 * applied with the file's SHA-256, which lets us refuse two dangerous situations
 * instead of guessing: a migration edited after it was applied somewhere (the database
 * no longer matches any file), and a binary older than the database (it would serve a
 * schema it does not understand).
 *
 * A session advisory lock serialises concurrent runs (several instances starting at
 * once during a deploy): the second waits, then sees everything applied. Each
 * migration runs with its schema_migrations row in one transaction, so a failure
 * leaves the database exactly at the previous migration.
 *
 * The statements are named queries (schema/queries/migrate.sql); only the migration
 * files themselves run as text, through PQexec.
 */
#include "storefront/admin.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storefront/arena.h"
#include "storefront/db.h"
#include "storefront/migrations.h"
#include "storefront/queries_gen.h"

/* Any fixed 64-bit key works as long as nothing else uses it: "SFMIGRAT" in ASCII. */
#define MIGRATE_LOCK_KEY INT64_C(6000568530642288980)
#define SHA256_HEX_LEN   64

typedef q_migrate_applied_row applied_row;

static void sha256_hex(const char *data, size_t len, char out[SHA256_HEX_LEN + 1]);
static bool compiled_sorted(void);
static bool prepare_session(db_conn *c);
static int load_applied(db_conn *c, arena *a, applied_row **rows, int *nrows);
static const sf_migration *find_compiled(const char *name);
static bool verify_applied(const applied_row *rows, int nrows);
static bool is_applied(const applied_row *rows, int nrows, const char *name);
static bool apply_one(db_conn *c, const sf_migration *m, FILE *out);
static void report_pg_error(const char *what, db_conn *c);
static double elapsed_ms(const struct timespec *t0);

int sf_migrate(const char *conninfo, FILE *out)
{
    if (!out)
        out = stdout;
    if (!compiled_sorted()) {
        fprintf(stderr, "migrate: the compiled migration list is not sorted by name (build bug)\n");
        return 1;
    }
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(conninfo, NULL, 0, &e);
    if (!c) {
        fprintf(stderr, "migrate: cannot connect to the database: %s\n", e.detail);
        return 1;
    }
    int rc = 1, nrows = 0, napplied = 0;
    applied_row *rows = NULL;
    arena *a = arena_new(0);
    if (!a) {
        fprintf(stderr, "migrate: out of memory\n");
        goto out;
    }
    if (!prepare_session(c))
        goto out;
    if (load_applied(c, a, &rows, &nrows) != 0 || !verify_applied(rows, nrows))
        goto out;
    for (size_t i = 0; i < sf_migrations_count; i++) {
        if (is_applied(rows, nrows, sf_migrations[i].name))
            continue;
        if (!apply_one(c, &sf_migrations[i], out))
            goto out;
        napplied++;
    }
    if (napplied == 0)
        fprintf(out, "database is up to date\n");
    rc = 0;
out:
    arena_free(a);
    /* Closing the session would release the lock too; unlocking explicitly keeps the
     * lock's lifetime obvious when reading the code. */
    if (PQstatus(db_conn_pg(c)) == CONNECTION_OK)
        q_migrate_unlock(c, &(q_migrate_unlock_params){.key = MIGRATE_LOCK_KEY}, &e);
    db_conn_close(c);
    fflush(out);
    return rc;
}

/* --- static helpers --------------------------------------------------------------- */

static void sha256_hex(const char *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
        mdlen = 0; /* an empty checksum can never match, so this fails safe */
    for (unsigned int i = 0; i < mdlen && i * 2 < SHA256_HEX_LEN; i++)
        snprintf(out + i * 2, 3, "%02x", md[i]);
    out[mdlen * 2 < SHA256_HEX_LEN ? mdlen * 2 : SHA256_HEX_LEN] = '\0';
}

static bool compiled_sorted(void)
{
    for (size_t i = 1; i < sf_migrations_count; i++)
        if (strcmp(sf_migrations[i - 1].name, sf_migrations[i].name) >= 0)
            return false;
    return true;
}

/* Takes the advisory lock and makes sure schema_migrations exists. */
static bool prepare_session(db_conn *c)
{
    sf_error e;
    sf_error_clear(&e);
    q_migrate_try_lock_row got = {0};
    if (q_migrate_try_lock(c, &(q_migrate_try_lock_params){.key = MIGRATE_LOCK_KEY}, &got, &e) !=
        SF_OK) {
        report_pg_error("cannot take the migration lock", c);
        return false;
    }
    if (!got.locked) {
        fprintf(stderr, "migrate: another migrate is running; waiting for it to finish\n");
        if (q_migrate_lock(c, &(q_migrate_lock_params){.key = MIGRATE_LOCK_KEY}, &e) != SF_OK) {
            report_pg_error("cannot take the migration lock", c);
            return false;
        }
    }
    /* Under the lock, so two first-ever runs cannot race on creating the table.
     * client_min_messages keeps "already exists, skipping" notices off the console. */
    if (q_migrate_quiet(c, &e) != SF_OK || q_migrate_create_table(c, &e) != SF_OK) {
        report_pg_error("cannot create schema_migrations", c);
        return false;
    }
    return true;
}

/* The applied migrations, in the arena. */
static int load_applied(db_conn *c, arena *a, applied_row **rows, int *nrows)
{
    sf_error e;
    sf_error_clear(&e);
    size_t n = 0;
    if (q_migrate_applied(c, a, rows, &n, &e) != SF_OK) {
        report_pg_error("cannot read schema_migrations", c);
        return -1;
    }
    *nrows = (int)n;
    return 0;
}

static const sf_migration *find_compiled(const char *name)
{
    for (size_t i = 0; i < sf_migrations_count; i++)
        if (strcmp(sf_migrations[i].name, name) == 0)
            return &sf_migrations[i];
    return NULL;
}

/* The database must be a prefix-compatible version of what the binary knows: every
 * applied migration compiled in, byte for byte. Anything else is an operator decision,
 * not something to paper over, so we stop before changing anything. */
static bool verify_applied(const applied_row *rows, int nrows)
{
    for (int i = 0; i < nrows; i++) {
        const sf_migration *m = find_compiled(rows[i].name);
        if (!m) {
            fprintf(stderr,
                    "migrate: refusing: the database has migration %s applied, which this "
                    "binary does not know (the binary is older than the database)\n",
                    rows[i].name);
            return false;
        }
        char sum[SHA256_HEX_LEN + 1];
        sha256_hex(m->sql, m->sql_len, sum);
        if (strcmp(sum, rows[i].checksum) != 0) {
            fprintf(stderr,
                    "migrate: refusing: migration %s was changed after it was applied "
                    "(database sha256 %s, binary sha256 %s)\n",
                    m->name, rows[i].checksum, sum);
            return false;
        }
    }
    return true;
}

static bool is_applied(const applied_row *rows, int nrows, const char *name)
{
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].name, name) == 0)
            return true;
    return false;
}

static bool apply_one(db_conn *c, const sf_migration *m, FILE *out)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sf_error e;
    sf_error_clear(&e);
    char sum[SHA256_HEX_LEN + 1];
    sha256_hex(m->sql, m->sql_len, sum);

    if (db_begin(c, &e) != SF_OK) {
        report_pg_error("cannot begin a transaction", c);
        return false;
    }
    /* Our own file, several statements: PQexec is the one call that runs a
     * multi-statement string, and it cannot take parameters — nothing here comes from
     * a user. The file must not contain BEGIN/COMMIT of its own. */
    PGresult *r = PQexec(db_conn_pg(c), m->sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        fprintf(stderr, "migrate: migration %s failed, rolled back: %s", m->name,
                r ? PQresultErrorMessage(r) : PQerrorMessage(db_conn_pg(c)));
        PQclear(r);
        db_rollback(c);
        return false;
    }
    PQclear(r);
    if (PQtransactionStatus(db_conn_pg(c)) != PQTRANS_INTRANS) {
        /* The file ended our transaction itself; its effects may be committed without
         * a schema_migrations row, which an operator has to look at. */
        fprintf(stderr, "migrate: migration %s must not contain BEGIN/COMMIT; stopping\n", m->name);
        db_rollback(c);
        return false;
    }
    if (q_migrate_record(c, &(q_migrate_record_params){.name = m->name, .checksum = sum}, &e) !=
            SF_OK ||
        db_commit(c, &e) != SF_OK) {
        fprintf(stderr, "migrate: migration %s could not be recorded, rolled back: %s", m->name,
                PQerrorMessage(db_conn_pg(c)));
        db_rollback(c);
        return false;
    }
    fprintf(out, "applied %s (%.0f ms)\n", m->name, elapsed_ms(&t0));
    return true;
}

static void report_pg_error(const char *what, db_conn *c)
{
    /* libpq's message already ends in a newline. */
    const char *msg = PQerrorMessage(db_conn_pg(c));
    fprintf(stderr, "migrate: %s: %s", what, msg && *msg ? msg : "unknown error\n");
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}
