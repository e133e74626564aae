/*
 * routes.c — the route table. One line per operation in openapi.yaml; the contract
 * tests fail when the two disagree. Each route lists the query parameters it accepts
 * so unknown ones are rejected before the handler runs.
 */
#include "http/http.h"

static const char *const products_params[] = {
    "q",        "category", "brand", "status", "featured", "min_price", "max_price",
    "in_stock", "sort",     "limit", "cursor", "facets",   NULL};

const http_route http_routes[] = {
    {"GET", "/healthz", h_healthz, NULL, false},
    {"GET", "/readyz", h_readyz, NULL, false},
    {"GET", "/metrics", h_metrics, NULL, false},
    {"GET", "/v1/categories", h_categories_list, NULL, true},
    {"GET", "/v1/categories/{slug}", h_categories_get, NULL, true},
    {"GET", "/v1/brands", h_brands_list, NULL, true},
    {"GET", "/v1/products", h_products_list, products_params, true},
    {"GET", "/v1/products/{slug}", h_products_get, NULL, true},
};

const int http_routes_count = (int)(sizeof http_routes / sizeof http_routes[0]);
