/*
 * admin_brands.c — staff brands: create, read, merge-patch, delete (admin_catalog.h).
 *
 * A rename needs nothing here to reach search: the brands_renamed trigger (0011)
 * rewrites its products' search data in the same transaction. A brand with products
 * cannot be deleted (products.brand_id is RESTRICT): 409 with the count, so staff
 * move or delete the products first.
 */
#include <string.h>

#include "storefront/admin_catalog.h"
#include "storefront/queries_gen.h"

typedef struct brand_input {
    bool has_name, has_slug, has_description, has_logo_url;
    const char *name, *slug, *description, *logo_url; /* logo_url NULL = none */
} brand_input;

typedef struct brand_op {
    int64_t id, revision;
    brand_input in;
    svc_admin_doc *out;
} brand_op;

static sf_status parse_brand(arena *a, json_t *j, bool create, brand_input *in, sf_error *e);
static bool logo_url_valid(const char *s);
static sf_status brand_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e);
static sf_status insert_brand(db_conn *c, arena *a, void *ctx, int64_t actor_id, svc_admin_doc *doc,
                              sf_error *e);
static sf_status update_brand(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status delete_brand(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status get_brand(db_conn *c, arena *a, void *ctx, sf_error *e);

sf_status svc_admin_brand_create(db_pool *pool, arena *a, const auth_principal *who,
                                 const char *key, const char *body, size_t len, svc_admin_doc *out,
                                 sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    brand_op op = {.out = out};
    sf_status s = parse_brand(a, j, true, &op.in, e);
    if (s == SF_OK)
        s = svc_admin_create(pool, a, who, key, "POST /v1/admin/brands", j, insert_brand, &op, out,
                             e);
    json_decref(j);
    return s;
}

sf_status svc_admin_brand_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out, sf_error *e)
{
    brand_op op = {.id = id, .out = out};
    return svc_admin_tx(pool, a, get_brand, &op, e);
}

sf_status svc_admin_brand_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                 const char *body, size_t len, svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    brand_op op = {.id = id, .revision = revision, .out = out};
    sf_status s = parse_brand(a, j, false, &op.in, e);
    /* After the transaction: the input points into j's strings. */
    if (s == SF_OK)
        s = svc_admin_tx(pool, a, update_brand, &op, e);
    json_decref(j);
    return s;
}

sf_status svc_admin_brand_delete(db_pool *pool, arena *a, int64_t id, int64_t revision, sf_error *e)
{
    brand_op op = {.id = id, .revision = revision};
    return svc_admin_tx(pool, a, delete_brand, &op, e);
}

/* --- input ------------------------------------------------------------------------ */

static sf_status parse_brand(arena *a, json_t *j, bool create, brand_input *in, sf_error *e)
{
    memset(in, 0, sizeof *in);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "name") == 0)
            in->has_name = svc_field_text(a, e, v, "name", 120, true, false, &in->name);
        else if (strcmp(key, "slug") == 0)
            in->has_slug = svc_field_slug(e, v, "slug", &in->slug);
        else if (strcmp(key, "description") == 0)
            in->has_description =
                svc_field_text(a, e, v, "description", 5000, false, true, &in->description);
        else if (strcmp(key, "logo_url") == 0) {
            in->has_logo_url = true;
            if (json_is_null(v))
                in->logo_url = NULL;
            else if (!json_is_string(v) || !logo_url_valid(json_string_value(v)))
                sf_field_fail(e, "logo_url",
                              "must be an https URL of at most 2048 characters, "
                              "or null");
            else
                in->logo_url = json_string_value(v);
        } else
            sf_field_fail(e, key, "is not a field of a brand");
    }
    if (create && !in->has_name && !json_object_get(j, "name"))
        sf_field_fail(e, "name", "is required");
    if (e->status == SF_OK && create && !in->has_slug) {
        in->slug = svc_slugify(a, in->name);
        in->has_slug = in->slug != NULL;
        if (!in->slug)
            sf_field_fail(e, "slug", "cannot be derived from the name: send one");
    }
    return e->status;
}

/* https://host[...]: printable ASCII, no spaces or quotes, so it is safe in any page. */
static bool logo_url_valid(const char *s)
{
    size_t n = strlen(s);
    if (n > 2048 || n <= 8 || strncmp(s, "https://", 8) != 0 || s[8] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7F || ch == '"' || ch == '<' || ch == '>' || ch == '\\')
            return false;
    }
    return true;
}

/* --- transaction steps ------------------------------------------------------------ */

static sf_status brand_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e)
{
    q_admin_brand_doc_row row;
    sf_status s = q_admin_brand_doc(c, a, &(q_admin_brand_doc_params){.id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), sf_fail(e, SF_NOT_FOUND, "not-found", "No such brand."));
    if (s == SF_OK)
        *out = (svc_admin_doc){.body = row.doc, .id = id, .revision = row.revision};
    return s;
}

static sf_status get_brand(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    brand_op *op = ctx;
    return brand_doc(c, a, op->id, op->out, e);
}

static sf_status insert_brand(db_conn *c, arena *a, void *ctx, int64_t actor_id, svc_admin_doc *doc,
                              sf_error *e)
{
    (void)actor_id;
    brand_op *op = ctx;
    q_admin_brand_insert_row row;
    sf_status s =
        q_admin_brand_insert(c,
                             &(q_admin_brand_insert_params){
                                 .slug = op->in.slug,
                                 .name = op->in.name,
                                 .description = op->in.has_description ? op->in.description : "",
                                 .logo_url = op->in.logo_url,
                             },
                             &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_slug_taken(e, op->in.slug));
    if (s != SF_OK)
        return s;
    return brand_doc(c, a, row.id, doc, e);
}

static sf_status update_brand(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    brand_op *op = ctx;
    q_admin_brand_lock_row cur;
    sf_status s = q_admin_brand_lock(c, a, &(q_admin_brand_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), sf_fail(e, SF_NOT_FOUND, "not-found", "No such brand."));
    if (s != SF_OK)
        return s;
    if (op->revision && cur.brand.revision != op->revision)
        return svc_admin_stale(e);
    db_brand b = cur.brand;
    if (op->in.has_name)
        b.name = (char *)op->in.name;
    if (op->in.has_description)
        b.description = (char *)op->in.description;
    if (op->in.has_logo_url) {
        b.logo_url = (char *)op->in.logo_url;
        b.logo_url_is_null = op->in.logo_url == NULL;
    }
    if (op->in.has_slug && strcmp(op->in.slug, b.slug) != 0) {
        q_admin_brand_slug_taken_row t;
        s = q_admin_brand_slug_taken(
            c, &(q_admin_brand_slug_taken_params){.slug = op->in.slug, .id = op->id}, &t, e);
        if (s == SF_OK)
            return svc_admin_slug_taken(e, op->in.slug);
        if (s != SF_NOT_FOUND)
            return s;
        sf_error_clear(e);
        b.slug = (char *)op->in.slug;
    }
    q_admin_brand_update_row up;
    s = q_admin_brand_update(c,
                             &(q_admin_brand_update_params){
                                 .slug = b.slug,
                                 .name = b.name,
                                 .description = b.description,
                                 .logo_url = b.logo_url_is_null ? NULL : b.logo_url,
                                 .id = op->id,
                                 .revision = (int32_t)op->revision,
                             },
                             &up, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_stale(e));
    if (s != SF_OK)
        return s;
    return brand_doc(c, a, op->id, op->out, e);
}

static sf_status delete_brand(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    brand_op *op = ctx;
    q_admin_brand_lock_row cur;
    sf_status s = q_admin_brand_lock(c, a, &(q_admin_brand_lock_params){.id = op->id}, &cur, e);
    int32_t rev = s == SF_OK ? cur.brand.revision : 0;
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), sf_fail(e, SF_NOT_FOUND, "not-found", "No such brand."));
    if (s != SF_OK)
        return s;
    if (op->revision && rev != op->revision)
        return svc_admin_stale(e);
    q_admin_brand_products_row n;
    s = q_admin_brand_products(c, &(q_admin_brand_products_params){.id = op->id}, &n, e);
    if (s != SF_OK)
        return s;
    if (n.n > 0)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The brand still has %lld product(s): move or delete them first.",
                       (long long)n.n);
    long rows;
    return q_admin_brand_delete(c, &(q_admin_brand_delete_params){.id = op->id}, &rows, e);
}
