/*
 * db_orders.h — the hand-written SQL behind checkout and orders: idempotency key rows,
 * the conditional stock and discount updates, order inserts and the Order JSON built
 * by one SELECT.
 */
#ifndef STOREFRONT_DB_ORDERS_H
#define STOREFRONT_DB_ORDERS_H

#include <stdint.h>

#include "storefront/db.h"

/* An idempotency key row as found. */
typedef struct db_idem_key {
    char *request_hash;
    bool done;
    int response_status;
    char *response_body;
} db_idem_key;

/* A claim still 'in_progress' after this long is taken to be from a server that died
 * mid-checkout, and the key may be claimed again (see idem_expire in order_queries.c). */
#define DB_IDEM_STALE_SECONDS 60

/* Deletes the key when it has expired (or its claim is stale), then inserts it
 * 'in_progress' with this hash. When this call inserted it, *claim is the claim's token;
 * otherwise *claim is NULL and *existing is the row found. */
sf_status db_idem_claim(db_conn *c, arena *a, int64_t customer_id, const char *key,
                        const char *hash, char **claim, db_idem_key *existing, sf_error *e);
/* Inside the checkout's transaction: locks our claim's row until commit (CONFLICT when
 * the claim is no longer ours), so a stale-claim takeover can never run beside us. */
sf_status db_idem_hold(db_conn *c, arena *a, int64_t customer_id, const char *key,
                       const char *claim, sf_error *e);
/* Stores the answer and marks the key done. */
sf_status db_idem_finish(db_conn *c, int64_t customer_id, const char *key, int status,
                         const char *body, sf_error *e);
/* Forgets the key (a failed checkout), so a retry runs again. */
sf_status db_idem_release(db_conn *c, int64_t customer_id, const char *key, const char *claim,
                          sf_error *e);

/* stock -= quantity when at least quantity is left; *ok false otherwise. The ledger row
 * says checkout, the customer and the order (both ids > 0). */
sf_status db_stock_take(db_conn *c, int64_t variant_id, int quantity, int64_t customer_id,
                        int64_t order_id, bool *ok, sf_error *e);
/* times_used += 1 when the code is active and below its usage limit; *ok false otherwise. */
sf_status db_discount_use(db_conn *c, int64_t code_id, bool *ok, sf_error *e);
/* Redemptions of the code by the customer (read after db_discount_use locked the code). */
sf_status db_discount_customer_uses(db_conn *c, int64_t code_id, int64_t customer_id, int64_t *uses,
                                    sf_error *e);
sf_status db_discount_redeem(db_conn *c, int64_t code_id, int64_t customer_id, int64_t order_id,
                             sf_error *e);

/* The shipping address of an order, copied at checkout. */
typedef struct db_order_address {
    const char *name, *phone, *line1, *line2, *city, *region, *postal_code, *country;
} db_order_address;

/* The figures of a new order. customer_id 0 = a guest order: guest_email and
 * access_token_hash (SHA-256 hex of its access token) set instead. */
typedef struct db_order_new {
    int64_t customer_id;
    const char *number; /* from db_order_number_new; NULL = a fresh one */
    const char *currency, *shipping_method, *payment_method, *discount_code, *cart_id;
    const char *guest_email, *access_token_hash;
    int64_t subtotal, discount_total, shipping_total, tax_total, total;
    db_order_address ship;
} db_order_new;

/* A fresh order number (SF-YYMMDD-NNNNNN) in a, for db_order_new.number. */
sf_status db_order_number_new(db_conn *c, arena *a, char **number, sf_error *e);
/* Inserts the order (status pending_payment, o->number or a fresh number) and its first
 * event. */
sf_status db_order_place(db_conn *c, arena *a, const db_order_new *o, int64_t *id, char **number,
                         sf_error *e);
sf_status db_order_line_add(db_conn *c, arena *a, int64_t order_id, int64_t variant_id,
                            const char *sku, const char *name, int64_t unit_price, int quantity,
                            sf_error *e);
/* Marks the cart checked out. */
sf_status db_cart_check_out(db_conn *c, const char *cart_id, sf_error *e);
/* The tax rate of a country in basis points (0 when it has no row). */
sf_status db_tax_rate_bp(db_conn *c, const char *country, int *rate_bp, sf_error *e);
/* The customer's order `number` as Order JSON in a (customer_id 0: anyone's);
 * SF_NOT_FOUND when none. */
sf_status db_order_json(db_conn *c, arena *a, int64_t customer_id, const char *number, char **json,
                        sf_error *e);

/* Up to limit of the customer's orders with id < before (0 = from the newest), newest
 * first: ids[i] and summaries[i] (OrderSummary JSON), in a. */
sf_status db_orders_page(db_conn *c, arena *a, int64_t customer_id, int64_t before, int limit,
                         int64_t **ids, char ***summaries, size_t *n, sf_error *e);
/* Locks the customer's order `number` (FOR UPDATE): its id and status text.
 * SF_NOT_FOUND when none. */
sf_status db_order_lock(db_conn *c, arena *a, int64_t customer_id, const char *number, int64_t *id,
                        char **status, sf_error *e);
/* Puts every line's quantity back into stock, in ascending variant id order. */
sf_status db_order_restock(db_conn *c, int64_t order_id, sf_error *e);
/* One status change. pay: "none"; "pay" = set paid_at, only while unpaid (else
 * SF_CONFLICT); "settle" = set paid_at unless already set. tracking_number: NULL keeps. */
typedef struct db_order_move {
    int64_t order_id;
    const char *from, *to, *actor, *note, *pay, *tracking_number;
} db_order_move;
/* Sets the order's status from m->from to m->to and records the change in its
 * history, in one statement; SF_CONFLICT when the order is no longer m->from (a
 * concurrent change won) or, for pay "pay", is already paid. */
sf_status db_order_move_apply(db_conn *c, const db_order_move *m, sf_error *e);

/* An order as the state machine sees it. Strings in the arena. */
typedef struct db_order_state {
    int64_t id;
    char *status, *payment_method;
    bool paid;
} db_order_state;
/* Any customer's order `number` (no lock); SF_NOT_FOUND when none. */
sf_status db_order_find(db_conn *c, arena *a, const char *number, db_order_state *out, sf_error *e);

/* Filters of the staff order list; NULL / 0 = not filtered. */
typedef struct db_admin_order_filter {
    const char *status;
    int64_t customer_id;
    const char *from, *to; /* RFC 3339, inclusive from, exclusive to, on placed_at */
} db_admin_order_filter;
/* A position in the staff list: placed_at (microseconds since 1970) and id. */
typedef struct db_admin_order_key {
    int64_t id, placed_us;
} db_admin_order_key;
/* Up to limit of the orders matching f that come after `after` (id 0 = from the
 * newest), newest first by (placed_at, id): keys[i] and summaries[i], in a. */
sf_status db_admin_orders_page(db_conn *c, arena *a, const db_admin_order_filter *f,
                               const db_admin_order_key *after, int limit,
                               db_admin_order_key **keys, char ***summaries, size_t *n,
                               sf_error *e);

/* Inserts payment_events(event_id, the order with this number or NULL, type) unless the
 * id is there; *inserted says which. A concurrent insert of the same id waits for the
 * other transaction and then inserts nothing. */
sf_status db_payment_event_record(db_conn *c, const char *event_id, const char *type,
                                  const char *number, bool *inserted, sf_error *e);
/* One statement: cancels up to `batch` non-cod orders pending_payment for longer than
 * ttl_s (FOR UPDATE SKIP LOCKED, so concurrent sweepers and transitions never block
 * each other), records the event (actor system) and returns their stock. */
sf_status db_unpaid_cancel_batch(db_conn *c, int ttl_s, int batch, int *cancelled, sf_error *e);

#endif
