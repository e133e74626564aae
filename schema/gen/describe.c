/*
 * describe.c — `sfgen --describe`: asks PostgreSQL for every query's types.
 *
 * Why PostgreSQL and not sfgen's DDL model: the queries use joins, CTEs, aggregates,
 * json_build_object, window functions and the schema's own SQL functions; typing them
 * would mean re-implementing PostgreSQL's analyzer. PQprepare + PQdescribePrepared give
 * the parameter and result types exactly as the server will use them (pggen's approach).
 *
 * The database: a scratch database created on the given server, the migrations applied
 * in one transaction that is rolled back, then dropped, so any server where the role
 * may CREATE DATABASE serves (the test cluster, a throw-away one from `make describe`).
 * Result columns are NOT NULL when they come straight from a NOT NULL table column
 * (PQftable/PQftablecol); an alias ending in `!` forces NOT NULL (a count(*), a
 * COALESCE), one ending in `?` forces NULL (a column of an outer join's nullable side).
 * A parameterless CREATE query is also run (still inside the rolled-back transaction),
 * so the queries after it may use the table it makes at run time.
 */
#include "query.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static PGconn *server, *scratch;
static char scratch_name[64];

static void cleanup(void);
static void fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
static PGconn *connect_to(const char *conninfo, const char *dbname);
static void exec_ok(PGconn *c, const char *sql, const char *what);
static char *type_name(const query *q, Oid oid);
static bool column_not_null(const query *q, Oid rel, int col);
static void describe_one(query *q, const schema *s);
static sql_enum *model_enum(const schema *s, const char *name);
static bool c_identifier(const char *s);
static bool creates(const query *q);

void describe_all(query_set *qs, const char *conninfo, const schema *s, char *const *mtexts)
{
    server = connect_to(conninfo, NULL);
    exec_ok(server, "SET client_min_messages = warning", "set");
    snprintf(scratch_name, sizeof scratch_name, "sfgen_describe_%ld", (long)getpid());
    exec_ok(server, xprintf("DROP DATABASE IF EXISTS %s", scratch_name), "drop scratch");
    exec_ok(server, xprintf("CREATE DATABASE %s", scratch_name), "create scratch database");
    atexit(cleanup);
    scratch = connect_to(conninfo, scratch_name);
    exec_ok(scratch, "SET client_min_messages = warning", "set");
    exec_ok(scratch, "SET TIME ZONE 'UTC'", "set");
    exec_ok(scratch, "BEGIN", "begin");
    for (int i = 0; i < s->nfiles; i++) {
        PGresult *r = PQexec(scratch, mtexts[i]);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_at(s->files[i], 1, "applying the migration: %s", PQresultErrorMessage(r));
        PQclear(r);
    }
    for (int i = 0; i < qs->n; i++)
        if (qs->v[i].kind != QK_FRAGMENT)
            describe_one(&qs->v[i], s);
    exec_ok(scratch, "ROLLBACK", "rollback");
}

/* --- static helpers --------------------------------------------------------------- */

/* A COPY cannot be prepared: start it inside a savepoint and abort it. PostgreSQL has
 * then resolved the table and columns (an error names them), and the savepoint keeps
 * the describe transaction usable. */
static void describe_copy(query *q)
{
    exec_ok(scratch, "SAVEPOINT sfgen_copy", "savepoint");
    PGresult *r = PQexec(scratch, q->sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        fail_at(q->file, q->line, "%s: %s", q->name, PQresultErrorMessage(r));
    PQclear(r);
    PQputCopyEnd(scratch, "sfgen describe: nothing to load");
    while ((r = PQgetResult(scratch)))
        PQclear(r);
    exec_ok(scratch, "ROLLBACK TO SAVEPOINT sfgen_copy", "rollback to savepoint");
    q->described = true;
}

static void describe_one(query *q, const schema *s)
{
    if (q->kind == QK_COPY) {
        describe_copy(q);
        return;
    }
    PGresult *r = PQprepare(scratch, q->name, q->sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
        const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        fail_at(q->file, pos ? query_line_at(q, atoi(pos)) : q->line, "%s: %s", q->name,
                msg ? msg : PQresultErrorMessage(r));
    }
    PQclear(r);
    if (creates(q)) {
        /* Run it, inside the transaction that is rolled back, so that the queries after
         * it can use what it makes: a table made at run time (schema_migrations, the
         * seed's temp staging tables) exists in no migration. */
        r = PQexecPrepared(scratch, q->name, 0, NULL, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            fail_at(q->file, q->line, "%s: running it: %s", q->name, PQresultErrorMessage(r));
        PQclear(r);
    }
    r = PQdescribePrepared(scratch, q->name);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_at(q->file, q->line, "%s: describe: %s", q->name, PQresultErrorMessage(r));
    if (PQnparams(r) != q->nparams)
        fail_at(q->file, q->line, "%s: PostgreSQL counts %d parameters, the source %d", q->name,
                PQnparams(r), q->nparams);
    for (int i = 0; i < q->nparams; i++) {
        q->params[i].pgtype = type_name(q, PQparamtype(r, i));
        q->params[i].en = model_enum(s, q->params[i].pgtype);
    }

    q->ncols = PQnfields(r);
    q->cols = xcalloc((size_t)q->ncols + 1, sizeof *q->cols);
    for (int i = 0; i < q->ncols; i++) {
        qfield *f = &q->cols[i];
        const char *raw = PQfname(r, i);
        char *name = xstrdup(raw);
        size_t n = strlen(name);
        int force = 0; /* 1 = NOT NULL, -1 = NULL */
        if (n > 1 && (name[n - 1] == '!' || name[n - 1] == '?') && strcmp(raw, "?column?") != 0) {
            force = name[n - 1] == '!' ? 1 : -1;
            name[n - 1] = '\0';
        }
        if (!c_identifier(name))
            fail_at(q->file, q->line,
                    "%s: result column %d is named `%s`: give it a C identifier (AS name)", q->name,
                    i + 1, raw);
        /* Two columns of one name are refused when the row struct is emitted, where the
         * columns of an sfgen.embed (a product's id beside its brand's) are known. */
        f->name = name;
        f->pgtype = type_name(q, PQftype(r, i));
        f->en = model_enum(s, f->pgtype);
        f->nullable = force ? force < 0 : !column_not_null(q, PQftable(r, i), PQftablecol(r, i));
    }
    PQclear(r);
    if ((q->kind == QK_ONE || q->kind == QK_MANY || q->kind == QK_SHAPE) && q->ncols == 0)
        fail_at(q->file, q->line, "%s: a :one/:many/:shape query must return columns", q->name);
    q->described = true;
}

/* PostgreSQL's name for the type ("int8", "_text", an enum's name); dies on a type the
 * generated C cannot carry (records, composites, unknown). */
static char *type_name(const query *q, Oid oid)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%u", oid);
    const char *v[] = {buf};
    PGresult *r = PQexecParams(scratch,
                               "SELECT t.typname, t.typtype::text, coalesce(e.typtype::text, '')"
                               " FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem"
                               " AND t.typcategory = 'A' WHERE t.oid = $1::oid",
                               1, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_at(q->file, q->line, "%s: unknown type oid %u", q->name, oid);
    char *name = xstrdup(PQgetvalue(r, 0, 0));
    bool plain = strcmp(PQgetvalue(r, 0, 1), "b") == 0 || strcmp(PQgetvalue(r, 0, 1), "e") == 0 ||
                 (strcmp(PQgetvalue(r, 0, 1), "p") == 0 && strcmp(name, "void") == 0);
    PQclear(r);
    if (!plain)
        fail_at(q->file, q->line, "%s: type `%s` has no C mapping (cast it, e.g. ::text)", q->name,
                name);
    return name;
}

static sql_enum *model_enum(const schema *s, const char *name)
{
    for (int i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i]->name, name) == 0)
            return s->enums[i];
    return NULL;
}

static bool column_not_null(const query *q, Oid rel, int col)
{
    if (rel == InvalidOid || col <= 0)
        return false;
    char t[16], c[16];
    snprintf(t, sizeof t, "%u", rel);
    snprintf(c, sizeof c, "%d", col);
    const char *v[] = {t, c};
    PGresult *r = PQexecParams(scratch,
                               "SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::oid"
                               " AND attnum = $2::int2",
                               2, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_at(q->file, q->line, "%s: %s", q->name, PQresultErrorMessage(r));
    bool nn = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return nn;
}

static bool c_identifier(const char *s)
{
    if (!*s || !(*s == '_' || (*s >= 'a' && *s <= 'z')))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* A parameterless CREATE statement (CREATE TABLE, CREATE TEMP TABLE … AS): describe runs it. */
static bool creates(const query *q)
{
    return q->nparams == 0 && strncasecmp(q->sql, "create", 6) == 0 &&
           (q->sql[6] == ' ' || q->sql[6] == '\0');
}

static PGconn *connect_to(const char *conninfo, const char *dbname)
{
    /* With expand_dbname the first "dbname" may be a URL; a later one overrides its
     * database, so the scratch database is reached with the same host and role. */
    const char *keys[] = {"dbname", dbname ? "dbname" : NULL, NULL};
    const char *vals[] = {conninfo, dbname, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK)
        die("sfgen --describe: cannot connect: %s", PQerrorMessage(c));
    return c;
}

static void exec_ok(PGconn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("sfgen --describe: %s: %s", what, PQresultErrorMessage(r));
    PQclear(r);
}

static void cleanup(void)
{
    if (scratch)
        PQfinish(scratch);
    scratch = NULL;
    if (server) {
        PQclear(PQexec(server, xprintf("DROP DATABASE IF EXISTS %s", scratch_name)));
        PQfinish(server);
        server = NULL;
    }
}

static void fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cleanup();
    die_at(file, line, "%s", buf);
}
