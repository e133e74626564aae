/*
 * orders.h — checkout (POST /v1/checkout) and the signed-in customer's orders
 * (GET /v1/me/orders, GET /v1/me/orders/{number}, POST .../cancel).
 *
 * Checkout turns the caller's open cart into an order in ONE transaction (see
 * docs/architecture.md, "Checkout decisions"): lock the cart, reserve stock with a
 * conditional decrement per variant in ascending variant id order, use the discount
 * code with a conditional increment, write the order, its line snapshots and its
 * first history event, close the cart and store the answer under the request's
 * Idempotency-Key. Orders are rendered as JSON by the database (one statement) so the
 * stored idempotent answer and GET /v1/me/orders/{number} are byte-for-byte the same
 * representation.
 */
#ifndef STOREFRONT_ORDERS_H
#define STOREFRONT_ORDERS_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/addresses.h"
#include "storefront/auth.h"
#include "storefront/db.h"

#define SVC_IDEMPOTENCY_KEY_MAX 255
#define SVC_ORDER_NUMBER_MAX    20

/* A parsed POST /v1/checkout body: exactly one of address_id (> 0) or an inline
 * address, a shipping method code and a payment method ("cod", "manual" or "card": the
 * card's PaymentIntent is made after the order, by svc_card_payment_attach). */
typedef struct svc_checkout_input {
    int64_t address_id;
    bool has_inline;
    svc_address_input address;
    const char *shipping_method, *payment_method;
    const char *email;     /* guest checkout only: the guest's e-mail address (else NULL) */
    char request_hash[65]; /* SHA-256 hex of the canonical (sorted, compact) JSON body */
} svc_checkout_input;

/* Whose cart checks out: the signed-in customer with Cognito sub `sub`, or (sub NULL)
 * the guest cart `cart_id`. Both go through the same transaction (checkout.c). */
typedef struct svc_checkout_owner {
    const char *sub;
    const char *cart_id;
    const unsigned char *token_key; /* a guest's: sf_config.order_token_key */
} svc_checkout_owner;

/* Length of a guest order's access token: 32 bytes (an HMAC-SHA256) as unpadded
 * base64url. */
#define SVC_ORDER_TOKEN_LEN 43

/* The access token of guest order `number` under `key` (sf_config.order_token_key):
 * base64url(HMAC-SHA256(key, "order-token:" + number)), SVC_ORDER_TOKEN_LEN characters
 * and a NUL into out. Checkout gives it to the guest (the order stores its SHA-256 hex)
 * and the mailer puts it in the links of the order's e-mails (docs/checkout.md). */
void svc_order_token(const unsigned char key[32], const char *number,
                     char out[SVC_ORDER_TOKEN_LEN + 1]);

/* What checkout answers: a new order (status 201, body = the Order JSON, number set),
 * or a replay of an earlier answer to the same key (replayed true, status and body as
 * stored). Strings in the request arena. */
typedef struct svc_checkout_result {
    int status;
    const char *body;
    const char *number;
    bool replayed;
} svc_checkout_result;

/* True when key is 1..255 printable ASCII characters (0x21..0x7e and space inside). */
bool svc_idempotency_key_valid(const char *key);
/* True when s looks like an order number (1..20 of A-Z, 0-9 and '-'). */
bool svc_order_number_valid(const char *s);

/* Parses the checkout body; field errors in e. */
sf_status svc_checkout_input_parse(arena *a, const char *body, size_t len, svc_checkout_input *out,
                                   sf_error *e);

/* Checks out the caller's open cart under Idempotency-Key `key`. SF_NOT_FOUND for an
 * address that is not the caller's; SF_INVALID naming shipping_method for an unknown
 * or inactive method; SF_CONFLICT for an empty cart, unavailable or short lines (SKUs
 * in the detail), a discount code that no longer applies, a key whose first request is
 * still running (e->code "conflict", retry later); SF_INVALID with code
 * "idempotency-key-reused" (422) when the key was used with another body. A checkout
 * that fails creates nothing and releases the key, so a retry runs afresh. */
sf_status svc_checkout_place(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                             const svc_checkout_input *in, svc_checkout_result *out, sf_error *e);

/* Parses the guest checkout body (POST /v1/carts/{id}/checkout): the checkout body with
 * an inline shipping_address (no address ids) and a required, valid "email". */
sf_status svc_guest_checkout_input_parse(arena *a, const char *body, size_t len,
                                         svc_checkout_input *out, sf_error *e);

/* svc_checkout_place for either owner: the one checkout transaction. A guest checkout
 * (owner->sub NULL) places an order with no customer, in->email as its e-mail and the
 * access token svc_order_token(owner->token_key, number), whose SHA-256 hex alone is
 * stored; the 201 body is the Order plus
 * "access_token" (kept with the Idempotency-Key, so a replay shows it again). For a guest,
 * SF_NOT_FOUND when cart_id is not a guest cart (unknown, expired, a customer's) and
 * SF_CONFLICT when it was checked out already or its discount code has a per-customer
 * limit (such codes need an account). */
sf_status svc_checkout_tx(db_pool *pool, arena *a, const svc_checkout_owner *owner, const char *key,
                          const svc_checkout_input *in, svc_checkout_result *out, sf_error *e);

/* True when s looks like an e-mail address we can send to: 3..254 characters, one '@',
 * a local part of 1..64 printable ASCII characters without spaces, quotes or commas, and
 * a domain of dot-separated labels (letters, digits, '-'; at least two labels). */
bool svc_email_valid(const char *s);

/* The guest order `number` opened with its access token (a header or ?token=): Order
 * JSON in a. The token opens the order when its SHA-256 is the one stored, or when it is
 * svc_order_token(key, number) (the token of the e-mail links, also after CURSOR_SECRET
 * changed). SF_NOT_FOUND for an unknown number, an order without a token, and a wrong
 * or missing token alike (no oracle); both compares take constant time. */
sf_status svc_guest_order_get(db_pool *pool, const unsigned char key[32], arena *a,
                              const char *number, const char *token, const char **json,
                              sf_error *e);
/* Cancels the guest order under the customer cancel rules (svc_order_cancel); the token
 * and not-found exactly as svc_guest_order_get. */
sf_status svc_guest_order_cancel(db_pool *pool, const unsigned char key[32], arena *a,
                                 const char *number, const char *token, const char **json,
                                 sf_error *e);

/* The caller's order with this number as Order JSON (in a); SF_NOT_FOUND when there
 * is none or it is another customer's. Like svc_orders_list and svc_order_cancel, it
 * first claims the guest orders placed with the caller's verified e-mail, so such an
 * order is theirs from their first request after it was placed. */
sf_status svc_order_get(db_pool *pool, arena *a, const auth_principal *who, const char *number,
                        const char **json, sf_error *e);

/* One page of the caller's orders, newest first: items are OrderSummary JSON texts. */
typedef struct svc_order_page {
    char **items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
} svc_order_page;

/* The caller's orders, newest first, keyset-paginated by an opaque cursor bound to the
 * caller (another person's cursor is a 400 naming cursor). */
sf_status svc_orders_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                          const auth_principal *who, const char *cursor, int limit,
                          svc_order_page *out, sf_error *e);

/* Cancels the caller's order when it is pending_payment or paid (not yet fulfilled or
 * shipped): every line's quantity returns to stock and the change is recorded in the
 * history, in one transaction. *json is the Order after it. SF_NOT_FOUND for an
 * unknown or another customer's number; SF_CONFLICT from any other status. */
sf_status svc_order_cancel(db_pool *pool, arena *a, const auth_principal *who, const char *number,
                           const char **json, sf_error *e);

/* --- staff (admin_orders.c) ----------------------------------------------------- */

/* Filters of GET /v1/admin/orders; NULL / 0 = not filtered. from/to are RFC 3339
 * date-times (checked by the caller with svc_rfc3339_valid) bounding placed_at. */
typedef struct svc_admin_order_filter {
    const char *status;
    int64_t customer_id;
    const char *from, *to;
} svc_admin_order_filter;

/* True when s is an RFC 3339 date-time (seconds required, optional fraction, Z or
 * an offset) naming a real calendar day. */
bool svc_rfc3339_valid(const char *s);

/* One page of every customer's orders matching f, newest first; the cursor is bound to
 * the filters (one made for other filters is a 400 naming cursor). */
sf_status svc_admin_orders_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                const svc_admin_order_filter *f, const char *cursor, int limit,
                                svc_order_page *out, sf_error *e);
/* Any customer's order as Order JSON; SF_NOT_FOUND when none. */
sf_status svc_admin_order_get(db_pool *pool, arena *a, const char *number, const char **json,
                              sf_error *e);
/* Applies a staff action (order_states.h) to the order in one transaction; *json is the
 * Order after it. `who` is the staff member (named in the ledger rows of returned
 * stock). SF_NOT_FOUND, SF_CONFLICT (not allowed from its status, or a concurrent
 * change won). */
sf_status svc_admin_order_transition(db_pool *pool, arena *a, const auth_principal *who,
                                     const char *number, const char *action,
                                     const char *tracking_number, const char *note,
                                     const char **json, sf_error *e);

#endif
