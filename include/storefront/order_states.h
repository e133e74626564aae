/*
 * order_states.h — the order state machine and the payment methods behind it, in one
 * place (api/service/order_states.c). Every status change of an order (customer
 * cancel, staff actions, the payment webhook) goes through svc_order_apply.
 *
 *   pending_payment -> paid -> fulfilled -> shipped -> delivered
 *   pending_payment | paid -> cancelled (stock returns)
 *   paid | fulfilled | shipped | delivered -> refunded (stock returns from paid or
 *                                                fulfilled: the goods never left)
 *
 * A `cod` order is paid on delivery: it may be fulfilled while pending_payment, staff
 * may mark it paid at any time before delivery, and delivering it marks it paid.
 */
#ifndef STOREFRONT_ORDER_STATES_H
#define STOREFRONT_ORDER_STATES_H

#include <stdbool.h>

#include "storefront/db.h"
#include "storefront/db_orders.h"

#define SVC_TRACKING_MAX 64
#define SVC_NOTE_MAX     500

/* A payment method: its code (the payment_method enum), the status a new order starts
 * in, whether staff may mark it paid by hand, and whether it may be fulfilled before it
 * is paid (paid on delivery). */
typedef struct svc_payment_method {
    const char *code;
    const char *on_checkout;
    bool can_mark_paid_manually;
    bool paid_on_delivery;
} svc_payment_method;

/* The method with this code, NULL when unknown. */
const svc_payment_method *svc_payment_method_find(const char *code);

/* True when action is one of mark_paid, fulfil, ship, deliver, refund, cancel. */
bool svc_order_action_valid(const char *action);

/* Applies `action` to the order o inside the caller's transaction: checks the state
 * machine (SF_CONFLICT when the action is not allowed from o->status), changes the
 * status conditionally (SF_CONFLICT when a concurrent change won), writes the history
 * event (actor "customer", "staff" or "system"; note may be NULL) and for cancel (and a
 * refund before shipping) returns the stock, recorded in the inventory ledger with
 * reason cancel/refund, the order and actor_id (the customers.id of the person acting;
 * 0 = the system). tracking_number is stored by ship (the caller checks it is given). */
sf_status svc_order_apply(db_conn *c, const db_order_state *o, const char *action,
                          const char *actor, int64_t actor_id, const char *note,
                          const char *tracking_number, sf_error *e);

#endif
