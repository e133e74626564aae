/*
 * h_categories.c — GET /v1/categories (the whole tree) and GET /v1/categories/{slug}
 * (one category with its breadcrumb and direct children).
 */
#include "http/http.h"
#include "storefront/catalog.h"

static void write_node(jw *w, const svc_category *c);
static void write_ref(jw *w, const svc_category *c);
static void write_ref_fields(jw *w, const svc_category *c);

void h_categories_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_category_tree tree;
    if (svc_categories_tree(c->app->pool, c->a, &tree, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 4096);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < tree.nroots; i++)
        write_node(&w, tree.roots[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_categories_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (!http_path_slug_or_problem(c))
        return;
    const svc_category *cat;
    if (svc_category_get(c->app->pool, c->a, c->path_param, &cat, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 1024);
    jw_obj_begin(&w);
    write_ref_fields(&w, cat);
    jw_key(&w, "description");
    jw_str(&w, cat->description);
    jw_key(&w, "parent_slug");
    jw_str(&w, cat->parent ? cat->parent->slug : NULL);
    /* Breadcrumb root first: collect the chain upwards, then write it reversed. */
    const svc_category *chain[32];
    int depth = 0;
    for (const svc_category *p = cat->parent; p && depth < 32; p = p->parent)
        chain[depth++] = p;
    jw_key(&w, "ancestors");
    jw_arr_begin(&w);
    while (depth > 0)
        write_ref(&w, chain[--depth]);
    jw_arr_end(&w);
    jw_key(&w, "children");
    jw_arr_begin(&w);
    for (size_t i = 0; i < cat->nchildren; i++)
        write_ref(&w, cat->children[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

static void write_node(jw *w, const svc_category *c)
{
    jw_obj_begin(w);
    write_ref_fields(w, c);
    jw_key(w, "description");
    jw_str(w, c->description);
    jw_key(w, "parent_slug");
    jw_str(w, c->parent ? c->parent->slug : NULL);
    jw_key(w, "children");
    jw_arr_begin(w);
    for (size_t i = 0; i < c->nchildren; i++)
        write_node(w, c->children[i]);
    jw_arr_end(w);
    jw_obj_end(w);
}

static void write_ref(jw *w, const svc_category *c)
{
    jw_obj_begin(w);
    write_ref_fields(w, c);
    jw_obj_end(w);
}

static void write_ref_fields(jw *w, const svc_category *c)
{
    http_write_ref_fields(w, c->id, c->slug, c->name);
}
