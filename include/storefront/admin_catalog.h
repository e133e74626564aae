/*
 * admin_catalog.h — staff catalog management (issue #11, item 1): products, variants,
 * categories and brands under /v1/admin/ (api/service/admin_*.c, docs/back-office.md).
 *
 * Every operation answers with the staff representation of one resource as JSON text
 * built by PostgreSQL (schema/queries/admin_catalog.sql), its id and its revision (the
 * ETag "r<revision>"): the body stored under an Idempotency-Key and a later GET are the
 * same JSON. Creates run through svc_idem_run (idempotency.h); updates take the
 * revision the caller read (0 = If-Match: *) and fail with SF_CONFLICT
 * "precondition-failed" (412) when the row has moved on since. All memory is the
 * request's arena.
 */
#ifndef STOREFRONT_ADMIN_CATALOG_H
#define STOREFRONT_ADMIN_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/error.h"

#define SVC_SLUG_MAX 100

/* One resource as the staff API shows it. */
typedef struct svc_admin_doc {
    const char *body; /* JSON text, in the arena */
    int64_t id;
    int64_t revision;
    bool replayed; /* a create answered from its Idempotency-Key */
} svc_admin_doc;

/* --- products (admin_products.c) --- */
/* Creates a product (and its optional variants) from the JSON body; `key` is the
 * Idempotency-Key. SF_INVALID naming every bad field, SF_CONFLICT naming a taken slug
 * or SKU. */
sf_status svc_admin_product_create(db_pool *pool, arena *a, const auth_principal *who,
                                   const char *key, const char *body, size_t len,
                                   svc_admin_doc *out, sf_error *e);
/* The product with all its variants (inactive ones too); SF_NOT_FOUND when absent. */
sf_status svc_admin_product_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out,
                                sf_error *e);
/* Merge-patch of a product at `revision` (0 = any); archive with {"archived": true}. */
sf_status svc_admin_product_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   const char *body, size_t len, svc_admin_doc *out, sf_error *e);
/* Deletes a product nobody ordered (SF_CONFLICT when an order line holds a variant);
 * `revision` 0 = any. Its lines leave carts. */
sf_status svc_admin_product_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   sf_error *e);

/* --- variants (admin_variants.c) --- */
sf_status svc_admin_variant_create(db_pool *pool, arena *a, const auth_principal *who,
                                   const char *key, int64_t product_id, const char *body,
                                   size_t len, svc_admin_doc *out, sf_error *e);
sf_status svc_admin_variant_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out,
                                sf_error *e);
/* Never changes stock: a `stock` field is SF_INVALID naming it. */
sf_status svc_admin_variant_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   const char *body, size_t len, svc_admin_doc *out, sf_error *e);
sf_status svc_admin_variant_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   sf_error *e);

/* --- categories (admin_categories.c) --- */
sf_status svc_admin_category_create(db_pool *pool, arena *a, const auth_principal *who,
                                    const char *key, const char *body, size_t len,
                                    svc_admin_doc *out, sf_error *e);
sf_status svc_admin_category_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out,
                                 sf_error *e);
/* A move under itself or a descendant is SF_CONFLICT. */
sf_status svc_admin_category_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                    const char *body, size_t len, svc_admin_doc *out, sf_error *e);
/* SF_CONFLICT while it has child categories; products lose the category. */
sf_status svc_admin_category_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                    sf_error *e);

/* --- brands (admin_brands.c) --- */
sf_status svc_admin_brand_create(db_pool *pool, arena *a, const auth_principal *who,
                                 const char *key, const char *body, size_t len, svc_admin_doc *out,
                                 sf_error *e);
sf_status svc_admin_brand_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out, sf_error *e);
sf_status svc_admin_brand_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                 const char *body, size_t len, svc_admin_doc *out, sf_error *e);
/* SF_CONFLICT while products use the brand. */
sf_status svc_admin_brand_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                 sf_error *e);

/* --- shared by the admin_* services (admin_catalog.c) --- */

/* The slug derived from a name: ASCII lower case, Latin accents folded (é -> e,
 * ß -> ss), every other run of characters one dash, no dash at either end, at most
 * SVC_SLUG_MAX characters. NULL when nothing is left (a name of only symbols). */
char *svc_slugify(arena *a, const char *name);
/* True for a well-formed slug: [a-z0-9]+(-[a-z0-9]+)*, at most SVC_SLUG_MAX. */
bool svc_slug_valid(const char *s);

/* Field readers for a JSON body: each checks one value and, when it is bad, adds a
 * field error naming `field` and returns false. */
/* A string of 1..max code points (0..max when !required), trimmed of surrounding
 * spaces, passing svc_text_safe (`multiline` for descriptions). */
bool svc_field_text(arena *a, sf_error *e, json_t *v, const char *field, size_t max, bool required,
                    bool multiline, const char **out);
bool svc_field_int(sf_error *e, json_t *v, const char *field, int64_t min, int64_t max,
                   int64_t *out);
bool svc_field_bool(sf_error *e, json_t *v, const char *field, bool *out);
bool svc_field_slug(sf_error *e, json_t *v, const char *field, const char **out);
/* An array of 0..max distinct positive ids. */
bool svc_field_ids(arena *a, sf_error *e, json_t *v, const char *field, size_t max, int64_t **ids,
                   size_t *n);

/* The parsed body: a JSON object or SF_INVALID "bad-request". Caller decrefs. */
json_t *svc_admin_body(const char *body, size_t len, sf_error *e);

/* A step run inside one transaction on one pooled connection. */
typedef sf_status (*svc_admin_step)(db_conn *c, arena *a, void *ctx, sf_error *e);
/* BEGIN, step, COMMIT (ROLLBACK on any failure). */
sf_status svc_admin_tx(db_pool *pool, arena *a, svc_admin_step step, void *ctx, sf_error *e);

/* A create: `fn` inserts (in the idempotency transaction) and returns the new row's
 * representation in *doc. Runs it once per (caller, key) for the request hash of
 * `scope` + `body`; fills out (id and revision read back from a replayed body). */
typedef sf_status (*svc_admin_create_fn)(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                         svc_admin_doc *doc, sf_error *e);
sf_status svc_admin_create(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                           const char *scope, const json_t *body, svc_admin_create_fn fn, void *ctx,
                           svc_admin_doc *out, sf_error *e);

/* A variant as staff send it (admin_variants.c); has_* says which fields came. */
typedef struct svc_variant_input {
    bool has_sku, has_name, has_options, has_price, has_compare_at, has_currency, has_stock,
        has_position, has_active;
    const char *sku, *name, *options, *currency; /* options: compact JSON object text */
    int64_t price, compare_at, stock, position;  /* compare_at 0 with compare_at_null */
    bool compare_at_null, active;
} svc_variant_input;
/* Reads one variant object; field errors are named `prefix` + field ("variants[0].sku"
 * inside a product, plain "sku" alone). On update, `stock` is refused. */
sf_status svc_admin_variant_parse(arena *a, json_t *j, const char *prefix, bool create,
                                  svc_variant_input *in, sf_error *e);
/* Inserts a parsed variant of a product whose currency is `currency`, inside the
 * caller's transaction, with `actor_id` as the actor of its initial stock. SF_CONFLICT
 * naming a taken SKU; SF_INVALID naming `prefix`currency when it differs. */
sf_status svc_admin_variant_insert(db_conn *c, arena *a, int64_t product_id, const char *currency,
                                   const svc_variant_input *in, const char *prefix,
                                   int64_t actor_id, int64_t *id, sf_error *e);

/* The common failures, worded once. */
sf_status svc_admin_stale(sf_error *e);
sf_status svc_admin_slug_taken(sf_error *e, const char *slug);

#endif
