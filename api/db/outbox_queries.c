/*
 * outbox_queries.c — the Kinesis forwarder's statements (schema/queries/outbox.sql)
 * behind db_outbox.h.
 */
#include "storefront/db_outbox.h"
#include "storefront/queries_gen.h"

sf_status db_outbox_take(db_conn *c, arena *a, int limit, outbox_row **rows, int *n, sf_error *e)
{
    q_outbox_take_row *v = NULL;
    size_t nt = 0;
    sf_status s = q_outbox_take(c, a, &(q_outbox_take_params){.max_rows = limit}, &v, &nt, e);
    if (s != SF_OK)
        return s;
    outbox_row *out = arena_calloc(a, sizeof *out * (nt ? nt : 1));
    for (size_t i = 0; i < nt; i++)
        out[i] = (outbox_row){.id = v[i].id,
                              .attempts = v[i].attempts,
                              .event_gone = v[i].event_gone,
                              .json = v[i].json,
                              .part_key = v[i].part_key};
    *rows = out;
    *n = (int)nt;
    return SF_OK;
}

sf_status db_outbox_delete(db_conn *c, arena *a, const int64_t *ids, int n, sf_error *e)
{
    if (n == 0)
        return SF_OK;
    return q_outbox_delete(c, a, &(q_outbox_delete_params){.ids = ids, .ids_n = (size_t)n}, e);
}

sf_status db_outbox_retry(db_conn *c, arena *a, const int64_t *ids, const int *delay_ms,
                          const char *const *errors, int n, sf_error *e)
{
    if (n == 0)
        return SF_OK;
    return q_outbox_retry(c, a,
                          &(q_outbox_retry_params){.ids = ids,
                                                   .ids_n = (size_t)n,
                                                   .delay_ms = delay_ms,
                                                   .delay_ms_n = (size_t)n,
                                                   .errors = errors,
                                                   .errors_n = (size_t)n},
                          e);
}

sf_status db_outbox_count(db_conn *c, int64_t *count, sf_error *e)
{
    q_outbox_count_row row = {0};
    sf_status s = q_outbox_count(c, &row, e);
    if (s == SF_OK)
        *count = row.n;
    return s;
}
