/*
 * h_admin_customers.c — staff read customers: GET /v1/admin/customers (oldest first,
 * or with `email` the customers whose e-mail starts with that prefix, case-blind, in
 * e-mail order; keyset-paginated, limit 1..100, default 20, opaque cursor) and
 * GET /v1/admin/customers/{id} (one customer with the first page of their orders).
 */
#include <string.h>

#include "http/http.h"
#include "storefront/customers.h"

#define RECENT_ORDERS 10 /* orders shown with a customer; the rest via /v1/admin/orders */

void h_admin_customers_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    int64_t limit;
    const char *cursor, *email;
    http_query_int(c, "limit", 20, 1, 100, &limit, &e);
    http_query_string(c, "cursor", 1100, &cursor, &e);
    http_query_string(c, "email", 254, &email, &e);
    svc_customer_page page;
    if (e.status == SF_OK && email)
        svc_customers_by_email(c->app->pool, c->app->cfg.cursor_key, c->a, email, cursor,
                               (int)limit, &page, &e);
    else if (e.status == SF_OK)
        svc_customers_list(c->app->pool, c->app->cfg.cursor_key, c->a, cursor, (int)limit, &page,
                           &e);
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256 + page.n * 512);
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

void h_admin_customers_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    db_customer row;
    svc_order_page orders;
    /* The same page GET /v1/admin/orders?customer={id} answers, so its next_cursor
     * continues there. */
    svc_admin_order_filter f = {.customer_id = c->path_id};
    if (svc_customer_get(c->app->pool, c->a, c->path_id, &row, &e) != SF_OK ||
        svc_admin_orders_list(c->app->pool, c->app->cfg.cursor_key, c->a, &f, NULL, RECENT_ORDERS,
                              &orders, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 1024 + orders.n * 1024);
    jw_obj_begin(&w);
    http_write_customer_fields(&w, &row, NULL);
    jw_key(&w, "orders");
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < orders.n; i++)
        jw_raw(&w, orders.items[i], strlen(orders.items[i]));
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    jw_str(&w, orders.next_cursor);
    jw_obj_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}
