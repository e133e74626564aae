/*
 * h_brands.c — GET /v1/brands: every brand, by name.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "storefront/catalog.h"

static int by_name(const void *x, const void *y);

void h_brands_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    db_brand *brands;
    size_t n;
    if (svc_brands_list(c->app->pool, c->a, &brands, &n, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    qsort(brands, n, sizeof *brands, by_name);
    jw w;
    jw_init(&w, 2048);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(&w);
        jw_key(&w, "id");
        jw_int(&w, brands[i].id);
        jw_key(&w, "slug");
        jw_str(&w, brands[i].slug);
        jw_key(&w, "name");
        jw_str(&w, brands[i].name);
        jw_key(&w, "description");
        jw_str(&w, brands[i].description);
        jw_key(&w, "logo_url");
        jw_str(&w, brands[i].logo_url_is_null ? NULL : brands[i].logo_url);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

static int by_name(const void *x, const void *y)
{
    const db_brand *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->id < b->id ? -1 : a->id > b->id);
}
