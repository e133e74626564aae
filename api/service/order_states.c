/*
 * order_states.c — the order state machine (see order_states.h): one table of actions
 * with the statuses each may start from, one table of payment methods. The status
 * change itself is a conditional UPDATE (db_order_move_apply), so two concurrent
 * actions on one order cannot both win; the loser gets 409.
 */
#include <string.h>

#include "storefront/inventory.h"
#include "storefront/order_states.h"

typedef struct action_rule {
    const char *action;
    const char *from[5]; /* NULL-terminated */
    const char *to;
    const char *done; /* for messages: "cannot be <done>" */
} action_rule;

static const action_rule rules[] = {
    {"mark_paid", {"pending_payment", NULL}, "paid", "marked paid"},
    {"fulfil", {"paid", NULL}, "fulfilled", "fulfilled"},
    {"ship", {"fulfilled", NULL}, "shipped", "shipped"},
    {"deliver", {"shipped", NULL}, "delivered", "delivered"},
    {"refund", {"paid", "fulfilled", "shipped", "delivered", NULL}, "refunded", "refunded"},
    {"cancel", {"pending_payment", "paid", NULL}, "cancelled", "cancelled"},
};

static const svc_payment_method methods[] = {
    {"cod", "pending_payment", true, true},
    {"manual", "pending_payment", true, false},
    /* Paid only when Stripe's webhook says so (payments.c), never by hand. */
    {"card", "pending_payment", false, false},
};

static const action_rule *rule_for(const char *action);
static bool listed(const char *const *list, const char *s);

const svc_payment_method *svc_payment_method_find(const char *code)
{
    for (size_t i = 0; code && i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(methods[i].code, code) == 0)
            return &methods[i];
    return NULL;
}

bool svc_order_action_valid(const char *action)
{
    return rule_for(action) != NULL;
}

sf_status svc_order_apply(db_conn *c, const db_order_state *o, const char *action,
                          const char *actor, int64_t actor_id, const char *note,
                          const char *tracking_number, sf_error *e)
{
    const action_rule *r = rule_for(action);
    const svc_payment_method *pm = svc_payment_method_find(o->payment_method);
    if (!r || !pm)
        return sf_fail(e, SF_INTERNAL, "internal-error", "Unknown action or payment method.");
    db_order_move m = {.order_id = o->id,
                       .from = o->status,
                       .to = r->to,
                       .actor = actor,
                       .note = note,
                       .pay = "none"};
    bool allowed = listed(r->from, o->status);
    if (strcmp(action, "mark_paid") == 0) {
        m.pay = "pay";
        if (!pm->can_mark_paid_manually && strcmp(actor, "staff") == 0)
            allowed = false;
        /* Paid on delivery: staff may record the payment while it is on its way; the
         * status stays and the history says so. */
        if (pm->paid_on_delivery && !o->paid &&
            (strcmp(o->status, "fulfilled") == 0 || strcmp(o->status, "shipped") == 0)) {
            allowed = true;
            m.to = o->status;
        }
    } else if (strcmp(action, "fulfil") == 0 && pm->paid_on_delivery) {
        allowed = allowed || strcmp(o->status, "pending_payment") == 0;
    } else if (strcmp(action, "deliver") == 0 && pm->paid_on_delivery) {
        m.pay = "settle"; /* the courier collected the money */
    } else if (strcmp(action, "ship") == 0) {
        m.tracking_number = tracking_number;
    } else if (strcmp(action, "refund") == 0 && !o->paid) {
        allowed = false; /* nothing was paid: cancel it instead */
    }
    if (!allowed)
        return sf_fail(e, SF_CONFLICT, "conflict", "An order that is %s%s cannot be %s.", o->status,
                       o->paid ? "" : " (unpaid)", action);
    sf_status s = db_order_move_apply(c, &m, e);
    /* A cancelled order's goods go back on the shelf; so do a refunded order's while they
     * have not left (paid, fulfilled). Once shipped they are with the customer: if they
     * come back, staff record that as a stock adjustment. */
    static const char *const unshipped[] = {"paid", "fulfilled", NULL};
    const char *restock = NULL;
    if (strcmp(action, "cancel") == 0)
        restock = "cancel";
    else if (strcmp(action, "refund") == 0 && listed(unshipped, o->status))
        restock = "refund";
    if (s == SF_OK && restock)
        s = svc_stock_context(c, restock, actor_id, o->id, NULL, e);
    if (s == SF_OK && restock)
        s = db_order_restock(c, o->id, e);
    return s;
}

static const action_rule *rule_for(const char *action)
{
    for (size_t i = 0; action && i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].action, action) == 0)
            return &rules[i];
    return NULL;
}

static bool listed(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}
