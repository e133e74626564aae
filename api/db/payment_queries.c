/*
 * payment_queries.c — the payment webhook's dedupe row and the unpaid-order sweep
 * (schema/queries/payments.sql) behind db_orders.h.
 */
#include "storefront/db_orders.h"
#include "storefront/queries_gen.h"

sf_status db_payment_event_record(db_conn *c, const char *event_id, const char *type,
                                  const char *number, bool *inserted, sf_error *e)
{
    long rows = 0;
    sf_status s = q_payment_event_record(
        c, &(q_payment_event_record_params){.event_id = event_id, .number = number, .type = type},
        &rows, e);
    *inserted = s == SF_OK && rows == 1;
    return s;
}

sf_status db_unpaid_cancel_batch(db_conn *c, int ttl_s, int batch, int *cancelled, sf_error *e)
{
    q_unpaid_cancel_batch_row row = {0};
    sf_status s = q_unpaid_cancel_batch(
        c, &(q_unpaid_cancel_batch_params){.ttl_seconds = ttl_s, .batch = batch}, &row, e);
    *cancelled = s == SF_OK ? (int)row.cancelled : 0;
    return s;
}
