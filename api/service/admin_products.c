/*
 * admin_products.c — staff products: create (with variants), read, merge-patch
 * (including archive), delete (admin_catalog.h).
 *
 * Archive is {"archived": true}: the product leaves the storefront (active = false) and
 * archived_at records when; old orders still point at its variants. {"archived": false}
 * brings it back (active again unless the same patch says otherwise). Delete is for
 * mistakes: a product any order line points at is a 409 (archive it instead).
 *
 * Every write fires the catalog triggers (0011–0013) in its own transaction, so the
 * public list, detail, search, facets and suggestions show it on the very next read.
 */
#include <string.h>

#include "storefront/admin_catalog.h"
#include "storefront/queries_gen.h"

#define MAX_CATEGORIES 50
#define MAX_VARIANTS   100

typedef struct product_input {
    bool has_name, has_slug, has_brand, has_description, has_status, has_featured, has_active,
        has_archived, has_categories;
    const char *name, *slug, *brand_field, *brand_slug, *description, *status, *currency;
    int64_t brand_id;
    bool featured, active, archived;
    int64_t *category_ids;
    size_t ncategories;
    svc_variant_input *variants;
    size_t nvariants;
} product_input;

typedef struct product_op {
    int64_t id, revision;
    product_input in;
    svc_admin_doc *out;
} product_op;

static sf_status parse_product(arena *a, json_t *j, bool create, product_input *in, sf_error *e);
static void parse_variants(arena *a, json_t *v, product_input *in, sf_error *e);
static sf_status product_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e);
static sf_status not_found(sf_error *e);
static sf_status resolve_brand(db_conn *c, product_input *in, sf_error *e);
static sf_status check_categories(db_conn *c, arena *a, const product_input *in, sf_error *e);
static sf_status set_categories(db_conn *c, arena *a, int64_t id, const product_input *in,
                                sf_error *e);
static sf_status insert_product(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                svc_admin_doc *doc, sf_error *e);
static sf_status get_product(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status update_product(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status delete_product(db_conn *c, arena *a, void *ctx, sf_error *e);

sf_status svc_admin_product_create(db_pool *pool, arena *a, const auth_principal *who,
                                   const char *key, const char *body, size_t len,
                                   svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    product_op op = {.out = out};
    sf_status s = parse_product(a, j, true, &op.in, e);
    if (s == SF_OK)
        s = svc_admin_create(pool, a, who, key, "POST /v1/admin/products", j, insert_product, &op,
                             out, e);
    json_decref(j);
    return s;
}

sf_status svc_admin_product_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out,
                                sf_error *e)
{
    product_op op = {.id = id, .out = out};
    return svc_admin_tx(pool, a, get_product, &op, e);
}

sf_status svc_admin_product_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   const char *body, size_t len, svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    product_op op = {.id = id, .revision = revision, .out = out};
    sf_status s = parse_product(a, j, false, &op.in, e);
    /* After the transaction: the input points into j's strings. */
    if (s == SF_OK)
        s = svc_admin_tx(pool, a, update_product, &op, e);
    json_decref(j);
    return s;
}

sf_status svc_admin_product_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                   sf_error *e)
{
    product_op op = {.id = id, .revision = revision};
    return svc_admin_tx(pool, a, delete_product, &op, e);
}

/* --- input ------------------------------------------------------------------------ */

static void parse_variants(arena *a, json_t *v, product_input *in, sf_error *e)
{
    if (!json_is_array(v) || json_array_size(v) > MAX_VARIANTS) {
        sf_field_fail(e, "variants", "must be an array of at most %d variants", MAX_VARIANTS);
        return;
    }
    in->nvariants = json_array_size(v);
    in->variants = arena_calloc(a, (in->nvariants ? in->nvariants : 1) * sizeof *in->variants);
    for (size_t i = 0; i < in->nvariants; i++) {
        const char *prefix = arena_sprintf(a, "variants[%zu].", i);
        sf_error ve;
        sf_error_clear(&ve);
        svc_admin_variant_parse(a, json_array_get(v, i), prefix, true, &in->variants[i], &ve);
        for (int k = 0; k < ve.nfields; k++)
            sf_field_fail(e, ve.fields[k].field, "%s", ve.fields[k].message);
    }
}

static sf_status parse_product(arena *a, json_t *j, bool create, product_input *in, sf_error *e)
{
    static const char *const statuses[] = {"regular", "new", "hot", "sale", NULL};
    memset(in, 0, sizeof *in);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "name") == 0)
            in->has_name = svc_field_text(a, e, v, "name", 200, true, false, &in->name);
        else if (strcmp(key, "slug") == 0)
            in->has_slug = svc_field_slug(e, v, "slug", &in->slug);
        else if (strcmp(key, "brand_id") == 0 || strcmp(key, "brand") == 0) {
            if (in->brand_field) {
                sf_field_fail(e, key, "give brand_id or brand (its slug), not both");
                continue;
            }
            in->brand_field = strcmp(key, "brand") == 0 ? "brand" : "brand_id";
            in->has_brand = in->brand_field[5] == '_'
                                ? svc_field_int(e, v, key, 1, 9007199254740991LL, &in->brand_id)
                                : svc_field_slug(e, v, key, &in->brand_slug);
        } else if (strcmp(key, "description") == 0)
            in->has_description =
                svc_field_text(a, e, v, "description", 20000, false, true, &in->description);
        else if (strcmp(key, "status") == 0) {
            const char *st = json_is_string(v) ? json_string_value(v) : "";
            for (int i = 0; statuses[i]; i++)
                if (strcmp(st, statuses[i]) == 0)
                    in->status = statuses[i];
            in->has_status = in->status != NULL;
            if (!in->status)
                sf_field_fail(e, "status", "must be one of regular, new, hot, sale");
        } else if (strcmp(key, "featured") == 0)
            in->has_featured = svc_field_bool(e, v, "featured", &in->featured);
        else if (strcmp(key, "active") == 0)
            in->has_active = svc_field_bool(e, v, "active", &in->active);
        else if (strcmp(key, "archived") == 0 && !create)
            in->has_archived = svc_field_bool(e, v, "archived", &in->archived);
        else if (strcmp(key, "category_ids") == 0)
            in->has_categories = svc_field_ids(a, e, v, "category_ids", MAX_CATEGORIES,
                                               &in->category_ids, &in->ncategories);
        else if (strcmp(key, "currency") == 0 && create) {
            const char *cur = json_is_string(v) ? json_string_value(v) : "";
            if (strlen(cur) == 3 && cur[0] >= 'A' && cur[0] <= 'Z' && cur[1] >= 'A' &&
                cur[1] <= 'Z' && cur[2] >= 'A' && cur[2] <= 'Z')
                in->currency = cur;
            else
                sf_field_fail(e, "currency", "must be an ISO 4217 code such as USD");
        } else if (strcmp(key, "variants") == 0 && create)
            parse_variants(a, v, in, e);
        else
            sf_field_fail(e, key, "is not a field of a product%s",
                          create ? "" : " update (variants have their own routes)");
    }
    if (create) {
        if (!json_object_get(j, "name"))
            sf_field_fail(e, "name", "is required");
        if (!in->brand_field)
            sf_field_fail(e, "brand_id", "is required (or brand, the brand's slug)");
        if (!in->currency)
            in->currency = "USD";
        if (!in->has_active)
            in->active = true;
        if (e->status == SF_OK && !in->has_slug) {
            in->slug = svc_slugify(a, in->name);
            in->has_slug = in->slug != NULL;
            if (!in->slug)
                sf_field_fail(e, "slug", "cannot be derived from the name: send one");
        }
        for (size_t i = 0; e->status == SF_OK && i < in->nvariants; i++)
            if (!in->variants[i].has_name)
                in->variants[i].name = in->name;
    }
    if (in->has_archived && in->archived && in->has_active && in->active)
        sf_field_fail(e, "active", "an archived product cannot be active");
    return e->status;
}

/* --- transaction steps ------------------------------------------------------------ */

static sf_status not_found(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such product.");
}

static sf_status product_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e)
{
    q_admin_product_doc_row row;
    sf_status s = q_admin_product_doc(c, a, &(q_admin_product_doc_params){.id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s == SF_OK)
        *out = (svc_admin_doc){.body = row.doc, .id = id, .revision = row.revision};
    return s;
}

/* brand_id or brand (slug) -> an existing brand's id; unknown is a 400 naming the field. */
static sf_status resolve_brand(db_conn *c, product_input *in, sf_error *e)
{
    sf_status s;
    if (in->brand_slug) {
        q_admin_brand_id_by_slug_row r;
        s = q_admin_brand_id_by_slug(c, &(q_admin_brand_id_by_slug_params){.slug = in->brand_slug},
                                     &r, e);
        if (s == SF_OK)
            in->brand_id = r.id;
    } else {
        q_admin_brand_exists_row r;
        s = q_admin_brand_exists(c, &(q_admin_brand_exists_params){.id = in->brand_id}, &r, e);
    }
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        sf_field_fail(e, in->brand_field, "names no brand");
        return e->status;
    }
    return s;
}

static sf_status check_categories(db_conn *c, arena *a, const product_input *in, sf_error *e)
{
    if (!in->has_categories || in->ncategories == 0)
        return SF_OK;
    q_admin_categories_missing_row *rows;
    size_t n;
    sf_status s = q_admin_categories_missing(
        c, a,
        &(q_admin_categories_missing_params){.ids = in->category_ids, .ids_n = in->ncategories},
        &rows, &n, e);
    if (s == SF_OK && n > 0)
        sf_field_fail(e, "category_ids", "names no category (%lld)", (long long)rows[0].id);
    return e->status;
}

static sf_status set_categories(db_conn *c, arena *a, int64_t id, const product_input *in,
                                sf_error *e)
{
    if (!in->has_categories)
        return SF_OK;
    sf_status s = q_admin_product_categories_prune(
        c, a,
        &(q_admin_product_categories_prune_params){
            .id = id, .ids = in->category_ids, .ids_n = in->ncategories},
        e);
    if (s == SF_OK && in->ncategories > 0)
        s = q_admin_product_categories_add(
            c, a,
            &(q_admin_product_categories_add_params){
                .id = id, .ids = in->category_ids, .ids_n = in->ncategories},
            e);
    return s;
}

static sf_status insert_product(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                svc_admin_doc *doc, sf_error *e)
{
    product_op *op = ctx;
    product_input *in = &op->in;
    if (resolve_brand(c, in, e) != SF_OK || check_categories(c, a, in, e) != SF_OK)
        return e->status;
    q_admin_product_insert_row row;
    sf_status s =
        q_admin_product_insert(c,
                               &(q_admin_product_insert_params){
                                   .slug = in->slug,
                                   .name = in->name,
                                   .brand_id = in->brand_id,
                                   .description = in->has_description ? in->description : "",
                                   .status = in->has_status ? in->status : "regular",
                                   .featured = in->featured,
                                   .active = in->active,
                                   .currency = in->currency,
                               },
                               &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_slug_taken(e, in->slug));
    if (s == SF_OK)
        s = set_categories(c, a, row.id, in, e);
    for (size_t i = 0; s == SF_OK && i < in->nvariants; i++) {
        int64_t vid;
        s = svc_admin_variant_insert(c, a, row.id, in->currency, &in->variants[i],
                                     arena_sprintf(a, "variants[%zu].", i), actor_id, &vid, e);
    }
    if (s != SF_OK)
        return s;
    return product_doc(c, a, row.id, doc, e);
}

static sf_status get_product(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    product_op *op = ctx;
    return product_doc(c, a, op->id, op->out, e);
}

static sf_status update_product(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    product_op *op = ctx;
    product_input *in = &op->in;
    q_admin_product_lock_row cur;
    sf_status s = q_admin_product_lock(c, a, &(q_admin_product_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    db_product p = cur.product;
    if (op->revision && p.revision != op->revision)
        return svc_admin_stale(e);
    bool archived = in->has_archived ? in->archived : !p.archived_at_is_null;
    bool active = in->has_active ? in->active : p.active;
    if (in->has_archived && !in->archived && !p.archived_at_is_null && !in->has_active)
        active = true; /* unarchiving publishes again unless the patch says otherwise */
    if (archived && in->has_active && in->active) {
        sf_field_fail(e, "active", "an archived product cannot be active: send archived: false");
        return e->status;
    }
    if (in->has_brand && resolve_brand(c, in, e) != SF_OK)
        return e->status;
    if (check_categories(c, a, in, e) != SF_OK)
        return e->status;
    if (in->has_slug && strcmp(in->slug, p.slug) != 0) {
        q_admin_product_slug_taken_row t;
        s = q_admin_product_slug_taken(
            c, &(q_admin_product_slug_taken_params){.slug = in->slug, .id = op->id}, &t, e);
        if (s == SF_OK)
            return svc_admin_slug_taken(e, in->slug);
        if (s != SF_NOT_FOUND)
            return s;
        sf_error_clear(e);
        p.slug = (char *)in->slug;
    }
    q_admin_product_update_row up;
    s = q_admin_product_update(
        c,
        &(q_admin_product_update_params){
            .slug = p.slug,
            .name = in->has_name ? in->name : p.name,
            .brand_id = in->has_brand ? in->brand_id : p.brand_id,
            .description = in->has_description ? in->description : p.description,
            .status = in->has_status ? in->status : db_product_status_str(p.status),
            .featured = in->has_featured ? in->featured : p.featured,
            .active = active,
            .archived = archived,
            .id = op->id,
            .revision = (int32_t)op->revision,
        },
        &up, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_stale(e));
    if (s == SF_OK)
        s = set_categories(c, a, op->id, in, e);
    if (s != SF_OK)
        return s;
    return product_doc(c, a, op->id, op->out, e);
}

static sf_status delete_product(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    product_op *op = ctx;
    q_admin_product_lock_row cur;
    sf_status s = q_admin_product_lock(c, a, &(q_admin_product_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    if (op->revision && cur.product.revision != op->revision)
        return svc_admin_stale(e);
    q_admin_product_order_lines_row n;
    s = q_admin_product_order_lines(c, &(q_admin_product_order_lines_params){.id = op->id}, &n, e);
    if (s != SF_OK)
        return s;
    if (n.n > 0)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The product is on %lld order line(s), which must keep pointing at its "
                       "variants: archive it ({\"archived\": true}) instead.",
                       (long long)n.n);
    if ((s = q_admin_product_cart_items_delete(
             c, &(q_admin_product_cart_items_delete_params){.id = op->id}, e)) != SF_OK)
        return s;
    long rows;
    return q_admin_product_delete(c, &(q_admin_product_delete_params){.id = op->id}, &rows, e);
}
