/*
 * customers.h — the customer service: a person's row keyed by their Cognito `sub`,
 * created on their first authenticated request; their editable profile; and what
 * staff read (the listing, the e-mail search, one customer).
 */
#ifndef STOREFRONT_CUSTOMERS_H
#define STOREFRONT_CUSTOMERS_H

#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/db_gen.h"

/* Finds the caller's customer row, creating it on first sight (a concurrent first
 * request for the same sub is harmless: the loser reads the winner's row). */
sf_status svc_customer_ensure(db_pool *pool, arena *a, const auth_principal *who, db_customer *out,
                              sf_error *e);

/* A profile change: each field is applied only when its `set_` flag is true; a NULL
 * string clears the field. Values are already validated by the caller's parser
 * (svc_profile_patch_parse). */
typedef struct svc_profile_patch {
    bool set_display_name, set_phone, set_marketing_opt_in;
    const char *display_name, *phone;
    bool marketing_opt_in;
} svc_profile_patch;

/* Parses and validates a PATCH /v1/me body (a JSON object with any of display_name
 * (1..100 characters, trimmed, or null), phone (E.164, or null), marketing_opt_in
 * (boolean)); unknown fields are an error. Field errors in e. */
sf_status svc_profile_patch_parse(arena *a, const char *body, size_t len, svc_profile_patch *out,
                                  sf_error *e);

/* Applies a patch to the caller's row (creating it first if needed). */
sf_status svc_customer_update_profile(db_pool *pool, arena *a, const auth_principal *who,
                                      const svc_profile_patch *patch, db_customer *out,
                                      sf_error *e);

typedef struct svc_customer_page {
    db_customer *items;
    size_t n;
    const char *next_cursor; /* NULL on the last page */
} svc_customer_page;

/* Staff listing, oldest first, keyset-paginated with a signed cursor. */
sf_status svc_customers_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                             const char *cursor, int limit, svc_customer_page *out, sf_error *e);

/* Staff search: customers whose e-mail starts with `prefix` (1..254 characters,
 * case-blind), ordered by lower-cased e-mail then id, keyset-paginated with a cursor
 * bound to the prefix (another search's cursor is a 400 naming cursor). */
sf_status svc_customers_by_email(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                 const char *prefix, const char *cursor, int limit,
                                 svc_customer_page *out, sf_error *e);

/* One customer by id; SF_NOT_FOUND ("not-found") when there is none. */
sf_status svc_customer_get(db_pool *pool, arena *a, int64_t id, db_customer *out, sf_error *e);

#endif
