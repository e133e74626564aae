/*
 * address_queries.c — hand-written statements for addresses (see db_addresses.h):
 * the customer lock, the count and the default swap. Parameterized, prepared once per
 * connection like every static db_stmt.
 */
#include <stdio.h>

#include "storefront/db_addresses.h"

static sf_status customer_id_with(db_conn *c, const db_stmt *st, const char *sub,
                                  int64_t *customer_id, sf_error *e);
static sf_status exec_command(db_conn *c, const db_stmt *st, const char *const *params,
                              sf_error *e);

static const db_stmt customer_lock_stmt = {
    "addresses_customer_lock", "SELECT id FROM customers WHERE cognito_sub = $1 FOR NO KEY UPDATE",
    1};
static const db_stmt customer_id_stmt = {"addresses_customer_id",
                                         "SELECT id FROM customers WHERE cognito_sub = $1", 1};
static const db_stmt count_stmt = {"addresses_count",
                                   "SELECT count(*) FROM addresses WHERE customer_id = $1", 1};
static const db_stmt clear_default_stmt = {
    "addresses_clear_default",
    "UPDATE addresses SET is_default = false, updated_at = now()"
    " WHERE customer_id = $1 AND is_default AND id <> $2",
    2};
static const db_stmt promote_newest_stmt = {
    "addresses_promote_newest",
    "UPDATE addresses SET is_default = true, updated_at = now() WHERE id ="
    " (SELECT id FROM addresses WHERE customer_id = $1 ORDER BY id DESC LIMIT 1)",
    1};

sf_status db_customer_lock_by_sub(db_conn *c, const char *sub, int64_t *customer_id, sf_error *e)
{
    return customer_id_with(c, &customer_lock_stmt, sub, customer_id, e);
}

sf_status db_customer_id_by_sub(db_conn *c, const char *sub, int64_t *customer_id, sf_error *e)
{
    return customer_id_with(c, &customer_id_stmt, sub, customer_id, e);
}

sf_status db_address_count(db_conn *c, int64_t customer_id, int *n, sf_error *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)customer_id);
    const char *params[] = {id};
    PGresult *r = db_exec(c, &count_stmt, params, e);
    if (!r)
        return e->status;
    *n = (int)db_int64(r, 0, 0);
    PQclear(r);
    return SF_OK;
}

sf_status db_address_clear_default(db_conn *c, int64_t customer_id, int64_t keep_id, sf_error *e)
{
    char id[24], keep[24];
    snprintf(id, sizeof id, "%lld", (long long)customer_id);
    snprintf(keep, sizeof keep, "%lld", (long long)keep_id);
    const char *params[] = {id, keep};
    return exec_command(c, &clear_default_stmt, params, e);
}

sf_status db_address_promote_newest(db_conn *c, int64_t customer_id, sf_error *e)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)customer_id);
    const char *params[] = {id};
    return exec_command(c, &promote_newest_stmt, params, e);
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status customer_id_with(db_conn *c, const db_stmt *st, const char *sub,
                                  int64_t *customer_id, sf_error *e)
{
    const char *params[] = {sub};
    PGresult *r = db_exec(c, st, params, e);
    if (!r)
        return e->status;
    bool found = PQntuples(r) == 1;
    if (found)
        *customer_id = db_int64(r, 0, 0);
    PQclear(r);
    return found ? SF_OK : sf_fail(e, SF_NOT_FOUND, "not-found", "No such customer.");
}

static sf_status exec_command(db_conn *c, const db_stmt *st, const char *const *params, sf_error *e)
{
    PGresult *r = db_exec(c, st, params, e);
    if (!r)
        return e->status;
    PQclear(r);
    return SF_OK;
}
