/*
 * payment_queries.c — statements of the payment webhook (the payment_events dedupe
 * row) and the unpaid-order sweep (see db_orders.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "storefront/db_orders.h"

/* ON CONFLICT DO NOTHING waits for a concurrent insert of the same id to commit, so of
 * two deliveries of one event exactly one goes on to change the order. */
static const db_stmt payment_event_stmt = {
    "payment_event_record",
    "INSERT INTO payment_events (event_id, order_id, type)"
    " VALUES ($1, (SELECT id FROM orders WHERE number = $3), $2)"
    " ON CONFLICT (event_id) DO NOTHING",
    3};

/* The batch is chosen and locked with SKIP LOCKED; the UPDATE re-checks the status, the
 * history rows and the stock increments come from its RETURNING in the same statement. */
static const db_stmt unpaid_cancel_stmt = {
    "unpaid_cancel_batch",
    "WITH due AS (SELECT id FROM orders WHERE status = 'pending_payment'"
    " AND payment_method <> 'cod' AND placed_at < now() - $1::int * interval '1 second'"
    " ORDER BY id LIMIT $2::int FOR UPDATE SKIP LOCKED),"
    " upd AS (UPDATE orders o SET status = 'cancelled', updated_at = now() FROM due"
    " WHERE o.id = due.id AND o.status = 'pending_payment' RETURNING o.id),"
    " ev AS (INSERT INTO order_events (order_id, from_status, to_status, actor, note)"
    " SELECT id, 'pending_payment', 'cancelled', 'system', 'not paid in time' FROM upd),"
    " rs AS (UPDATE product_variants v SET stock = v.stock + l.qty FROM (SELECT variant_id,"
    " sum(quantity) AS qty FROM order_lines WHERE order_id IN (SELECT id FROM upd)"
    " GROUP BY variant_id) l WHERE v.id = l.variant_id)"
    " SELECT count(*) FROM upd",
    2};

sf_status db_payment_event_record(db_conn *c, const char *event_id, const char *type,
                                  const char *number, bool *inserted, sf_error *e)
{
    const char *params[] = {event_id, type, number};
    PGresult *r = db_exec(c, &payment_event_stmt, params, e);
    if (!r)
        return e->status;
    *inserted = strtol(PQcmdTuples(r), NULL, 10) == 1;
    PQclear(r);
    return SF_OK;
}

sf_status db_unpaid_cancel_batch(db_conn *c, int ttl_s, int batch, int *cancelled, sf_error *e)
{
    char ttl[16], lim[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    snprintf(lim, sizeof lim, "%d", batch);
    const char *params[] = {ttl, lim};
    PGresult *r = db_exec(c, &unpaid_cancel_stmt, params, e);
    if (!r)
        return e->status;
    *cancelled = (int)db_int64(r, 0, 0);
    PQclear(r);
    return SF_OK;
}
