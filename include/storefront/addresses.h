/*
 * addresses.h — the address book of the signed-in customer (/v1/me/addresses).
 *
 * Rules: at most SVC_ADDRESS_MAX addresses per customer; while a customer has any
 * address exactly one is the default (the first one created becomes it, setting
 * is_default on another moves it, deleting the default promotes the newest remaining
 * one, and is_default cannot be switched off on the default itself). Another
 * customer's address is SF_NOT_FOUND, exactly like an id that does not exist.
 */
#ifndef STOREFRONT_ADDRESSES_H
#define STOREFRONT_ADDRESSES_H

#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/db_gen.h"

#define SVC_ADDRESS_MAX 50

/* A new address or a change to one: each field applies only when its `set_` flag is
 * true; a NULL string clears an optional field. Values are validated and normalized
 * (trimmed; blank optional fields become NULL) by svc_address_input_parse. */
typedef struct svc_address_input {
    bool set_name, set_phone, set_line1, set_line2, set_city, set_region, set_postal_code,
        set_country, set_is_default;
    const char *name, *phone, *line1, *line2, *city, *region, *postal_code, *country;
    bool is_default;
} svc_address_input;

/* Parses and validates a POST (create = true: line1, city and country are required) or
 * PATCH body: a JSON object with any of name (1..100 characters or null), phone
 * (E.164 or null), line1 (1..200), line2 (up to 200 or null), city (1..100), region
 * (up to 100 or null), postal_code (up to 20 of letters, digits, spaces and dashes, or
 * null), country (an assigned ISO 3166-1 alpha-2 code), is_default (boolean). Text is
 * trimmed and must not contain control characters. Unknown fields, and null for a
 * required field, are errors. Field errors in e; strings in a. */
sf_status svc_address_input_parse(arena *a, const char *body, size_t len, bool create,
                                  svc_address_input *out, sf_error *e);

/* True when code is an assigned ISO 3166-1 alpha-2 code ("US", "VN"...), in capitals. */
bool svc_country_valid(const char *code);
/* The sorted table behind svc_country_valid (static storage); returns its length. */
size_t svc_countries(const char (**codes)[3]);

/* The caller's addresses, default first, then newest first (at most SVC_ADDRESS_MAX).
 * *items in a. */
sf_status svc_addresses_list(db_pool *pool, arena *a, const auth_principal *who, db_address **items,
                             size_t *n, sf_error *e);

/* One of the caller's addresses; SF_NOT_FOUND when it does not exist or is not theirs. */
/* One of customer_id's addresses on the caller's connection (checkout and quotes use it
 * inside their transactions); someone else's id is the same 404 as an unknown one. */
sf_status svc_address_get_owned(db_conn *c, arena *a, int64_t customer_id, int64_t id,
                                db_address *out, sf_error *e);

sf_status svc_address_get(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                          db_address *out, sf_error *e);

/* Creates an address from a parsed create input; SF_CONFLICT past SVC_ADDRESS_MAX. */
sf_status svc_address_create(db_pool *pool, arena *a, const auth_principal *who,
                             const svc_address_input *in, db_address *out, sf_error *e);

/* Applies a parsed patch; SF_NOT_FOUND as svc_address_get; SF_CONFLICT when asked to
 * switch off is_default on the default address. */
sf_status svc_address_update(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                             const svc_address_input *in, db_address *out, sf_error *e);

/* Deletes one of the caller's addresses; when it was the default, the newest
 * remaining one becomes the default. SF_NOT_FOUND as svc_address_get. */
sf_status svc_address_delete(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                             sf_error *e);

#endif
