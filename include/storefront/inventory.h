/*
 * inventory.h — the inventory ledger (api/service/inventory.c, issue #11 item 3).
 *
 * Every change of a variant's stock is a stock_movements row written by the trigger of
 * migration 0014 in the statement that changed it, so sum(delta) per variant = stock
 * whatever made the change. What the trigger cannot know (why, who, which order) the
 * code that changes stock states first with svc_stock_context, in the same transaction.
 * Staff set the stock (If-Match on the variant's revision), adjust it by a delta with a
 * note (Idempotency-Key), and list low-stock variants and a variant's movements.
 */
#ifndef STOREFRONT_INVENTORY_H
#define STOREFRONT_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/error.h"
#include "storefront/idempotency.h"
#include "storefront/jsonw.h"
#include "storefront/queries_gen.h"

#define SVC_STOCK_NOTE_MAX      500        /* characters, like stock_movements.note */
#define SVC_STOCK_MAX           1000000000 /* the most a set may write */
#define SVC_LOW_STOCK_THRESHOLD 5          /* low-stock list default */

/* A variant's stock as staff see it (revision = its ETag "r<revision>"). */
typedef q_stock_variant_get_row svc_stock_variant;
/* One ledger row: reason is a stock_reason label; actor_email / order_number NULL when
 * there is none. */
typedef q_stock_movements_page_row svc_stock_movement;
/* One row of the low-stock list. */
typedef q_stock_low_page_row svc_low_stock_item;

typedef struct svc_stock_movement_page {
    svc_stock_movement *items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
} svc_stock_movement_page;

typedef struct svc_low_stock_page {
    svc_low_stock_item *items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
} svc_low_stock_page;

/* Sets the ledger context for the stock changes that follow in the caller's open
 * transaction: reason (a stock_reason label: set, adjustment, cancel, refund, expired…),
 * actor_id (customers.id, 0 = none), order_id (orders.id, 0 = none), note (NULL = "").
 * Transaction-local: it ends with the transaction. */
sf_status svc_stock_context(db_conn *c, const char *reason, int64_t actor_id, int64_t order_id,
                            const char *note, sf_error *e);

/* The variant's stock; SF_NOT_FOUND ("No such variant.") when there is none. */
sf_status svc_stock_get(db_pool *pool, arena *a, int64_t variant_id, svc_stock_variant *out,
                        sf_error *e);

/* Sets the stock to `stock` (0..SVC_STOCK_MAX) when the variant is at `revision`
 * (0 = any), as the staff member `who`, with an optional note. The revision moves when
 * the stock does. *movement: the ledger row written, NULL when the stock was already
 * that. SF_NOT_FOUND; SF_CONFLICT "precondition-failed" (412) when the revision is
 * stale. Results are in the arena. */
sf_status svc_stock_set(db_pool *pool, arena *a, const auth_principal *who, int64_t variant_id,
                        int64_t revision, int32_t stock, const char *note, svc_stock_variant *out,
                        svc_stock_movement **movement, sf_error *e);

/* Adds delta (non-zero) units with the staff member's note, once per Idempotency-Key
 * (svc_idem_run: a retry replays the first answer). out->body is the movement as JSON
 * (201). SF_NOT_FOUND; SF_CONFLICT when the stock would go below zero (the detail
 * says how many are in stock) or past the integer range; nothing changes then. */
sf_status svc_stock_adjust(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                           const char *request_hash, int64_t variant_id, int32_t delta,
                           const char *note, svc_idem_answer *out, sf_error *e);

/* A variant's movements, newest first (limit 1..100; cursor from the previous page,
 * bound to the variant). SF_NOT_FOUND for an unknown variant; SF_INVALID naming
 * cursor when it is malformed or from another list. */
sf_status svc_stock_movements(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                              int64_t variant_id, const char *cursor, int limit,
                              svc_stock_movement_page *out, sf_error *e);

/* Active variants of products not archived with stock <= threshold, lowest stock
 * first (then by id); the cursor is bound to the threshold. */
sf_status svc_stock_low(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                        int32_t threshold, const char *cursor, int limit, svc_low_stock_page *out,
                        sf_error *e);

/* Writes a movement as the StockMovement object of openapi.yaml. */
void svc_stock_movement_write(jw *w, const svc_stock_movement *m);

#endif
