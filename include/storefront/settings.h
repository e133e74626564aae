/*
 * settings.h — the shop's settings that staff edit through /v1/admin/… (issue #11, item
 * 4): discount codes (settings_discounts.c), shipping methods (settings_shipping.c) and
 * tax rates (settings_tax.c), with the input checks they share (settings_input.c).
 *
 * Carts and checkout read these tables on every request (carts.c, checkout.c), so a
 * change here applies to the very next cart read or checkout: nothing is cached.
 *
 * Every function validates the body completely before the database sees it: each bad
 * field is a 400 naming it (the tables' CHECK constraints are never what refuses a
 * request). Answers are JSON text in the arena, rendered here once, because a create's
 * answer is also what Idempotency-Key stores and replays. `revision` arguments come
 * from If-Match: 0 = any revision ("*"), n = must still be at revision n, else
 * SF_CONFLICT "precondition-failed" (412). Unknown rows are SF_NOT_FOUND.
 */
#ifndef STOREFRONT_SETTINGS_H
#define STOREFRONT_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/error.h"
#include "storefront/idempotency.h"

/* One resource as JSON and its revision (the ETag). */
typedef struct svc_setting {
    const char *json;
    int64_t revision;
} svc_setting;

/* A create's answer: fresh or the stored one (replayed), with what the handler needs
 * for Location and ETag. key: the id (decimal), shipping code or country. */
typedef struct svc_setting_created {
    int status; /* 201 */
    const char *json;
    bool replayed;
    const char *key;
    int64_t revision;
} svc_setting_created;

/* A list page's request: limit 1..100, cursor NULL = first page. active: -1 = all,
 * 0 = only inactive, 1 = only active (ignored by tax rates). q: an upper-case code
 * prefix (discount codes only), NULL = any. */
typedef struct svc_setting_page_req {
    int limit;
    const char *cursor;
    int active;
    const char *q;
} svc_setting_page_req;

/* --- discount codes (settings_discounts.c) ----------------------------------------- */

/* {items: [DiscountCode…], next_cursor}: newest first. A bad cursor (tampered, or
 * made with other filters) is SF_INVALID naming "cursor". */
sf_status svc_discount_codes_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                  const svc_setting_page_req *req, const char **json, sf_error *e);
sf_status svc_discount_code_get(db_pool *pool, arena *a, int64_t id, svc_setting *out, sf_error *e);
/* Creates a code from the JSON body once per (caller, Idempotency-Key). A code that
 * exists is SF_CONFLICT naming the code. */
sf_status svc_discount_code_create(db_pool *pool, arena *a, const auth_principal *who,
                                   const char *idem_key, const char *body, size_t len,
                                   svc_setting_created *out, sf_error *e);
/* Changes the fields the body names (null clears an optional one); the result must be a
 * valid code as a whole (kind rules, window, usage_limit >= times_used). */
sf_status svc_discount_code_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   const char *body, size_t len, svc_setting *out, sf_error *e);
/* Deletes a code no cart and no redemption points at; otherwise SF_CONFLICT (switch it
 * off with active: false instead). */
sf_status svc_discount_code_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   sf_error *e);
/* A code as typed (3..32 of A-Z a-z 0-9 _ -) in capitals, in the arena; NULL when
 * malformed. */
const char *svc_discount_code_norm(arena *a, const char *s);

/* --- shipping methods (settings_shipping.c) --------------------------------------- */

/* {items: [ShippingMethod…], next_cursor}: in the order shoppers see them. */
sf_status svc_shipping_methods_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                    const svc_setting_page_req *req, const char **json,
                                    sf_error *e);
sf_status svc_shipping_method_get(db_pool *pool, arena *a, const char *code, svc_setting *out,
                                  sf_error *e);
/* Duplicate code: SF_CONFLICT naming it. */
sf_status svc_shipping_method_create(db_pool *pool, arena *a, const auth_principal *who,
                                     const char *idem_key, const char *body, size_t len,
                                     svc_setting_created *out, sf_error *e);
/* The code is the key orders refer to: it cannot be changed. */
sf_status svc_shipping_method_update(db_pool *pool, arena *a, const char *code, int64_t revision,
                                     const char *body, size_t len, svc_setting *out, sf_error *e);
/* Deletes a method no order used; otherwise SF_CONFLICT (deactivate it instead). */
sf_status svc_shipping_method_delete(db_pool *pool, arena *a, const char *code, int64_t revision,
                                     sf_error *e);
/* A shipping method code as typed (1..32 of A-Z a-z 0-9 _) in lower case, in the
 * arena; NULL when malformed. */
const char *svc_shipping_code_norm(arena *a, const char *s);

/* --- tax rates (settings_tax.c) ---------------------------------------------------- */

/* {items: [TaxRate…], next_cursor}: by country. */
sf_status svc_tax_rates_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                             const svc_setting_page_req *req, const char **json, sf_error *e);
sf_status svc_tax_rate_get(db_pool *pool, arena *a, const char *country, svc_setting *out,
                           sf_error *e);
/* {country, rate_bp}; a country that has a rate is SF_CONFLICT naming it. */
sf_status svc_tax_rate_create(db_pool *pool, arena *a, const auth_principal *who,
                              const char *idem_key, const char *body, size_t len,
                              svc_setting_created *out, sf_error *e);
/* {rate_bp}. */
sf_status svc_tax_rate_update(db_pool *pool, arena *a, const char *country, int64_t revision,
                              const char *body, size_t len, svc_setting *out, sf_error *e);
/* After this the country pays no tax. */
sf_status svc_tax_rate_delete(db_pool *pool, arena *a, const char *country, int64_t revision,
                              sf_error *e);
/* Two ASCII letters in capitals, in the arena; NULL otherwise (assigned or not). */
const char *svc_country_norm(arena *a, const char *s);

/* --- shared by the three (settings_input.c) ---------------------------------------- */

/* The body as a JSON object; SF_INVALID (the caller's e) otherwise. Caller decrefs. */
json_t *svc_settings_body(const char *body, size_t len, sf_error *e);
/* An integer field in [min, max]. nullable: JSON null sets *is_null. Returns false
 * after a field error naming `field`. */
bool svc_settings_int(json_t *v, const char *field, int64_t min, int64_t max, bool nullable,
                      int64_t *out, bool *is_null, sf_error *e);
bool svc_settings_bool(json_t *v, const char *field, bool *out, sf_error *e);
/* 1..max code points on one line, not blank, safe to show (svc_text_safe). */
bool svc_settings_text(arena *a, json_t *v, const char *field, size_t max, const char **out,
                       sf_error *e);
/* A currency: three letters, stored in capitals. */
bool svc_settings_currency(arena *a, json_t *v, const char *field, bool nullable, const char **out,
                           sf_error *e);
/* An RFC 3339 date-time with at most microseconds (what timestamptz keeps), or null
 * when nullable (*out NULL). Into *out as given, 'T' and 'Z' in capitals. */
bool svc_settings_time(arena *a, json_t *v, const char *field, const char **out, sf_error *e);
/* <0, 0, >0 as date-time a is before, equal to or after b (both valid RFC 3339). */
int svc_settings_time_cmp(const char *a, const char *b);
/* SF_CONFLICT "conflict" whose detail names the duplicate key and its field. */
sf_status svc_settings_duplicate(sf_error *e, const char *field, const char *what,
                                 const char *value);
/* Tells a failed optimistic write apart: the row exists (SF_CONFLICT
 * "precondition-failed", someone changed it) or not (SF_NOT_FOUND). */
sf_status svc_settings_stale(sf_error *e, bool exists, const char *what);
/* FNV-1a of the filters (active, q), so a cursor only works with its own filters. */
uint64_t svc_settings_filter_fp(const svc_setting_page_req *req);
/* Runs a create under Idempotency-Key `idem_key` (hash of `scope` and `body`): `fn`
 * inserts and renders; then fills out, reading key (`key_field`, text or integer) and
 * revision back from the answer, fresh or replayed. */
sf_status svc_settings_create(db_pool *pool, arena *a, const auth_principal *who,
                              const char *idem_key, const char *scope, const json_t *body,
                              svc_idem_fn fn, void *ctx, const char *key_field,
                              svc_setting_created *out, sf_error *e);
/* Copies a jw buffer into the arena (and frees it). */
const char *svc_settings_take(arena *a, char *buf, size_t n);

#endif
