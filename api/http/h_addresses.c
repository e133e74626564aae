/*
 * h_addresses.c — /v1/me/addresses: the signed-in customer's address book (list,
 * create, read, change, delete). The {id} in the path was validated by the pipeline
 * (c->path_id); whose address it is, and the default rules, are the service's
 * business: another customer's address answers 404 exactly like a missing one.
 */
#include "http/http.h"
#include "storefront/addresses.h"

static void write_address(jw *w, const db_address *row);
static void send_address(http_ctx *c, int status, const db_address *row);

void h_addresses_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    db_address *items;
    size_t n;
    if (svc_addresses_list(c->app->pool, c->a, &c->principal, &items, &n, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 256 + n * 384);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        write_address(&w, &items[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void h_addresses_create(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_address_input in;
    db_address row;
    if (svc_address_input_parse(c->a, body, len, true, &in, &e) != SF_OK ||
        svc_address_create(c->app->pool, c->a, &c->principal, &in, &row, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->location = arena_sprintf(c->a, "/v1/me/addresses/%lld", (long long)row.id);
    send_address(c, 201, &row);
}

void h_addresses_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    db_address row;
    if (svc_address_get(c->app->pool, c->a, &c->principal, c->path_id, &row, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_address(c, 200, &row);
}

void h_addresses_update(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_address_input in;
    db_address row;
    if (svc_address_input_parse(c->a, body, len, false, &in, &e) != SF_OK ||
        svc_address_update(c->app->pool, c->a, &c->principal, c->path_id, &in, &row, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_address(c, 200, &row);
}

void h_addresses_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (svc_address_delete(c->app->pool, c->a, &c->principal, c->path_id, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

static void send_address(http_ctx *c, int status, const db_address *row)
{
    jw w;
    jw_init(&w, 512);
    write_address(&w, row);
    http_send_json(c, status, &w);
}

static void write_address(jw *w, const db_address *row)
{
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, row->id);
    jw_key(w, "name");
    jw_str(w, row->name_is_null ? NULL : row->name);
    jw_key(w, "phone");
    jw_str(w, row->phone_is_null ? NULL : row->phone);
    jw_key(w, "line1");
    jw_str(w, row->line1);
    jw_key(w, "line2");
    jw_str(w, row->line2_is_null ? NULL : row->line2);
    jw_key(w, "city");
    jw_str(w, row->city);
    jw_key(w, "region");
    jw_str(w, row->region_is_null ? NULL : row->region);
    jw_key(w, "postal_code");
    jw_str(w, row->postal_code_is_null ? NULL : row->postal_code);
    jw_key(w, "country");
    jw_str(w, row->country);
    jw_key(w, "is_default");
    jw_bool(w, row->is_default);
    jw_key(w, "created_at");
    jw_str(w, row->created_at);
    jw_key(w, "updated_at");
    jw_str(w, row->updated_at);
    jw_obj_end(w);
}
