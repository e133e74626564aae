/*
 * decode.c — reading text results into C values and formatting parameters: the
 * helpers the generated queries (queries_gen.c) and hand-written db code call on a
 * PGresult. Split from pool.c, which keeps connections and execution.
 */
#include "storefront/db.h"

#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

char *db_text(arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t db_int64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int32_t db_int32(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : (int32_t)strtol(PQgetvalue(r, row, col), NULL, 10);
}

bool db_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

char *db_timestamp(arena *a, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    const char *v = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    char *out = arena_alloc(a, n + 4);
    memcpy(out, v, n + 1);
    if (n > 10 && out[10] == ' ')
        out[10] = 'T';
    /* The session runs in UTC, so the offset is "+00": RFC 3339 spells it "Z". */
    if (n >= 3 && strcmp(out + n - 3, "+00") == 0) {
        out[n - 3] = 'Z';
        out[n - 2] = '\0';
    } else if (n >= 3 && (out[n - 3] == '+' || out[n - 3] == '-')) {
        memcpy(out + n, ":00", 4);
    }
    return out;
}

bool db_get_int64(const PGresult *r, int row, int col, int64_t *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = strtoll(PQgetvalue(r, row, col), NULL, 10);
    return true;
}

bool db_get_int32(const PGresult *r, int row, int col, int32_t *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = (int32_t)strtol(PQgetvalue(r, row, col), NULL, 10);
    return true;
}

bool db_get_bool(const PGresult *r, int row, int col, bool *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = PQgetvalue(r, row, col)[0] == 't';
    return true;
}

bool db_get_double(const PGresult *r, int row, int col, double *out)
{
    if (PQgetisnull(r, row, col))
        return false;
    *out = strtod(PQgetvalue(r, row, col), NULL);
    return true;
}

int db_get_int64_array(arena *a, const PGresult *r, int row, int col, int64_t **v, size_t *n)
{
    *v = NULL;
    *n = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    return db_parse_int64_array(a, PQgetvalue(r, row, col), v, n);
}

int db_get_int32_array(arena *a, const PGresult *r, int row, int col, int32_t **v, size_t *n)
{
    int64_t *wide;
    *v = NULL;
    *n = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    if (db_parse_int64_array(a, PQgetvalue(r, row, col), &wide, n) < 0)
        return -1;
    *v = *n ? arena_alloc(a, *n * sizeof **v) : NULL;
    for (size_t i = 0; i < *n; i++)
        (*v)[i] = (int32_t)wide[i];
    return 1;
}

int db_get_text_array(arena *a, const PGresult *r, int row, int col, char ***v, size_t *n)
{
    *v = NULL;
    *n = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    return db_parse_text_array(a, PQgetvalue(r, row, col), v, n);
}

bool db_decode_failed(sf_error *e, const char *query, const char *column)
{
    y_log_message(Y_LOG_LEVEL_ERROR, "db: query %s: column %s: NULL or unreadable value", query,
                  column);
    sf_fail(e, SF_INTERNAL, "internal-error", "Unexpected database failure.");
    return false;
}

char *db_param_int64(arena *a, int64_t v)
{
    return arena_sprintf(a, "%" PRId64, v);
}

const char *db_param_bool(bool v)
{
    return v ? "t" : "f";
}
