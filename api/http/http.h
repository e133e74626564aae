/*
 * http.h — what handlers see: the per-request context, the route table entry, and the
 * helpers that read input and write responses. Only api/http/ includes <ulfius.h>.
 */
#ifndef STOREFRONT_HTTP_H
#define STOREFRONT_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ulfius.h>

#include "storefront/app.h"
#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db_gen.h"
#include "storefront/error.h"
#include "storefront/jsonw.h"
#include "storefront/orders.h"

#define HTTP_MAX_QUERY 24
#define HTTP_MAX_URL   8192
/* Header fields: at most this many, and this many bytes of names and values in all
 * (Cognito tokens are under 8 KiB); more is a 431 problem. */
#define HTTP_MAX_HEADERS      100
#define HTTP_MAX_HEADER_BYTES (32 * 1024)
/* libmicrohttpd's per-connection memory: headers past it never reach the pipeline and get
 * its own HTML 431 (docs/http.md). Room for what a request may have (an 8 KiB URL, 32 KiB
 * of header fields, libmicrohttpd's ~56 bytes per field) and some past it, for our 414/431;
 * no more: libmicrohttpd zeroes the whole pool after each keep-alive request, so every
 * connection that served one keeps all of it resident. */
#define HTTP_MHD_MEMORY_LIMIT (64 * 1024)

typedef struct http_ctx http_ctx;
typedef struct http_exchange http_exchange; /* exchange.h: the request's life on its connection */

typedef enum http_auth {
    HTTP_PUBLIC,   /* no token needed; an Authorization header is ignored */
    HTTP_CUSTOMER, /* a valid token (any signed-in person) */
    HTTP_ADMIN,    /* a valid token whose groups include the admin group */
} http_auth;

typedef struct http_route {
    const char *method;  /* "GET", "POST"... (HEAD is served by GET routes) */
    const char *pattern; /* "/v1/products/{slug}": at most two {param} segments */
    void (*handler)(http_ctx *c);
    const char *const *params; /* allowed query parameters, NULL-terminated; NULL = none */
    bool cacheable;            /* public GET: strong ETag, Cache-Control public, 304 */
    http_auth auth;
} http_route;

typedef struct http_query_param {
    const char *key, *value; /* decoded, valid UTF-8, no NUL */
} http_query_param;

struct http_ctx {
    sf_app *app;
    const struct _u_request *req;
    http_exchange *x; /* the exchange this request belongs to (server.c, mhd.c) */
    arena *a;
    const http_route *route;
    int route_index; /* into the route table; -1 when unmatched */
    char request_id[72];
    const char *path_param;  /* the decoded first {param} segment, if the pattern has one */
    const char *path_param2; /* the decoded second {param} segment, if any */
    int64_t path_id;         /* an integer {id} segment, validated before authentication */
    int64_t path_item_id;    /* an {item_id} segment, validated before authentication */
    int nquery;
    http_query_param query[HTTP_MAX_QUERY];
    /* Response being built; server.c turns it into the libmicrohttpd response. */
    int status;
    char *body; /* malloc'd, handed to libmicrohttpd (which frees it) */
    size_t body_len;
    const char *content_type;
    const char *allow;            /* Allow header for 405 / OPTIONS */
    int retry_after;              /* seconds, 0 = no Retry-After header */
    const char *www_authenticate; /* WWW-Authenticate header for 401 */
    const char *location;         /* Location header (201 Created) */
    bool private_cache;           /* public route whose answer is still private (a guest
                                     cart: its URL is a capability) */
    bool replayed;                /* Idempotent-Replayed: true (a stored checkout answer) */
    const char *etag;             /* ETag of a staff resource ("\"r<revision>\""), sent on
                                     non-cacheable answers; on a cacheable route, the
                                     catalog cache's (version, key) ETag, else the body is
                                     hashed */
    bool authenticated;
    auth_principal principal; /* valid when authenticated */
    /* Set by http_cache_answer for http_cache_keep: the catalog version read before the
     * handler ran (0 = unknown: keep nothing) and the request's key (in the arena). */
    struct {
        int64_t version;
        const char *key;
        size_t key_len;
        uint64_t hash;
    } cache;
};

/* Route table (routes.c), mirroring openapi.yaml. */
extern const http_route http_routes[];
extern const int http_routes_count;

/* --- input (query.c) --- */
/* Parses the raw query string into c->query. Fails (400 problem detail in e) on bad
 * escapes, NUL bytes, invalid UTF-8, duplicate or too many parameters, and on any
 * parameter the route does not declare. */
sf_status http_query_parse(http_ctx *c, const char *raw, sf_error *e);
const char *http_query_get(const http_ctx *c, const char *key);
/* Typed readers: absent -> *out = def and true. Invalid -> field error in e, false. */
bool http_query_int(http_ctx *c, const char *key, int64_t def, int64_t min, int64_t max,
                    int64_t *out, sf_error *e);
bool http_query_bool(http_ctx *c, const char *key, bool def, bool *out, sf_error *e);
/* One of `choices` (NULL-terminated); absent -> *out = -1. */
bool http_query_enum(http_ctx *c, const char *key, const char *const *choices, int *out,
                     sf_error *e);
/* A string of 1..max_chars code points; absent -> NULL. */
bool http_query_string(http_ctx *c, const char *key, size_t max_chars, const char **out,
                       sf_error *e);
/* True when s is a well-formed slug (lowercase letters, digits, single dashes, <= 100). */
bool http_slug_valid(const char *s);
/* Checks the {slug} path parameter; when malformed, sends the 400 naming "slug" and
 * returns false. */
bool http_path_slug_or_problem(http_ctx *c);
/* Checks the typed path parameters of the matched route before authentication: an
 * {id} under /v1/carts/ is a cart id (22 base64url characters, left in path_param);
 * any other {id}, and an {item_id}, is a positive integer below 2^53 in plain decimal
 * (into c->path_id / c->path_item_id). When one is malformed, sends the 400 naming
 * every bad parameter and returns false. */
bool http_path_params_or_problem(http_ctx *c);

/* --- output (response.c, problem.c) --- */
/* Sends the writer's JSON with `status`; takes the buffer. */
void http_send_json(http_ctx *c, int status, jw *w);
/* Sends a body that is already serialised JSON (built by PostgreSQL, or a stored
 * idempotent reply); status >= 400 is sent as application/problem+json. */
void http_send_raw_json(http_ctx *c, int status, const char *body);
/* Writes the {id, slug, name} fields every reference to a category or brand has. */
void http_write_ref_fields(jw *w, int64_t id, const char *slug, const char *name);
/* Sends an error as application/problem+json (the one sf_status -> HTTP mapping). */
void http_send_error(http_ctx *c, const sf_error *e);
/* Shortcut for errors raised in the http layer itself. */
void http_send_problem(http_ctx *c, sf_status status, const char *code, const char *detail);
/* HTTP status for an sf_status. */
int http_status_for(sf_status s);

/* --- handlers --- */
void h_healthz(http_ctx *c);
void h_readyz(http_ctx *c);
void h_metrics(http_ctx *c);
void h_categories_list(http_ctx *c);
void h_categories_get(http_ctx *c);
void h_brands_list(http_ctx *c);
void h_products_list(http_ctx *c);
void h_products_get(http_ctx *c);
void h_search_suggestions(http_ctx *c);
void h_me_get(http_ctx *c);
void h_me_patch(http_ctx *c);
void h_admin_customers_list(http_ctx *c);
void h_addresses_list(http_ctx *c);
void h_addresses_create(http_ctx *c);
void h_addresses_get(http_ctx *c);
void h_addresses_update(http_ctx *c);
void h_addresses_delete(http_ctx *c);
void h_carts_create(http_ctx *c);
void h_carts_get(http_ctx *c);
void h_carts_add_item(http_ctx *c);
void h_carts_update_item(http_ctx *c);
void h_carts_remove_item(http_ctx *c);
void h_me_cart_get(http_ctx *c);
void h_me_cart_add_item(http_ctx *c);
void h_me_cart_update_item(http_ctx *c);
void h_me_cart_remove_item(http_ctx *c);
void h_me_cart_merge(http_ctx *c);
void h_carts_discount_apply(http_ctx *c);
void h_carts_discount_remove(http_ctx *c);
void h_me_cart_discount_apply(http_ctx *c);
void h_me_cart_discount_remove(http_ctx *c);
void h_checkout(http_ctx *c);
void h_me_orders_get(http_ctx *c);
void h_me_orders_list(http_ctx *c);
void h_me_orders_cancel(http_ctx *c);
void h_admin_orders_list(http_ctx *c);
void h_admin_orders_get(http_ctx *c);
void h_admin_orders_transition(http_ctx *c);
void h_payments_webhook(http_ctx *c);
/* Staff analytics (h_analytics.c). */
void h_analytics_funnel(http_ctx *c);
void h_analytics_top_products(http_ctx *c);
void h_analytics_traffic(http_ctx *c);
void h_analytics_session(http_ctx *c);
/* The back office and what shoppers keep (issue #11). */
/* >>> handlers catalog (staff catalog: products, variants, categories, brands): insert below this
 * line */
/* Staff catalog (h_admin_products.c, h_admin_variants.c, h_admin_categories.c,
 * h_admin_brands.c; shared helpers in h_admin_catalog.c). */
void h_admin_products_create(http_ctx *c);
void h_admin_products_get(http_ctx *c);
void h_admin_products_update(http_ctx *c);
void h_admin_products_delete(http_ctx *c);
void h_admin_variants_create(http_ctx *c);
void h_admin_variants_get(http_ctx *c);
void h_admin_variants_update(http_ctx *c);
void h_admin_variants_delete(http_ctx *c);
void h_admin_categories_create(http_ctx *c);
void h_admin_categories_get(http_ctx *c);
void h_admin_categories_update(http_ctx *c);
void h_admin_categories_delete(http_ctx *c);
void h_admin_brands_create(http_ctx *c);
void h_admin_brands_get(http_ctx *c);
void h_admin_brands_update(http_ctx *c);
void h_admin_brands_delete(http_ctx *c);
struct svc_admin_doc;
/* Sends one staff catalog resource: its JSON, its ETag, and for a 201 the Location
 * `collection`/<id> (e.g. "/v1/admin/brands") and Idempotent-Replayed on a replay. */
void http_admin_send_doc(http_ctx *c, int status, const struct svc_admin_doc *d,
                         const char *collection);
/* The revision a DELETE may name: If-Match is optional there (absent = 0, any), but
 * when sent it must be one of our ETags or "*" (else 412 sent, false). */
bool http_admin_delete_revision_or_problem(http_ctx *c, int64_t *revision);
/* <<< handlers catalog */

/* >>> handlers images (product images on S3): insert below this line */
/* h_images.c: presigned uploads, confirm, list, reorder, edit, delete. */
void h_admin_images_upload(http_ctx *c);
void h_admin_images_confirm(http_ctx *c);
void h_admin_images_list(http_ctx *c);
void h_admin_images_reorder(http_ctx *c);
void h_admin_images_update(http_ctx *c);
void h_admin_images_delete(http_ctx *c);
/* <<< handlers images */

/* >>> handlers inventory (inventory: stock and its ledger): insert below this line */
/* Staff stock and its ledger (h_inventory.c). */
void h_inventory_stock_get(http_ctx *c);
void h_inventory_stock_set(http_ctx *c);
void h_inventory_stock_adjust(http_ctx *c);
void h_inventory_movements(http_ctx *c);
void h_inventory_low_stock(http_ctx *c);
/* <<< handlers inventory */

/* >>> handlers settings (discount codes, shipping methods, tax rates): insert below this line */
/* Staff settings (h_discount_codes.c, h_shipping_methods.c, h_tax_rates.c). */
void h_admin_discount_codes_list(http_ctx *c);
void h_admin_discount_codes_create(http_ctx *c);
void h_admin_discount_codes_get(http_ctx *c);
void h_admin_discount_codes_update(http_ctx *c);
void h_admin_discount_codes_delete(http_ctx *c);
void h_admin_shipping_methods_list(http_ctx *c);
void h_admin_shipping_methods_create(http_ctx *c);
void h_admin_shipping_methods_get(http_ctx *c);
void h_admin_shipping_methods_update(http_ctx *c);
void h_admin_shipping_methods_delete(http_ctx *c);
void h_admin_tax_rates_list(http_ctx *c);
void h_admin_tax_rates_create(http_ctx *c);
void h_admin_tax_rates_get(http_ctx *c);
void h_admin_tax_rates_update(http_ctx *c);
void h_admin_tax_rates_delete(http_ctx *c);
/* <<< handlers settings */

/* >>> handlers customers (customers: profiles from Cognito, staff search): insert below this line
 */
void h_admin_customers_get(http_ctx *c);
/* Copies the caller's e-mail and name from Cognito when due (profile_sync.c): pass the
 * row on the first request this process sees from the person (copied only if it never
 * was), NULL on later ones (copied only when a failed copy's retry is due). Never fails
 * the request. h is the person's known-subs hash (auth_mw.c). */
void http_profile_on_auth(http_ctx *c, uint64_t h, const db_customer *first_sight);
/* Copies the caller's profile now (PATCH /v1/me); true and *row replaced when it was. */
bool http_profile_refresh(http_ctx *c, db_customer *row);
/* <<< handlers customers */

/* >>> handlers reviews (reviews and wishlists): insert below this line */
/* Reviews (h_reviews.c). */
void h_reviews_list(http_ctx *c);
void h_reviews_create(http_ctx *c);
void h_me_reviews_get(http_ctx *c);
void h_me_reviews_update(http_ctx *c);
void h_me_reviews_delete(http_ctx *c);
void h_admin_reviews_list(http_ctx *c);
void h_admin_reviews_hide(http_ctx *c);
void h_admin_reviews_unhide(http_ctx *c);
/* Wishlist (h_wishlist.c). */
void h_wishlist_list(http_ctx *c);
void h_wishlist_put(http_ctx *c);
void h_wishlist_delete(http_ctx *c);
void h_wishlist_merge(http_ctx *c);
/* <<< handlers reviews */

/* >>> handlers quotes (shipping/tax quotes and guest checkout, issue #12): insert below this line
 */
/* Quotes (h_quotes.c). */
void h_me_cart_quote(http_ctx *c);
void h_carts_quote(http_ctx *c);
/* Guest checkout and guest orders (h_guest_orders.c). */
void h_carts_checkout(http_ctx *c);
void h_orders_guest_get(http_ctx *c);
void h_orders_guest_cancel(http_ctx *c);
/* <<< handlers quotes */

/* >>> handlers stripe (card payments through Stripe and refunds, issue #12): insert below this line
 */
/* Staff refunds of an order (h_refunds.c). */
void h_refunds_create(http_ctx *c);
void h_refunds_list(http_ctx *c);
void h_refunds_get(http_ctx *c);
/* <<< handlers stripe */

/* >>> handlers mail (order e-mails through SES, issue #12): insert below this line */
/* <<< handlers mail */

/* >>> handlers webhooks (partner webhooks, issue #12): insert below this line */
/* Staff partner webhooks (h_webhooks.c). */
void h_admin_webhooks_list(http_ctx *c);
void h_admin_webhooks_create(http_ctx *c);
void h_admin_webhooks_get(http_ctx *c);
void h_admin_webhooks_update(http_ctx *c);
void h_admin_webhooks_delete(http_ctx *c);
void h_admin_webhook_deliveries_list(http_ctx *c);
void h_admin_webhook_deliveries_get(http_ctx *c);
void h_admin_webhook_deliveries_replay(http_ctx *c);
/* <<< handlers webhooks */

/* Writes a customer's fields into the current object; with the caller's principal
 * (GET/PATCH /v1/me) identity comes from the token and groups/is_admin are added. */
void http_write_customer_fields(jw *w, const db_customer *row, const auth_principal *p);

/* Orders (h_orders.c), shared by the customer and staff handlers: the {number} path
 * check (400 naming "number") and an {items, next_cursor} page of order JSON. */
bool http_order_number_or_problem(http_ctx *c);
void http_send_order_page(http_ctx *c, const svc_order_page *page);
/* The answer of both checkouts once placing ran (`e` says how): its problem (Retry-After
 * 1 while the key is in progress, 5 while a provider is down), or the card payment step
 * (svc_card_payment_attach), then the Order with Location `<orders><number>` on a 201. */
void http_send_checkout(http_ctx *c, svc_checkout_result *res, sf_error *e, const char *orders);

/* --- staff writes (preconditions.c) --- */
/* The ETag of a staff-edited row at `revision`: "\"r<revision>\"" in the arena. */
const char *http_revision_etag(http_ctx *c, int64_t revision);
/* Sets c->etag for a row at `revision` (sent with the answer). */
void http_set_revision_etag(http_ctx *c, int64_t revision);
/* Reads If-Match for an update of a staff-edited row. Missing: 428
 * "precondition-required". "*": *revision = 0 (any revision matches). One of our
 * "r<n>" ETags: *revision = n. Anything else (a weak or foreign ETag, a list): 412
 * "precondition-failed", since it can never match. Returns false after sending. */
bool http_if_match_or_problem(http_ctx *c, int64_t *revision);
/* Reads the Idempotency-Key of a create (required: 400 naming the header when missing
 * or not 1..255 printable ASCII). Returns false after sending. */
bool http_idempotency_key_or_problem(http_ctx *c, const char **key);
/* Sends a stored or fresh idempotent answer: status + JSON body (problem+json when
 * status >= 400), with Idempotent-Replayed: true when replayed. */
void http_send_idempotent(http_ctx *c, int status, const char *body, bool replayed);

/* --- authentication (auth_mw.c) --- */
/* For routes that need a signed-in caller: verifies the bearer token, checks the admin
 * group where the route needs it, and makes sure the caller has a customer row. On
 * failure sends 401 (with WWW-Authenticate), 403 or 503 and returns false. */
bool http_authenticate_or_problem(http_ctx *c);
/* The request body (NULL when empty) and whether its media type is JSON; a non-JSON
 * type sends 415 and returns false. */
bool http_json_body_or_problem(http_ctx *c, const char **body, size_t *len);

/* --- clickstream (client_addr.c, h_events.c) --- */
void h_events_ingest(http_ctx *c);
/* The caller's IP address as text into out (>= 64 bytes): the peer address, or with
 * TRUSTED_PROXY_HOPS = n > 0 the n-th address from the right of X-Forwarded-For (each
 * trusted proxy appends the address it received the request from; CloudFront + ALB is
 * 2). A missing, short or malformed header falls back to the peer address. Returns
 * false (out = "") only when neither is an address. */
bool http_client_addr(const http_ctx *c, char *out, size_t outlen);
/* Shared by the two clickstream handlers (h_events.c). The per-address token bucket of
 * anonymous ingestion: false after sending 429 + Retry-After. */
bool http_events_rate_or_problem(http_ctx *c, const char *addr);
/* True when the request's Content-Type (parameters ignored, any case) is one of the
 * NULL-terminated types; otherwise sends 415 unsupported-media-type with detail. */
bool http_media_type_or_problem(http_ctx *c, const char *const *types, const char *detail);
/* The User-Agent as stored: at most 512 characters of valid UTF-8, else NULL. */
const char *http_user_agent(http_ctx *c);
/* The server clock, Unix ms. */
int64_t http_now_ms(void);
/* POST /v1/clickstream, the AWS Clickstream SDK protocol (h_clickstream.c). */
void h_clickstream_sdk(http_ctx *c);
/* Hands n validated events to the group-commit writer without holding the worker
 * (server.c): they are submitted in slices of at most CS_MAX_EVENTS_PER_BATCH, the
 * handler returns, the connection is suspended until every slice's flush finished, then
 * then(c, arg, e) renders the answer on an HTTP worker: e->status SF_OK = every event is
 * committed, else the problem to send (queue full, flush failed, shutting down).
 * ev[0..n) must live in c->a (it does until the response is sent). When nothing could
 * be queued, then() runs without suspending. Call at most once per request. */
struct cs_event;
typedef void (*http_resume_fn)(http_ctx *c, void *arg, const sf_error *e);
void http_submit_events(http_ctx *c, const struct cs_event *ev, size_t n, http_resume_fn then,
                        void *arg);

/* True when an If-None-Match value lists etag as a whole element, in its strong or
 * weak (W/) form (weak comparison, RFC 9110 13.1.2); "*" is not taken here: whether
 * anything exists is for the handler to say (server.c). */
bool http_etag_listed(const char *if_none_match, const char *etag);
/* http_etag_listed, or "*": for an answer that exists (a 200 becoming a 304). */
static inline bool http_etag_if_none_match(const char *if_none_match, const char *etag)
{
    return if_none_match &&
           (strcmp(if_none_match, "*") == 0 || http_etag_listed(if_none_match, etag));
}

/* --- the catalog response cache (cache.c; docs/caching.md) --- */
/* Builds the cache (CATALOG_CACHE_BYTES) and starts what keeps it exact (the catalog
 * version's listener); NULL when it cannot start, and then every call below is a no-op
 * that leaves the handlers to answer. */
http_cache *http_cache_start(sf_app *app);
void http_cache_stop(http_cache *cache); /* NULL is a no-op */
/* Before the handler of a cacheable route (GET/HEAD), authorised: answers from the
 * cache and returns true (c->status 200 with c->body, or 304 with no body; c->etag set
 * either way); false = run the handler (c->etag may be set for it). */
bool http_cache_answer(http_ctx *c);
/* After the handler of a cacheable route: keeps a 200 answer for the next request. */
void http_cache_keep(http_ctx *c);
/* After the handler of a staff write (an admin route, not GET/HEAD) that answered
 * 2xx: brings this instance's catalog version up to what that write committed, so the
 * staff member's next read here is exact (other instances learn it through NOTIFY). */
void http_cache_after_write(http_ctx *c);
/* Appends the cache's samples (hits, misses, evictions, bytes) to /metrics. */
void http_cache_render_metrics(FILE *f, const sf_app *app);

/* --- metrics (metrics.c) --- */
http_metrics *http_metrics_new(int nroutes);
void http_metrics_free(http_metrics *m);
void http_metrics_observe(http_metrics *m, int route_index, int status, double seconds);
/* Renders the Prometheus text exposition into a malloc'd buffer. */
char *http_metrics_render(const sf_app *app, size_t *len);

/* --- server (mhd.c; the pipeline in server.c) --- */
typedef struct http_server http_server;
/* Binds and starts libmicrohttpd's epoll thread pool (HTTP_THREADS) with our access
 * handler, the request-head deadline and the connection limits; sets app->http. NULL +
 * message on stderr on failure. */
http_server *http_server_start(sf_app *app);
/* Graceful stop: stops accepting, answers in-flight requests with Connection: close,
 * closes idle keep-alive connections at once, returns as soon as no connection is left
 * or after grace_ms (SHUTDOWN_GRACE_SECONDS); requests waiting on the clickstream
 * writer are always answered first, so the writer must still run. Frees s. */
void http_server_stop(http_server *s, int grace_ms);
/* Appends the connection layer's samples (open connections, refusals, closed slow
 * heads) to /metrics; nothing when the server is not running. */
void http_conn_render_metrics(FILE *f, const sf_app *app);

#endif
