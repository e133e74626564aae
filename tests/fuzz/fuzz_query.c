/*
 * fuzz_query.c — the query string and path parameters, as server.c dispatch() reads
 * them before any handler runs: http_query_parse against a real route of the route
 * table (its declared parameters), then the typed readers the handlers use on what was
 * accepted, and the {id}/{item_id}/cart-id path checks.
 *
 * Input: one byte picking the route, one line that is the decoded path parameter, then
 * the raw query string (the part of the URL after '?', a C string of at most
 * HTTP_MAX_URL bytes, as server.c refuses longer URLs with 414 before parsing).
 */
#include <string.h>

#include "fuzz_input.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_typed(http_ctx *c)
{
    static const char *const sorts[] = {"newest", "price_asc", "price_desc", "name", NULL};
    for (int i = 0; i < c->nquery; i++) {
        const char *key = c->query[i].key;
        sf_error e;
        sf_error_clear(&e);
        int64_t n;
        bool b;
        int choice;
        const char *s;
        /* Every reader on every value: each must answer true or a field error. */
        http_query_int(c, key, 20, 1, 100, &n, &e);
        http_query_int(c, key, 0, 0, INT64_MAX, &n, &e);
        http_query_bool(c, key, false, &b, &e);
        http_query_enum(c, key, sorts, &choice, &e);
        http_query_string(c, key, 200, &s, &e);
        http_slug_valid(c->query[i].value);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t pick = fuzz_byte(&in);
    char *path_param = fuzz_line(&in);
    char *raw = fuzz_rest_str(&in);
    if (strlen(raw) > HTTP_MAX_URL) {
        free(path_param);
        free(raw);
        return 0;
    }
    http_ctx c;
    memset(&c, 0, sizeof c);
    c.a = arena_new(0);
    c.route_index = pick % http_routes_count;
    c.route = &http_routes[c.route_index];
    snprintf(c.request_id, sizeof c.request_id, "fuzz");
    c.path_param = path_param;
    c.path_param2 = path_param;

    sf_error e;
    sf_error_clear(&e);
    if (http_query_parse(&c, raw, &e) == SF_OK) {
        read_typed(&c);
    } else {
        http_send_error(&c, &e);
        free(c.body);
        c.body = NULL;
    }
    if (strchr(c.route->pattern, '{')) {
        http_slug_valid(path_param);
        if (strstr(c.route->pattern, "id}"))
            http_path_params_or_problem(&c);
    }
    free(c.body);
    arena_free(c.a);
    free(path_param);
    free(raw);
    return 0;
}
