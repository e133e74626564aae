/*
 * routes.c — the route table. One line per operation in openapi.yaml; the contract
 * tests fail when the two disagree. Each route lists the query parameters it accepts
 * so unknown ones are rejected before the handler runs.
 */
#include "http/http.h"

static const char *const products_params[] = {
    "q",        "category", "brand", "status", "featured", "min_price", "max_price",
    "in_stock", "sort",     "limit", "cursor", "facets",   NULL};

static const char *const suggestions_params[] = {"q", "limit", NULL};

static const char *const page_params[] = {"limit", "cursor", NULL};

static const char *const admin_orders_params[] = {"status", "customer", "from", "to",
                                                  "limit",  "cursor",   NULL};

/* Staff analytics (h_analytics.c). */
static const char *const clickstream_sdk_params[] = {
    "appId",       "platform", "event_bundle_sequence_id", "upload_timestamp", "hashCode",
    "compression", NULL};
static const char *const analytics_funnel_params[] = {"from", "to", "steps", NULL};
static const char *const analytics_top_params[] = {"from", "to", "metric", "limit", NULL};
static const char *const analytics_traffic_params[] = {"from", "to", "interval", NULL};

/* Query parameter lists of the issue #11 routes, one block per area. */
/* >>> params catalog: insert below this line */
/* <<< params catalog */

/* >>> params images: insert below this line */
/* <<< params images */

/* >>> params inventory: insert below this line */
static const char *const low_stock_params[] = {"threshold", "limit", "cursor", NULL};
/* <<< params inventory */

/* >>> params settings: insert below this line */
static const char *const discount_codes_params[] = {"active", "q", "limit", "cursor", NULL};
static const char *const shipping_methods_params[] = {"active", "limit", "cursor", NULL};
/* <<< params settings */

/* >>> params customers: insert below this line */
/* GET /v1/admin/customers: the page, and the e-mail prefix search. */
static const char *const admin_customers_params[] = {"email", "limit", "cursor", NULL};
/* <<< params customers */

/* >>> params reviews: insert below this line */
static const char *const reviews_params[] = {"sort", "limit", "cursor", NULL};
static const char *const admin_reviews_params[] = {"hidden", "product", "limit", "cursor", NULL};
static const char *const wishlist_params[] = {"limit", "cursor", NULL};
/* <<< params reviews */

const http_route http_routes[] = {
    {"GET", "/healthz", h_healthz, NULL, false, HTTP_PUBLIC},
    {"GET", "/readyz", h_readyz, NULL, false, HTTP_PUBLIC},
    {"GET", "/metrics", h_metrics, NULL, false, HTTP_PUBLIC},
    {"GET", "/v1/categories", h_categories_list, NULL, true, HTTP_PUBLIC},
    {"GET", "/v1/categories/{slug}", h_categories_get, NULL, true, HTTP_PUBLIC},
    {"GET", "/v1/brands", h_brands_list, NULL, true, HTTP_PUBLIC},
    {"GET", "/v1/products", h_products_list, products_params, true, HTTP_PUBLIC},
    {"GET", "/v1/products/{slug}", h_products_get, NULL, true, HTTP_PUBLIC},
    {"GET", "/v1/search/suggestions", h_search_suggestions, suggestions_params, true, HTTP_PUBLIC},
    {"GET", "/v1/me", h_me_get, NULL, false, HTTP_CUSTOMER},
    {"PATCH", "/v1/me", h_me_patch, NULL, false, HTTP_CUSTOMER},
    {"GET", "/v1/me/addresses", h_addresses_list, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/me/addresses", h_addresses_create, NULL, false, HTTP_CUSTOMER},
    {"GET", "/v1/me/addresses/{id}", h_addresses_get, NULL, false, HTTP_CUSTOMER},
    {"PATCH", "/v1/me/addresses/{id}", h_addresses_update, NULL, false, HTTP_CUSTOMER},
    {"DELETE", "/v1/me/addresses/{id}", h_addresses_delete, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/carts", h_carts_create, NULL, false, HTTP_PUBLIC},
    {"GET", "/v1/carts/{id}", h_carts_get, NULL, false, HTTP_PUBLIC},
    {"POST", "/v1/carts/{id}/items", h_carts_add_item, NULL, false, HTTP_PUBLIC},
    {"PATCH", "/v1/carts/{id}/items/{item_id}", h_carts_update_item, NULL, false, HTTP_PUBLIC},
    {"DELETE", "/v1/carts/{id}/items/{item_id}", h_carts_remove_item, NULL, false, HTTP_PUBLIC},
    {"POST", "/v1/carts/{id}/discount", h_carts_discount_apply, NULL, false, HTTP_PUBLIC},
    {"DELETE", "/v1/carts/{id}/discount", h_carts_discount_remove, NULL, false, HTTP_PUBLIC},
    {"GET", "/v1/me/cart", h_me_cart_get, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/me/cart/items", h_me_cart_add_item, NULL, false, HTTP_CUSTOMER},
    {"PATCH", "/v1/me/cart/items/{item_id}", h_me_cart_update_item, NULL, false, HTTP_CUSTOMER},
    {"DELETE", "/v1/me/cart/items/{item_id}", h_me_cart_remove_item, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/me/cart/merge", h_me_cart_merge, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/me/cart/discount", h_me_cart_discount_apply, NULL, false, HTTP_CUSTOMER},
    {"DELETE", "/v1/me/cart/discount", h_me_cart_discount_remove, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/checkout", h_checkout, NULL, false, HTTP_CUSTOMER},
    {"GET", "/v1/me/orders", h_me_orders_list, page_params, false, HTTP_CUSTOMER},
    {"GET", "/v1/me/orders/{number}", h_me_orders_get, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/me/orders/{number}/cancel", h_me_orders_cancel, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/payments/webhook", h_payments_webhook, NULL, false, HTTP_PUBLIC},
    {"GET", "/v1/admin/customers", h_admin_customers_list, admin_customers_params, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/orders", h_admin_orders_list, admin_orders_params, false, HTTP_ADMIN},
    {"GET", "/v1/admin/orders/{number}", h_admin_orders_get, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/orders/{number}/transitions", h_admin_orders_transition, NULL, false,
     HTTP_ADMIN},
    /* Staff analytics. */
    {"GET", "/v1/admin/analytics/funnel", h_analytics_funnel, analytics_funnel_params, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/analytics/top-products", h_analytics_top_products, analytics_top_params,
     false, HTTP_ADMIN},
    {"GET", "/v1/admin/analytics/traffic", h_analytics_traffic, analytics_traffic_params, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/analytics/sessions/{session_id}", h_analytics_session, NULL, false,
     HTTP_ADMIN},
    /* Clickstream ingestion (docs/clickstream.md): public, a Bearer token is optional. */
    {"POST", "/v1/events", h_events_ingest, NULL, false, HTTP_PUBLIC},
    {"POST", "/v1/clickstream", h_clickstream_sdk, clickstream_sdk_params, false, HTTP_PUBLIC},
    /* The back office and what shoppers keep (issue #11). */
    /* >>> routes catalog (staff catalog: products, variants, categories, brands): insert below this
       line */
    {"POST", "/v1/admin/products", h_admin_products_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/products/{id}", h_admin_products_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/products/{id}", h_admin_products_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/products/{id}", h_admin_products_delete, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/products/{id}/variants", h_admin_variants_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/variants/{id}", h_admin_variants_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/variants/{id}", h_admin_variants_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/variants/{id}", h_admin_variants_delete, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/categories", h_admin_categories_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/categories/{id}", h_admin_categories_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/categories/{id}", h_admin_categories_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/categories/{id}", h_admin_categories_delete, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/brands", h_admin_brands_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/brands/{id}", h_admin_brands_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/brands/{id}", h_admin_brands_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/brands/{id}", h_admin_brands_delete, NULL, false, HTTP_ADMIN},
    /* <<< routes catalog */

    /* >>> routes images (product images on S3): insert below this line */
    {"POST", "/v1/admin/products/{id}/images/uploads", h_admin_images_upload, NULL, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/products/{id}/images", h_admin_images_list, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/products/{id}/images", h_admin_images_confirm, NULL, false, HTTP_ADMIN},
    {"PUT", "/v1/admin/products/{id}/images/order", h_admin_images_reorder, NULL, false,
     HTTP_ADMIN},
    {"PATCH", "/v1/admin/images/{id}", h_admin_images_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/images/{id}", h_admin_images_delete, NULL, false, HTTP_ADMIN},
    /* <<< routes images */

    /* >>> routes inventory (inventory: stock and its ledger): insert below this line */
    {"GET", "/v1/admin/variants/{id}/stock", h_inventory_stock_get, NULL, false, HTTP_ADMIN},
    {"PUT", "/v1/admin/variants/{id}/stock", h_inventory_stock_set, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/variants/{id}/stock/adjustments", h_inventory_stock_adjust, NULL, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/variants/{id}/stock/movements", h_inventory_movements, page_params, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/inventory/low-stock", h_inventory_low_stock, low_stock_params, false,
     HTTP_ADMIN},
    /* <<< routes inventory */

    /* >>> routes settings (discount codes, shipping methods, tax rates): insert below this line */
    {"GET", "/v1/admin/discount-codes", h_admin_discount_codes_list, discount_codes_params, false,
     HTTP_ADMIN},
    {"POST", "/v1/admin/discount-codes", h_admin_discount_codes_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/discount-codes/{id}", h_admin_discount_codes_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/discount-codes/{id}", h_admin_discount_codes_update, NULL, false,
     HTTP_ADMIN},
    {"DELETE", "/v1/admin/discount-codes/{id}", h_admin_discount_codes_delete, NULL, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/shipping-methods", h_admin_shipping_methods_list, shipping_methods_params,
     false, HTTP_ADMIN},
    {"POST", "/v1/admin/shipping-methods", h_admin_shipping_methods_create, NULL, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/shipping-methods/{code}", h_admin_shipping_methods_get, NULL, false,
     HTTP_ADMIN},
    {"PATCH", "/v1/admin/shipping-methods/{code}", h_admin_shipping_methods_update, NULL, false,
     HTTP_ADMIN},
    {"DELETE", "/v1/admin/shipping-methods/{code}", h_admin_shipping_methods_delete, NULL, false,
     HTTP_ADMIN},
    {"GET", "/v1/admin/tax-rates", h_admin_tax_rates_list, page_params, false, HTTP_ADMIN},
    {"POST", "/v1/admin/tax-rates", h_admin_tax_rates_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/tax-rates/{country}", h_admin_tax_rates_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/tax-rates/{country}", h_admin_tax_rates_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/tax-rates/{country}", h_admin_tax_rates_delete, NULL, false, HTTP_ADMIN},
    /* <<< routes settings */

    /* >>> routes customers (customers: profiles from Cognito, staff search): insert below this line
     */
    {"GET", "/v1/admin/customers/{id}", h_admin_customers_get, NULL, false, HTTP_ADMIN},
    /* <<< routes customers */

    /* >>> routes reviews (reviews and wishlists): insert below this line */
    {"GET", "/v1/products/{slug}/reviews", h_reviews_list, reviews_params, true, HTTP_PUBLIC},
    {"POST", "/v1/products/{slug}/reviews", h_reviews_create, NULL, false, HTTP_CUSTOMER},
    {"GET", "/v1/me/reviews/{id}", h_me_reviews_get, NULL, false, HTTP_CUSTOMER},
    {"PATCH", "/v1/me/reviews/{id}", h_me_reviews_update, NULL, false, HTTP_CUSTOMER},
    {"DELETE", "/v1/me/reviews/{id}", h_me_reviews_delete, NULL, false, HTTP_CUSTOMER},
    {"GET", "/v1/admin/reviews", h_admin_reviews_list, admin_reviews_params, false, HTTP_ADMIN},
    {"POST", "/v1/admin/reviews/{id}/hide", h_admin_reviews_hide, NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/reviews/{id}/unhide", h_admin_reviews_unhide, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/me/wishlist", h_wishlist_list, wishlist_params, false, HTTP_CUSTOMER},
    {"POST", "/v1/me/wishlist/merge", h_wishlist_merge, NULL, false, HTTP_CUSTOMER},
    {"PUT", "/v1/me/wishlist/{product_id}", h_wishlist_put, NULL, false, HTTP_CUSTOMER},
    {"DELETE", "/v1/me/wishlist/{product_id}", h_wishlist_delete, NULL, false, HTTP_CUSTOMER},
    /* <<< routes reviews */

    /* >>> routes quotes (shipping/tax quotes and guest checkout, issue #12): insert below this line
     */
    {"POST", "/v1/me/cart/quote", h_me_cart_quote, NULL, false, HTTP_CUSTOMER},
    {"POST", "/v1/carts/{id}/quote", h_carts_quote, NULL, false, HTTP_PUBLIC},
    {"POST", "/v1/carts/{id}/checkout", h_carts_checkout, NULL, false, HTTP_PUBLIC},
    /* The token may come as ?token= (an e-mail link) or X-Order-Token (preferred). */
    {"GET", "/v1/orders/{number}", h_orders_guest_get, (const char *const[]){"token", NULL}, false,
     HTTP_PUBLIC},
    {"POST", "/v1/orders/{number}/cancel", h_orders_guest_cancel,
     (const char *const[]){"token", NULL}, false, HTTP_PUBLIC},
    /* <<< routes quotes */

    /* >>> routes stripe (card payments through Stripe and refunds, issue #12): insert below this
       line */
    {"POST", "/v1/admin/orders/{number}/refunds", h_refunds_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/orders/{number}/refunds", h_refunds_list, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/orders/{number}/refunds/{refund_id}", h_refunds_get, NULL, false,
     HTTP_ADMIN},
    /* <<< routes stripe */

    /* >>> routes mail (order e-mails through SES, issue #12): insert below this line */
    /* <<< routes mail */

    /* >>> routes webhooks (partner webhooks, issue #12): insert below this line */
    {"GET", "/v1/admin/webhooks", h_admin_webhooks_list, page_params, false, HTTP_ADMIN},
    {"POST", "/v1/admin/webhooks", h_admin_webhooks_create, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/webhooks/{id}", h_admin_webhooks_get, NULL, false, HTTP_ADMIN},
    {"PATCH", "/v1/admin/webhooks/{id}", h_admin_webhooks_update, NULL, false, HTTP_ADMIN},
    {"DELETE", "/v1/admin/webhooks/{id}", h_admin_webhooks_delete, NULL, false, HTTP_ADMIN},
    {"GET", "/v1/admin/webhooks/{id}/deliveries", h_admin_webhook_deliveries_list,
     (const char *const[]){"state", "limit", "cursor", NULL}, false, HTTP_ADMIN},
    {"GET", "/v1/admin/webhooks/{id}/deliveries/{delivery_id}", h_admin_webhook_deliveries_get,
     NULL, false, HTTP_ADMIN},
    {"POST", "/v1/admin/webhooks/{id}/deliveries/{delivery_id}/replay",
     h_admin_webhook_deliveries_replay, NULL, false, HTTP_ADMIN},
    /* <<< routes webhooks */
};

const int http_routes_count = (int)(sizeof http_routes / sizeof http_routes[0]);
