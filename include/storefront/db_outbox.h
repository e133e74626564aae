/*
 * db_outbox.h — the statements of the Kinesis forwarder (api/clickstream/forwarder.c)
 * on event_outbox and events (schema/migrations/0009_clickstream.sql). All run inside
 * the forwarder's own transaction on its own connection.
 */
#ifndef STOREFRONT_DB_OUTBOX_H
#define STOREFRONT_DB_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/db.h"

/* One due outbox row, with its event rendered for Kinesis. */
typedef struct outbox_row {
    int64_t id;
    int attempts;
    bool event_gone;      /* the event was dropped by retention: delete the row */
    const char *json;     /* the events row as a JSON object (to_jsonb), NULL if gone */
    const char *part_key; /* session_id, else anonymous_id, else event_id */
} outbox_row;

/* Locks and returns up to `limit` due rows (next_attempt_at <= now()) in id order,
 * skipping rows another forwarder has locked. Must run inside a transaction. Rows and
 * strings are allocated in `a`. */
sf_status db_outbox_take(db_conn *c, arena *a, int limit, outbox_row **rows, int *n, sf_error *e);

/* Deletes the rows with these ids (acknowledged, or their event is gone). */
sf_status db_outbox_delete(db_conn *c, arena *a, const int64_t *ids, int n, sf_error *e);

/* For each i: attempts + 1, next_attempt_at = now() + delay_ms[i], last_error =
 * errors[i] (cut to 512 characters). */
sf_status db_outbox_retry(db_conn *c, arena *a, const int64_t *ids, const int *delay_ms,
                          const char *const *errors, int n, sf_error *e);

/* The number of rows in the outbox (for the backlog gauge). */
sf_status db_outbox_count(db_conn *c, int64_t *count, sf_error *e);

#endif
