/*
 * address_queries.c — the address statements (schema/queries/addresses.sql) behind the
 * db_addresses.h calls the service makes: only what the generated functions do not say
 * themselves, such as the problem a missing customer answers with.
 */
#include "storefront/db_addresses.h"

#include "storefront/queries_gen.h"

static sf_status no_customer(sf_status s, sf_error *e);

sf_status db_customer_lock_by_sub(db_conn *c, const char *sub, int64_t *customer_id, sf_error *e)
{
    q_customer_lock_by_sub_row row = {0};
    sf_status s = q_customer_lock_by_sub(c, &(q_customer_lock_by_sub_params){.sub = sub}, &row, e);
    if (s == SF_OK)
        *customer_id = row.id;
    return no_customer(s, e);
}

sf_status db_customer_id_by_sub(db_conn *c, const char *sub, int64_t *customer_id, sf_error *e)
{
    q_customer_id_by_sub_row row = {0};
    sf_status s = q_customer_id_by_sub(c, &(q_customer_id_by_sub_params){.sub = sub}, &row, e);
    if (s == SF_OK)
        *customer_id = row.id;
    return no_customer(s, e);
}

sf_status db_address_count(db_conn *c, int64_t customer_id, int *n, sf_error *e)
{
    q_address_count_row row = {0};
    sf_status s =
        q_address_count(c, &(q_address_count_params){.customer_id = customer_id}, &row, e);
    if (s == SF_OK)
        *n = (int)row.n;
    return s;
}

sf_status db_address_clear_default(db_conn *c, int64_t customer_id, int64_t keep_id, sf_error *e)
{
    return q_address_clear_default(
        c, &(q_address_clear_default_params){.customer_id = customer_id, .keep_id = keep_id}, e);
}

sf_status db_address_promote_newest(db_conn *c, int64_t customer_id, sf_error *e)
{
    return q_address_promote_newest(
        c, &(q_address_promote_newest_params){.customer_id = customer_id}, e);
}

/* --- static helpers --------------------------------------------------------------- */

static sf_status no_customer(sf_status s, sf_error *e)
{
    if (s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such customer.");
}
