/*
 * admin_variants.c — staff variants: create under a product, read, merge-patch, delete
 * (admin_catalog.h).
 *
 * Stock is the inventory's business (its routes write the ledger with a reason): a
 * create may give the initial stock, recorded by 0014's trigger as 'created' with the
 * staff member as actor, and an update never touches it (a `stock` field is a 400). The
 * product's price, compare-at price and in-stock flag follow the variants through the
 * rollup trigger (0013) in the same transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/admin_catalog.h"
#include "storefront/queries_gen.h"
#include "storefront/text.h"
#include "storefront/validate.h"

#define MAX_AMOUNT  1000000000000LL /* 10^12 minor units */
#define MAX_OPTIONS 20

typedef struct variant_op {
    int64_t id, product_id, revision;
    svc_variant_input in;
    svc_admin_doc *out;
} variant_op;

static const char *fname(arena *a, const char *prefix, const char *field);
static bool sku_valid(const char *s);
static void parse_options(arena *a, json_t *v, const char *field, svc_variant_input *in,
                          sf_error *e);
static sf_status variant_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e);
static sf_status not_found(sf_error *e);
static sf_status sku_taken(sf_error *e, const char *sku);
static sf_status insert_variant(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                svc_admin_doc *doc, sf_error *e);
static sf_status get_variant(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status update_variant(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status delete_variant(db_conn *c, arena *a, void *ctx, sf_error *e);

sf_status svc_admin_variant_create(db_pool *pool, arena *a, const auth_principal *who,
                                   const char *key, int64_t product_id, const char *body,
                                   size_t len, svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    variant_op op = {.product_id = product_id, .out = out};
    sf_status s = svc_admin_variant_parse(a, j, "", true, &op.in, e);
    if (s == SF_OK) {
        const char *scope =
            arena_sprintf(a, "POST /v1/admin/products/%lld/variants", (long long)product_id);
        s = svc_admin_create(pool, a, who, key, scope, j, insert_variant, &op, out, e);
    }
    json_decref(j);
    return s;
}

sf_status svc_admin_variant_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out,
                                sf_error *e)
{
    variant_op op = {.id = id, .out = out};
    return svc_admin_tx(pool, a, get_variant, &op, e);
}

sf_status svc_admin_variant_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   const char *body, size_t len, svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    variant_op op = {.id = id, .revision = revision, .out = out};
    sf_status s = svc_admin_variant_parse(a, j, "", false, &op.in, e);
    /* After the transaction: the input points into j's strings. */
    if (s == SF_OK)
        s = svc_admin_tx(pool, a, update_variant, &op, e);
    json_decref(j);
    return s;
}

sf_status svc_admin_variant_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   sf_error *e)
{
    variant_op op = {.id = id, .revision = revision};
    return svc_admin_tx(pool, a, delete_variant, &op, e);
}

/* --- input ------------------------------------------------------------------------ */

static const char *fname(arena *a, const char *prefix, const char *field)
{
    return *prefix ? arena_sprintf(a, "%s%s", prefix, field) : field;
}

/* Letters, digits and . _ / -, starting with a letter or digit: SKUs end up on labels,
 * in URLs and in spreadsheets. */
static bool sku_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool alnum =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '/' && ch != '-')))
            return false;
    }
    return true;
}

/* A flat object of strings ({"color": "black", "layout": "US"}): shoppers pick by it. */
static void parse_options(arena *a, json_t *v, const char *field, svc_variant_input *in,
                          sf_error *e)
{
    if (!json_is_object(v) || json_object_size(v) > MAX_OPTIONS) {
        sf_field_fail(e, field, "must be an object of at most %d string values", MAX_OPTIONS);
        return;
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        size_t kn = strlen(k);
        if (kn == 0 || utf8_length(k, kn) > 50 || !json_is_string(x) ||
            json_string_length(x) == 0 ||
            memchr(json_string_value(x), '\0', json_string_length(x)) ||
            utf8_length(json_string_value(x), json_string_length(x)) > 100) {
            sf_field_fail(e, field, "must map names of 1..50 characters to strings of 1..100");
            return;
        }
        if (!svc_text_safe(e, field, k, false) ||
            !svc_text_safe(e, field, json_string_value(x), false))
            return;
    }
    char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) {
        sf_field_fail(e, field, "cannot be stored");
        return;
    }
    in->options = arena_strdup(a, text);
    free(text);
    in->has_options = true;
}

sf_status svc_admin_variant_parse(arena *a, json_t *j, const char *prefix, bool create,
                                  svc_variant_input *in, sf_error *e)
{
    memset(in, 0, sizeof *in);
    if (!json_is_object(j)) {
        sf_field_fail(e, *prefix ? arena_strndup(a, prefix, strlen(prefix) - 1) : "body",
                      "must be an object");
        return e->status;
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        const char *f = fname(a, prefix, key);
        if (strcmp(key, "sku") == 0) {
            in->has_sku = json_is_string(v) && sku_valid(json_string_value(v));
            if (in->has_sku)
                in->sku = json_string_value(v);
            else
                sf_field_fail(e, f,
                              "must be 1..64 letters, digits and . _ / - (starting with a "
                              "letter or digit)");
        } else if (strcmp(key, "name") == 0)
            in->has_name = svc_field_text(a, e, v, f, 200, true, false, &in->name);
        else if (strcmp(key, "options") == 0)
            parse_options(a, v, f, in, e);
        else if (strcmp(key, "price") == 0)
            in->has_price = svc_field_int(e, v, f, 0, MAX_AMOUNT, &in->price);
        else if (strcmp(key, "compare_at") == 0) {
            in->compare_at_null = json_is_null(v);
            in->has_compare_at =
                in->compare_at_null || svc_field_int(e, v, f, 0, MAX_AMOUNT, &in->compare_at);
        } else if (strcmp(key, "currency") == 0) {
            const char *cur = json_is_string(v) ? json_string_value(v) : "";
            in->has_currency = strlen(cur) == 3 && cur[0] >= 'A' && cur[0] <= 'Z' &&
                               cur[1] >= 'A' && cur[1] <= 'Z' && cur[2] >= 'A' && cur[2] <= 'Z';
            if (in->has_currency)
                in->currency = cur;
            else
                sf_field_fail(e, f, "must be an ISO 4217 code such as USD");
        } else if (strcmp(key, "stock") == 0) {
            if (!create)
                sf_field_fail(e, f,
                              "cannot change here: use PUT /v1/admin/variants/{id}/stock or "
                              "a stock adjustment, which record why");
            else
                in->has_stock = svc_field_int(e, v, f, 0, 1000000000, &in->stock);
        } else if (strcmp(key, "position") == 0)
            in->has_position = svc_field_int(e, v, f, -1000000, 1000000, &in->position);
        else if (strcmp(key, "active") == 0)
            in->has_active = svc_field_bool(e, v, f, &in->active);
        else
            sf_field_fail(e, f, "is not a field of a variant");
    }
    if (create) {
        if (!json_object_get(j, "sku"))
            sf_field_fail(e, fname(a, prefix, "sku"), "is required");
        if (!json_object_get(j, "price"))
            sf_field_fail(e, fname(a, prefix, "price"), "is required");
        if (!in->has_active)
            in->active = true;
        if (!in->has_compare_at)
            in->compare_at_null = true;
    }
    if (in->has_price && in->has_compare_at && !in->compare_at_null && in->compare_at <= in->price)
        sf_field_fail(e, fname(a, prefix, "compare_at"), "must be greater than price, or null");
    return e->status;
}

/* --- transaction steps ------------------------------------------------------------ */

static sf_status not_found(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such variant.");
}

static sf_status sku_taken(sf_error *e, const char *sku)
{
    return sf_fail(e, SF_CONFLICT, "conflict", "The SKU \"%s\" is already taken.", sku);
}

static sf_status variant_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e)
{
    q_admin_variant_doc_row row;
    sf_status s = q_admin_variant_doc(c, a, &(q_admin_variant_doc_params){.id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s == SF_OK)
        *out = (svc_admin_doc){.body = row.doc, .id = id, .revision = row.revision};
    return s;
}

sf_status svc_admin_variant_insert(db_conn *c, arena *a, int64_t product_id, const char *currency,
                                   const svc_variant_input *in, const char *prefix,
                                   int64_t actor_id, int64_t *id, sf_error *e)
{
    /* One currency per product: its price is the cheapest variant's. */
    if (in->has_currency && strcmp(in->currency, currency) != 0) {
        sf_field_fail(e, fname(a, prefix, "currency"), "must be the product's currency (%s)",
                      currency);
        return e->status;
    }
    sf_status s;
    if (in->stock > 0) {
        q_admin_catalog_stock_context_row ctx;
        s = q_admin_catalog_stock_context(
            c, a, &(q_admin_catalog_stock_context_params){.actor_id = actor_id}, &ctx, e);
        if (s != SF_OK)
            return s;
    }
    q_admin_variant_insert_row row;
    s = q_admin_variant_insert(c,
                               &(q_admin_variant_insert_params){
                                   .product_id = product_id,
                                   .sku = in->sku,
                                   .name = in->name,
                                   .options = in->has_options ? in->options : "{}",
                                   .price_amount = in->price,
                                   .compare_at_amount = in->compare_at,
                                   .compare_at_amount_is_null = in->compare_at_null,
                                   .currency = currency,
                                   .stock = (int32_t)in->stock,
                                   .position = (int32_t)in->position,
                                   .active = in->active,
                               },
                               &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), sku_taken(e, in->sku));
    if (s == SF_OK)
        *id = row.id;
    return s;
}

static sf_status insert_variant(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                svc_admin_doc *doc, sf_error *e)
{
    variant_op *op = ctx;
    q_admin_product_lock_row p;
    sf_status s =
        q_admin_product_lock(c, a, &(q_admin_product_lock_params){.id = op->product_id}, &p, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), sf_fail(e, SF_NOT_FOUND, "not-found", "No such product."));
    if (s != SF_OK)
        return s;
    if (!op->in.has_name)
        op->in.name = p.product.name;
    int64_t id;
    s = svc_admin_variant_insert(c, a, op->product_id, p.product.currency, &op->in, "", actor_id,
                                 &id, e);
    if (s != SF_OK)
        return s;
    return variant_doc(c, a, id, doc, e);
}

static sf_status get_variant(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    variant_op *op = ctx;
    return variant_doc(c, a, op->id, op->out, e);
}

static sf_status update_variant(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    variant_op *op = ctx;
    const svc_variant_input *in = &op->in;
    q_admin_variant_lock_row cur;
    sf_status s = q_admin_variant_lock(c, a, &(q_admin_variant_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    db_product_variant v = cur.product_variant;
    if (op->revision && v.revision != op->revision)
        return svc_admin_stale(e);
    if (in->has_currency && strcmp(in->currency, v.currency) != 0) {
        sf_field_fail(e, "currency", "must be the product's currency (%s)", v.currency);
        return e->status;
    }
    if (in->has_name)
        v.name = (char *)in->name;
    if (in->has_options)
        v.options = (char *)in->options;
    if (in->has_price)
        v.price_amount = in->price;
    if (in->has_compare_at) {
        v.compare_at_amount = in->compare_at;
        v.compare_at_amount_is_null = in->compare_at_null;
    }
    if (in->has_position)
        v.position = (int32_t)in->position;
    if (in->has_active)
        v.active = in->active;
    /* Checked on the merged row: a lower price can make the stored compare-at invalid. */
    if (!v.compare_at_amount_is_null && v.compare_at_amount <= v.price_amount) {
        sf_field_fail(e, "compare_at", "must be greater than price (%lld), or null",
                      (long long)v.price_amount);
        return e->status;
    }
    if (in->has_sku && strcmp(in->sku, v.sku) != 0) {
        q_admin_variant_sku_taken_row t;
        s = q_admin_variant_sku_taken(
            c, &(q_admin_variant_sku_taken_params){.sku = in->sku, .id = op->id}, &t, e);
        if (s == SF_OK)
            return sku_taken(e, in->sku);
        if (s != SF_NOT_FOUND)
            return s;
        sf_error_clear(e);
        v.sku = (char *)in->sku;
    }
    q_admin_variant_update_row up;
    s = q_admin_variant_update(c,
                               &(q_admin_variant_update_params){
                                   .sku = v.sku,
                                   .name = v.name,
                                   .options = v.options,
                                   .price_amount = v.price_amount,
                                   .compare_at_amount = v.compare_at_amount,
                                   .compare_at_amount_is_null = v.compare_at_amount_is_null,
                                   .position = v.position,
                                   .active = v.active,
                                   .id = op->id,
                                   .revision = (int32_t)op->revision,
                               },
                               &up, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_stale(e));
    if (s != SF_OK)
        return s;
    return variant_doc(c, a, op->id, op->out, e);
}

static sf_status delete_variant(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    variant_op *op = ctx;
    q_admin_variant_lock_row cur;
    sf_status s = q_admin_variant_lock(c, a, &(q_admin_variant_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    if (op->revision && cur.product_variant.revision != op->revision)
        return svc_admin_stale(e);
    q_admin_variant_order_lines_row n;
    s = q_admin_variant_order_lines(c, &(q_admin_variant_order_lines_params){.id = op->id}, &n, e);
    if (s != SF_OK)
        return s;
    if (n.n > 0)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The variant is on %lld order line(s), which must keep pointing at it: "
                       "deactivate it (active: false) instead.",
                       (long long)n.n);
    if ((s = q_admin_variant_cart_items_delete(
             c, &(q_admin_variant_cart_items_delete_params){.id = op->id}, e)) != SF_OK)
        return s;
    long rows;
    return q_admin_variant_delete(c, &(q_admin_variant_delete_params){.id = op->id}, &rows, e);
}
