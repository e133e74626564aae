/*
 * admin_categories.c — staff categories: create, read, merge-patch (rename, move in the
 * tree), delete (admin_catalog.h).
 *
 * A move (parent_id) must keep the tree a tree: the new parent may not be the category
 * itself or one of its descendants (409). Moves take one advisory lock first
 * (admin_category_tree_lock), so two crossing moves cannot both pass the check on
 * snapshots that miss each other. The categories_moved trigger (0011) refreshes the
 * listing of the products below a moved category in the same transaction.
 */
#include <string.h>

#include "storefront/admin_catalog.h"
#include "storefront/queries_gen.h"

typedef struct category_input {
    bool has_name, has_slug, has_description, has_parent, has_position;
    const char *name, *slug, *description;
    int64_t parent_id; /* 0 = a top-level category */
    int64_t position;
} category_input;

typedef struct category_op {
    int64_t id, revision;
    category_input in;
    svc_admin_doc *out;
} category_op;

static sf_status parse_category(arena *a, json_t *j, bool create, category_input *in, sf_error *e);
static sf_status category_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e);
static sf_status parent_exists(db_conn *c, int64_t parent_id, sf_error *e);
static sf_status not_found(sf_error *e);
static sf_status insert_category(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                 svc_admin_doc *doc, sf_error *e);
static sf_status get_category(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status update_category(db_conn *c, arena *a, void *ctx, sf_error *e);
static sf_status delete_category(db_conn *c, arena *a, void *ctx, sf_error *e);

sf_status svc_admin_category_create(db_pool *pool, arena *a, const auth_principal *who,
                                    const char *key, const char *body, size_t len,
                                    svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    category_op op = {.out = out};
    sf_status s = parse_category(a, j, true, &op.in, e);
    if (s == SF_OK)
        s = svc_admin_create(pool, a, who, key, "POST /v1/admin/categories", j, insert_category,
                             &op, out, e);
    json_decref(j);
    return s;
}

sf_status svc_admin_category_get(db_pool *pool, arena *a, int64_t id, svc_admin_doc *out,
                                 sf_error *e)
{
    category_op op = {.id = id, .out = out};
    return svc_admin_tx(pool, a, get_category, &op, e);
}

sf_status svc_admin_category_update(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                    const char *body, size_t len, svc_admin_doc *out, sf_error *e)
{
    json_t *j = svc_admin_body(body, len, e);
    if (!j)
        return e->status;
    category_op op = {.id = id, .revision = revision, .out = out};
    sf_status s = parse_category(a, j, false, &op.in, e);
    /* After the transaction: the input points into j's strings. */
    if (s == SF_OK)
        s = svc_admin_tx(pool, a, update_category, &op, e);
    json_decref(j);
    return s;
}

sf_status svc_admin_category_delete(db_pool *pool, arena *a, int64_t id, int64_t revision,
                                    sf_error *e)
{
    category_op op = {.id = id, .revision = revision};
    return svc_admin_tx(pool, a, delete_category, &op, e);
}

/* --- input ------------------------------------------------------------------------ */

static sf_status parse_category(arena *a, json_t *j, bool create, category_input *in, sf_error *e)
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
        else if (strcmp(key, "parent_id") == 0) {
            in->has_parent = json_is_null(v) || svc_field_int(e, v, "parent_id", 1,
                                                              9007199254740991LL, &in->parent_id);
            if (json_is_null(v))
                in->parent_id = 0;
        } else if (strcmp(key, "position") == 0)
            in->has_position = svc_field_int(e, v, "position", -1000000, 1000000, &in->position);
        else
            sf_field_fail(e, key, "is not a field of a category");
    }
    if (create && !json_object_get(j, "name"))
        sf_field_fail(e, "name", "is required");
    if (e->status == SF_OK && create && !in->has_slug) {
        in->slug = svc_slugify(a, in->name);
        in->has_slug = in->slug != NULL;
        if (!in->slug)
            sf_field_fail(e, "slug", "cannot be derived from the name: send one");
    }
    return e->status;
}

/* --- transaction steps ------------------------------------------------------------ */

static sf_status not_found(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such category.");
}

static sf_status category_doc(db_conn *c, arena *a, int64_t id, svc_admin_doc *out, sf_error *e)
{
    q_admin_category_doc_row row;
    sf_status s = q_admin_category_doc(c, a, &(q_admin_category_doc_params){.id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s == SF_OK)
        *out = (svc_admin_doc){.body = row.doc, .id = id, .revision = row.revision};
    return s;
}

/* An unknown parent is the caller's mistake in a field: 400 naming parent_id. */
static sf_status parent_exists(db_conn *c, int64_t parent_id, sf_error *e)
{
    q_admin_category_exists_row r;
    sf_status s =
        q_admin_category_exists(c, &(q_admin_category_exists_params){.id = parent_id}, &r, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        sf_field_fail(e, "parent_id", "names no category (%lld)", (long long)parent_id);
        return e->status;
    }
    return s;
}

static sf_status get_category(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    category_op *op = ctx;
    return category_doc(c, a, op->id, op->out, e);
}

static sf_status insert_category(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                 svc_admin_doc *doc, sf_error *e)
{
    (void)actor_id;
    category_op *op = ctx;
    const category_input *in = &op->in;
    if (in->parent_id && parent_exists(c, in->parent_id, e) != SF_OK)
        return e->status;
    q_admin_category_insert_row row;
    sf_status s =
        q_admin_category_insert(c,
                                &(q_admin_category_insert_params){
                                    .slug = in->slug,
                                    .name = in->name,
                                    .description = in->has_description ? in->description : "",
                                    .parent_id = in->parent_id,
                                    .parent_id_is_null = in->parent_id == 0,
                                    .position = (int32_t)in->position,
                                },
                                &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_slug_taken(e, in->slug));
    if (s != SF_OK)
        return s;
    return category_doc(c, a, row.id, doc, e);
}

static sf_status update_category(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    category_op *op = ctx;
    const category_input *in = &op->in;
    sf_status s;
    /* The tree lock comes before the row lock, in every move, so moves queue in one
     * order and never deadlock. */
    if (in->has_parent) {
        q_admin_category_tree_lock_row l;
        if ((s = q_admin_category_tree_lock(c, &l, e)) != SF_OK)
            return s;
    }
    q_admin_category_lock_row cur;
    s = q_admin_category_lock(c, a, &(q_admin_category_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    if (op->revision && cur.category.revision != op->revision)
        return svc_admin_stale(e);
    db_category k = cur.category;
    if (in->has_name)
        k.name = (char *)in->name;
    if (in->has_description)
        k.description = (char *)in->description;
    if (in->has_position)
        k.position = (int32_t)in->position;
    if (in->has_parent) {
        if (in->parent_id) {
            if (parent_exists(c, in->parent_id, e) != SF_OK)
                return e->status;
            q_admin_category_would_cycle_row cy;
            s = q_admin_category_would_cycle(
                c, &(q_admin_category_would_cycle_params){.parent_id = in->parent_id, .id = op->id},
                &cy, e);
            if (s != SF_OK)
                return s;
            if (cy.cycle)
                return sf_fail(e, SF_CONFLICT, "conflict",
                               "Category %lld cannot move under %lld: that is itself or one of "
                               "its descendants, and the tree would become a cycle.",
                               (long long)op->id, (long long)in->parent_id);
        }
        k.parent_id = in->parent_id;
        k.parent_id_is_null = in->parent_id == 0;
    }
    if (in->has_slug && strcmp(in->slug, k.slug) != 0) {
        q_admin_category_slug_taken_row t;
        s = q_admin_category_slug_taken(
            c, &(q_admin_category_slug_taken_params){.slug = in->slug, .id = op->id}, &t, e);
        if (s == SF_OK)
            return svc_admin_slug_taken(e, in->slug);
        if (s != SF_NOT_FOUND)
            return s;
        sf_error_clear(e);
        k.slug = (char *)in->slug;
    }
    q_admin_category_update_row up;
    s = q_admin_category_update(c,
                                &(q_admin_category_update_params){
                                    .slug = k.slug,
                                    .name = k.name,
                                    .description = k.description,
                                    .parent_id = k.parent_id,
                                    .parent_id_is_null = k.parent_id_is_null,
                                    .position = k.position,
                                    .id = op->id,
                                    .revision = (int32_t)op->revision,
                                },
                                &up, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), svc_admin_stale(e));
    if (s != SF_OK)
        return s;
    return category_doc(c, a, op->id, op->out, e);
}

static sf_status delete_category(db_conn *c, arena *a, void *ctx, sf_error *e)
{
    category_op *op = ctx;
    q_admin_category_lock_row cur;
    sf_status s =
        q_admin_category_lock(c, a, &(q_admin_category_lock_params){.id = op->id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return not_found(e);
    if (s != SF_OK)
        return s;
    if (op->revision && cur.category.revision != op->revision)
        return svc_admin_stale(e);
    q_admin_category_children_row n;
    s = q_admin_category_children(c, &(q_admin_category_children_params){.id = op->id}, &n, e);
    if (s != SF_OK)
        return s;
    if (n.n > 0)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The category has %lld child categor%s: move or delete them first.",
                       (long long)n.n, n.n == 1 ? "y" : "ies");
    long rows;
    return q_admin_category_delete(c, &(q_admin_category_delete_params){.id = op->id}, &rows, e);
}
