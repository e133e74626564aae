/*
 * h_admin_customers.c — GET /v1/admin/customers: staff list customers, oldest first,
 * keyset-paginated (limit 1..100, default 20; opaque cursor).
 */
#include "http/http.h"
#include "storefront/customers.h"

void h_admin_customers_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit;
    const char *cursor;
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    svc_customer_page page;
    if (e.status != SF_OK || svc_customers_list(c->app->pool, c->app->cfg.cursor_key, c->a, cursor,
                                                (int)limit, &page, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256 + page.n * 256);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < page.n; i++) {
        jw_obj_begin(&w);
        http_write_customer_fields(&w, &page.items[i], NULL);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, page.next_cursor);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}
