/*
 * h_admin_orders.c — staff order routes (admin group): GET /v1/admin/orders (filters
 * status, customer, from, to; newest first; limit/cursor), GET /v1/admin/orders/{number}
 * and POST /v1/admin/orders/{number}/transitions {action, tracking_number?, note?}.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "storefront/jsonutil.h"
#include "storefront/order_states.h"
#include "storefront/orders.h"
#include "storefront/refunds.h"
#include "storefront/validate.h"

static const char *const statuses[] = {"pending_payment", "paid",      "fulfilled", "shipped",
                                       "delivered",       "cancelled", "refunded",  NULL};

typedef struct transition_body {
    const char *action, *tracking_number, *note;
} transition_body;

static bool time_filter(http_ctx *c, const char *key, const char **out, sf_error *e);
static bool parse_transition(http_ctx *c, const char *body, size_t len, transition_body *out,
                             sf_error *e);
static const char *text_field(http_ctx *c, json_t *v, const char *name, size_t max, sf_error *e);

void h_admin_orders_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit, customer;
    int status;
    const char *cursor;
    svc_admin_order_filter f = {0};
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    http_query_enum(c, "status", statuses, &status, &e);
    http_query_int(c, "customer", 0, 1, 9007199254740991LL, &customer, &e);
    time_filter(c, "from", &f.from, &e);
    time_filter(c, "to", &f.to, &e);
    f.status = status >= 0 ? statuses[status] : NULL;
    f.customer_id = customer;
    svc_order_page page;
    if (e.status != SF_OK || svc_admin_orders_list(c->app->pool, c->app->cfg.cursor_key, c->a, &f,
                                                   cursor, (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_order_page(c, &page);
}

void h_admin_orders_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_order_number_or_problem(c))
        return;
    const char *json;
    if (svc_admin_order_get(c->app->pool, c->a, c->path_param, &json, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

void h_admin_orders_transition(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_order_number_or_problem(c))
        return;
    const char *body, *json;
    size_t len;
    transition_body t;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    /* refund: everything left, through the refund code (Stripe for a card order). */
    if (!parse_transition(c, body, len, &t, &e) ||
        (strcmp(t.action, "refund") == 0
             ? svc_refund_full(c->app->pool, c->a, &c->app->cfg, &c->principal, c->path_param,
                               t.note, &e) != SF_OK ||
                   svc_admin_order_get(c->app->pool, c->a, c->path_param, &json, &e) != SF_OK
             : svc_admin_order_transition(c->app->pool, c->a, &c->principal, c->path_param,
                                          t.action, t.tracking_number, t.note, &json,
                                          &e) != SF_OK)) {
        http_send_error(c, &e);
        return;
    }
    http_send_raw_json(c, 200, json);
}

/* from / to: an RFC 3339 date-time; anything else is a 400 naming the parameter. */
static bool time_filter(http_ctx *c, const char *key, const char **out, sf_error *e)
{
    *out = http_query_get(c, key);
    if (!*out || svc_rfc3339_valid(*out))
        return true;
    sf_field_fail(e, key, "must be an RFC 3339 date-time such as 2026-01-31T00:00:00Z");
    *out = NULL;
    return false;
}

/* {action, tracking_number?, note?}: action one of the staff actions, tracking_number
 * 1..64 characters and required by ship, note 1..500 characters. Unknown fields 400. */
static bool parse_transition(http_ctx *c, const char *body, size_t len, transition_body *out,
                             sf_error *e)
{
    memset(out, 0, sizeof *out);
    json_t *root = json_parse_body(body, len, e);
    if (!root)
        return false;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "action") && strcmp(k, "tracking_number") && strcmp(k, "note"))
            sf_field_fail(e, k, "is not a field of a transition");
    }
    json_t *action = json_object_get(root, "action");
    json_t *tracking = json_object_get(root, "tracking_number");
    json_t *note = json_object_get(root, "note");
    if (!json_is_string(action) || !svc_order_action_valid(json_string_value(action)))
        sf_field_fail(e, "action",
                      "must be one of mark_paid, fulfil, ship, deliver, refund, cancel");
    else
        out->action = arena_strdup(c->a, json_string_value(action));
    out->tracking_number = text_field(c, tracking, "tracking_number", SVC_TRACKING_MAX, e);
    out->note = text_field(c, note, "note", SVC_NOTE_MAX, e);
    if (out->action && strcmp(out->action, "ship") == 0 && (!tracking || json_is_null(tracking)))
        sf_field_fail(e, "tracking_number", "is required to ship an order");
    json_decref(root);
    return e->status == SF_OK;
}

/* An optional string of 1..max code points without NUL; NULL when absent or null. */
static const char *text_field(http_ctx *c, json_t *v, const char *name, size_t max, sf_error *e)
{
    if (!v || json_is_null(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t bytes = s ? json_string_length(v) : 0, chars = 0;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (!s || chars < 1 || chars > max || strlen(s) != bytes) {
        sf_field_fail(e, name, "must be a string of 1..%zu characters", max);
        return NULL;
    }
    /* A note may span lines; none may hide or reorder what staff read. */
    if (!svc_text_safe(e, name, s, true))
        return NULL;
    return arena_strdup(c->a, s);
}
