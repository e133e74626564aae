/*
 * db_events.h — the clickstream's SQL (api/db/event_queries.c): the set-based insert
 * of one flush and the partition upkeep functions of 0009_clickstream.sql.
 */
#ifndef STOREFRONT_DB_EVENTS_H
#define STOREFRONT_DB_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/clickstream.h"
#include "storefront/db.h"

/* Inserts the n events in one statement (so one transaction when c is not inside
 * BEGIN), ignoring rows whose (event_id, event_time) is already stored, duplicates
 * inside the batch included. With `outbox`, the rows that were actually new also get
 * an event_outbox row, in the same statement. *inserted = rows that were new. */
sf_status db_events_insert(db_conn *c, const cs_event *ev, size_t n, bool outbox, int64_t *inserted,
                           sf_error *e);

/* The same as db_events_insert, the other way: BEGIN, COPY the rows into a temporary
 * table (created when `setup`, i.e. once per connection), INSERT ... SELECT from it,
 * COMMIT. Kept to measure the two against each other (EVENTS_INSERT_METHOD=copy). */
sf_status db_events_insert_copy(db_conn *c, const cs_event *ev, size_t n, bool outbox, bool setup,
                                int64_t *inserted, sf_error *e);

/* SELECT events_partitions_ensure(from, to): dates as "YYYY-MM-DD" (UTC days). */
sf_status db_events_partitions_ensure(db_conn *c, const char *from_day, const char *to_day,
                                      int *made, sf_error *e);
/* SELECT events_partitions_drop_before(day). */
sf_status db_events_partitions_drop_before(db_conn *c, const char *day, int *dropped, sf_error *e);

#endif
