/*
 * server.c — the request pipeline every request goes through (the libmicrohttpd glue
 * that feeds it is mhd.c).
 *
 * We register no per-route callbacks: the pipeline routes with our own table
 * (routes.c), so 404/405/OPTIONS/HEAD, limits, request ids, CORS, security headers,
 * ETags, metrics and the access log are handled once, in order, here:
 *
 *   request id -> header fields (431) -> URL length (414) -> body size (413) -> route
 * (404/405/preflight)
 *   -> query parse (400) -> handler -> headers, ETag/304 -> metrics + access log
 *
 * libmicrohttpd runs an epoll thread pool (not thread-per-connection, which collapses
 * at a few hundred connections); each worker runs handlers to completion, so handlers
 * keep their waits short (bounded pool acquire, statement_timeout). The one wait that
 * is not short — a clickstream batch's group commit — does not hold the worker:
 * http_submit_events suspends the connection and the writer resumes it, then the
 * handler's continuation renders the answer (2xx only once committed).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <yder.h>

#include "http/exchange.h"
#include "storefront/clickstream.h"
#include "storefront/text.h"

static void set_request_id(http_ctx *c);
static bool route_match(const char *pattern, const char *path, arena *a, const char **params);
static void route_request(http_ctx *c, const char *method, const char *path);
static void answer_options(http_ctx *c, const char *path);
static const char *allowed_methods(const char *path, arena *a);
static struct MHD_Response *finish(http_ctx *c, const char *method, cors_log *refused, bool closing,
                                   size_t *bytes);
static void add_header(struct MHD_Response *r, const char *name, const char *value);
static void apply_cors(http_ctx *c, struct MHD_Response *r, const char *method, cors_log *refused);
static void log_refused_origin(cors_log *l, const char *origin, const char *method,
                               const char *url);
static void access_log(http_ctx *c, const char *method, double seconds, size_t bytes);
static double now_seconds(void);
static size_t body_limit_exceeded(const http_ctx *c);
static bool headers_too_large(const http_ctx *c);
static void events_done(void *ctx, sf_status st);

/* --- the pipeline ----------------------------------------------------------------- */

void http_pipeline_dispatch(http_exchange *x)
{
    http_ctx *c = &x->c;
    const struct _u_request *req = c->req;
    set_request_id(c);
    const char *method = req->http_verb ? req->http_verb : "GET";
    const char *url = req->http_url ? req->http_url : "/";

    if (headers_too_large(c)) {
        http_send_problem(
            c, SF_INVALID, "header-fields-too-large",
            arena_sprintf(c->a,
                          "The request has more than %d header fields or over %d bytes of them.",
                          HTTP_MAX_HEADERS, HTTP_MAX_HEADER_BYTES));
        c->status = 431; /* finish() adds Connection: close */
    } else if (strlen(url) > HTTP_MAX_URL) {
        http_send_problem(c, SF_INVALID, "uri-too-long",
                          "The URL is longer than 8192 bytes; shorten the query.");
        c->status = 414;
    } else if (body_limit_exceeded(c)) {
        http_send_problem(c, SF_INVALID, "payload-too-large",
                          arena_sprintf(c->a, "The request body is larger than %zu bytes.",
                                        c->app->cfg.max_body_bytes));
        c->status = 413;
    } else {
        const char *q = strchr(url, '?');
        const char *path = q ? arena_strndup(c->a, url, (size_t)(q - url)) : url;
        route_request(c, method, path);
        if (c->status == 0 && c->route) {
            sf_error e;
            sf_error_clear(&e);
            /* Input is validated before the token: a malformed request is a 400 even
             * for a caller who is not signed in, and costs no verification. */
            if (http_query_parse(c, q ? q + 1 : "", &e) != SF_OK)
                http_send_error(c, &e);
            else if (strstr(c->route->pattern, "id}") && !http_path_params_or_problem(c))
                ; /* 400 naming `id` / `item_id` sent */
            else if (c->route->auth == HTTP_PUBLIC || http_authenticate_or_problem(c)) {
                /* Public catalog GETs: the rendered answer may already be in the cache. */
                if (!(c->route->cacheable && http_cache_answer(c))) {
                    c->route->handler(c);
                    if (c->route->cacheable)
                        http_cache_keep(c);
                    else if (c->route->auth == HTTP_ADMIN)
                        http_cache_after_write(c);
                }
            }
        }
    }
}

void http_pipeline_resume(http_exchange *x)
{
    http_resume_fn then = x->then;
    x->then = NULL;
    if (then)
        then(&x->c, x->then_arg, &x->async_err);
}

struct MHD_Response *http_pipeline_finish(http_exchange *x, unsigned int *status)
{
    http_ctx *c = &x->c;
    const char *method = c->req->http_verb ? c->req->http_verb : "GET";
    if (c->status == 0)
        http_send_problem(c, SF_INTERNAL, "internal-error", "The handler sent no response.");
    bool closing = atomic_load(&x->srv->stopping);
    size_t bytes = 0;
    struct MHD_Response *r = finish(c, method, &x->srv->refused, closing, &bytes);
    double elapsed = now_seconds() - x->start;
    http_metrics_observe(c->app->metrics, c->route_index, c->status, elapsed);
    access_log(c, method, elapsed, bytes);
    *status = (unsigned int)c->status;
    return r;
}

/* --- clickstream: suspend instead of block ----------------------------------------- */

void http_submit_events(http_ctx *c, const struct cs_event *ev, size_t n, http_resume_fn then,
                        void *arg)
{
    http_exchange *x = c->x;
    http_server *s = x->srv;
    x->then = then;
    x->then_arg = arg;
    sf_error_clear(&x->async_err);
    for (size_t i = 0; i < n; i += CS_MAX_EVENTS_PER_BATCH) {
        size_t k = n - i < CS_MAX_EVENTS_PER_BATCH ? n - i : CS_MAX_EVENTS_PER_BATCH;
        sf_error e;
        sf_error_clear(&e);
        /* Counted before submitting: the writer may answer before submit returns. Once
         * the grace period is up nothing new may be suspended: libmicrohttpd cannot stop
         * with a suspended connection. */
        pthread_mutex_lock(&s->susp_mu);
        if (s->closing) {
            if (x->async_err.status == SF_OK)
                sf_fail(&x->async_err, SF_UNAVAILABLE, "service-unavailable",
                        "The server is shutting down; send the events again.");
            pthread_mutex_unlock(&s->susp_mu);
            break;
        }
        x->pending++;
        s->pending_total++;
        pthread_mutex_unlock(&s->susp_mu);
        if (cs_writer_submit_async(c->app->events, ev + i, k, events_done, x, &e) != SF_OK) {
            pthread_mutex_lock(&s->susp_mu);
            x->pending--;
            s->pending_total--;
            if (x->async_err.status == SF_OK)
                x->async_err = e;
            pthread_mutex_unlock(&s->susp_mu);
            /* Earlier slices stay queued (their answer is awaited); a 503 after one of
             * them committed is safe, the client re-sends and duplicates are dropped. */
            break;
        }
    }
}

/* The writer's answer for one slice (a writer thread): the last one resumes the
 * connection, whose worker then renders the answer (mhd.c calls the continuation). */
static void events_done(void *ctx, sf_status st)
{
    http_exchange *x = ctx;
    http_server *s = x->srv;
    pthread_mutex_lock(&s->susp_mu);
    if (st != SF_OK && x->async_err.status == SF_OK)
        sf_fail(&x->async_err, SF_UNAVAILABLE, "service-unavailable",
                "The events could not be stored; send them again.");
    s->pending_total--;
    if (--x->pending == 0 && x->suspended) {
        x->suspended = false; /* s->suspended drops once the answer is queued (mhd.c) */
        MHD_resume_connection(x->conn);
    }
    pthread_mutex_unlock(&s->susp_mu);
}

static void route_request(http_ctx *c, const char *method, const char *path)
{
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool path_known = false;
    for (int i = 0; i < http_routes_count; i++) {
        const char *params[2] = {NULL, NULL};
        if (!route_match(http_routes[i].pattern, path, c->a, params))
            continue;
        path_known = true;
        bool method_ok = strcmp(http_routes[i].method, method) == 0 ||
                         (is_get && strcmp(http_routes[i].method, "GET") == 0);
        if (method_ok) {
            c->route = &http_routes[i];
            c->route_index = i;
            c->path_param = params[0];
            c->path_param2 = params[1];
            if ((params[0] && !params[0][0]) || (params[1] && !params[1][0])) {
                http_send_problem(c, SF_INVALID, "bad-request", "The path has a bad escape.");
                c->route = NULL;
            }
            return;
        }
    }
    if (!path_known) {
        http_send_problem(c, SF_NOT_FOUND, "not-found", "No such resource.");
    } else if (strcmp(method, "OPTIONS") == 0) {
        answer_options(c, path);
    } else {
        c->allow = allowed_methods(path, c->a);
        http_send_problem(c, SF_INVALID, "method-not-allowed",
                          arena_sprintf(c->a, "%s is not allowed here; use %s.", method, c->allow));
        c->status = 405;
    }
}

/* A CORS preflight (or a plain OPTIONS): 204 with Allow; finish() adds the CORS
 * headers when the origin is allowed. */
static void answer_options(http_ctx *c, const char *path)
{
    c->allow = allowed_methods(path, c->a);
    c->status = 204;
    c->body = NULL;
    c->body_len = 0;
}

static const char *allowed_methods(const char *path, arena *a)
{
    char buf[128] = "";
    for (int i = 0; i < http_routes_count; i++) {
        const char *params[2];
        if (!route_match(http_routes[i].pattern, path, a, params) ||
            strstr(buf, http_routes[i].method))
            continue;
        strncat(buf, http_routes[i].method, sizeof buf - strlen(buf) - 10);
        strcat(buf, ", ");
        if (strcmp(http_routes[i].method, "GET") == 0)
            strncat(buf, "HEAD, ", sizeof buf - strlen(buf) - 10);
    }
    strcat(buf, "OPTIONS");
    return arena_strdup(a, buf);
}

/* Matches "/v1/carts/{id}/items/{item_id}" against a raw path; each {param} segment
 * (two at most) is percent-decoded into the arena, in order, into params[0..1] (""
 * when the escape is malformed or decodes to NUL or invalid UTF-8, which the caller
 * turns into a 400). */
static bool route_match(const char *pattern, const char *path, arena *a, const char **params)
{
    int nparams = 0;
    params[0] = params[1] = NULL;
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *seg_end = strchr(path, '/');
            size_t n = seg_end ? (size_t)(seg_end - path) : strlen(path);
            if (n == 0)
                return false;
            char *dec = arena_alloc(a, n + 1);
            long dn = percent_decode(path, n, dec);
            if (nparams == 2)
                return false; /* the route table never has more than two */
            params[nparams++] =
                (dn < 0 || memchr(dec, 0, (size_t)dn) || !utf8_valid(dec, (size_t)dn)) ? "" : dec;
            pattern = strchr(pattern, '}') + 1;
            path += n;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

static size_t body_limit_exceeded(const http_ctx *c)
{
    const char *cl = u_map_get_case(c->req->map_header, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > c->app->cfg.max_body_bytes)
        return 1;
    return c->req->binary_body_length > c->app->cfg.max_body_bytes;
}

static bool headers_too_large(const http_ctx *c)
{
    const struct _u_map *h = c->req->map_header;
    int n = u_map_count(h);
    if (n > HTTP_MAX_HEADERS)
        return true;
    size_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += strlen(h->keys[i]) + h->lengths[i];
    return bytes > HTTP_MAX_HEADER_BYTES;
}

/* Echo a client's X-Request-Id when it is sane (1..64 of [A-Za-z0-9._-]) so traces
 * join up across services; otherwise make one. */
static void set_request_id(http_ctx *c)
{
    const char *given = u_map_get_case(c->req->map_header, "X-Request-Id");
    if (given) {
        size_t n = strlen(given);
        bool ok = n >= 1 && n <= 64;
        for (size_t i = 0; ok && i < n; i++)
            ok = (given[i] >= 'a' && given[i] <= 'z') || (given[i] >= 'A' && given[i] <= 'Z') ||
                 (given[i] >= '0' && given[i] <= '9') || given[i] == '-' || given[i] == '_' ||
                 given[i] == '.';
        if (ok) {
            memcpy(c->request_id, given, n + 1);
            return;
        }
    }
    unsigned char rnd[12];
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        uint64_t t = (uint64_t)(now_seconds() * 1e9);
        memcpy(rnd, &t, 8);
        memcpy(rnd + 8, &c, 4);
    }
    base64url_encode(rnd, sizeof rnd, c->request_id);
}

/* Builds libmicrohttpd's response straight from the context (no header map in
 * between) with the headers every response carries; the body buffer goes to
 * libmicrohttpd, which frees it. *bytes = the body's length. */
static struct MHD_Response *finish(http_ctx *c, const char *method, cors_log *refused, bool closing,
                                   size_t *bytes)
{
    bool ok_get = (c->status == 200 || c->status == 304) && c->route && c->route->cacheable &&
                  (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
    char hashed[24];
    const char *etag = c->etag;
    if (ok_get && !etag) {
        snprintf(hashed, sizeof hashed, "\"%016" PRIx64 "\"", fnv1a64(c->body, c->body_len));
        etag = hashed;
    }
    if (ok_get &&
        http_etag_if_none_match(u_map_get_case(c->req->map_header, "If-None-Match"), etag)) {
        free(c->body);
        c->body = NULL;
        c->body_len = 0;
        c->status = 304;
    }
    struct MHD_Response *r;
    bool has_body = c->body && c->status != 304 && c->status != 204;
    if (has_body) {
        r = MHD_create_response_from_buffer(c->body_len, c->body, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(c->body);
        *bytes = c->body_len;
    } else {
        free(c->body);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        *bytes = 0;
    }
    c->body = NULL;
    if (!r)
        return NULL;
    if (has_body)
        add_header(r, "Content-Type", c->content_type);
    if (ok_get) {
        add_header(r, "ETag", etag);
        char cc[48];
        snprintf(cc, sizeof cc, "public, max-age=%d", c->app->cfg.catalog_max_age_s);
        add_header(r, "Cache-Control", cc);
    } else {
        /* Anything tied to a person must never sit in a shared cache (CloudFront). */
        add_header(r, "Cache-Control",
                   (c->route && c->route->auth != HTTP_PUBLIC) || c->private_cache
                       ? "private, no-store"
                       : "no-store");
    }
    add_header(r, "WWW-Authenticate", c->www_authenticate);
    add_header(r, "Location", c->location);
    if (c->replayed)
        add_header(r, "Idempotent-Replayed", "true");
    if (c->etag && !ok_get)
        add_header(r, "ETag", c->etag);
    add_header(r, "X-Request-Id", c->request_id);
    add_header(r, "X-Content-Type-Options", "nosniff");
    add_header(r, "X-Frame-Options", "DENY");
    add_header(r, "Referrer-Policy", "no-referrer");
    add_header(r, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    add_header(r, "Allow", c->allow);
    if (c->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", c->retry_after);
        add_header(r, "Retry-After", ra);
    }
    apply_cors(c, r, method, refused);
    /* A 431 client is not worth reading further; after SIGTERM no connection takes
     * another request. libmicrohttpd closes the connection once this answer is sent. */
    if (c->status == 431 || closing)
        add_header(r, "Connection", "close");
    return r;
}

/* NULL value = no header. */
static void add_header(struct MHD_Response *r, const char *name, const char *value)
{
    if (value)
        MHD_add_response_header(r, name, value);
}

static void apply_cors(http_ctx *c, struct MHD_Response *r, const char *method, cors_log *refused)
{
    add_header(r, "Vary", "Origin");
    const char *origin = u_map_get_case(c->req->map_header, "Origin");
    if (!config_origin_allowed(&c->app->cfg, origin)) {
        /* The browser blocks the answer; say why in the log, or a mistyped
         * CORS_ALLOWED_ORIGINS is a silent mystery. */
        if (origin)
            log_refused_origin(refused, origin, method, c->req->http_url);
        return;
    }
    add_header(r, "Access-Control-Allow-Origin", origin);
    /* The AWS Clickstream web SDK fetches with credentials: 'include'; without this the
     * browser never sends its POST. Harmless for us: the API reads no cookies, and the
     * origin is an allowed one, never "*". */
    add_header(r, "Access-Control-Allow-Credentials", "true");
    add_header(r, "Access-Control-Expose-Headers",
               "ETag, Location, X-Request-Id, Retry-After, RateLimit-Limit, "
               "RateLimit-Remaining, RateLimit-Reset, Idempotent-Replayed");
    if (strcmp(method, "OPTIONS") == 0 && c->status == 204) {
        add_header(r, "Access-Control-Allow-Methods", c->allow ? c->allow : "GET, OPTIONS");
        add_header(r, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, Content-Encoding, Idempotency-Key, If-Match, "
                   "If-None-Match, X-Request-Id, X-Order-Token");
        add_header(r, "Access-Control-Max-Age", "600");
    }
}

static void log_refused_origin(cors_log *l, const char *origin, const char *method, const char *url)
{
    size_t n = strlen(origin);
    if (n > 200)
        n = 200;
    uint64_t hash = fnv1a64(origin, n);
    time_t now = time(NULL);
    long suppressed = 0;
    bool log = false;
    pthread_mutex_lock(&l->lock);
    if (now - l->window >= 60) {
        suppressed = l->suppressed;
        l->window = now;
        l->lines = 0;
        l->suppressed = 0;
    }
    size_t slot = (size_t)(hash % CORS_LOG_SLOTS);
    bool seen = l->slots[slot].hash == hash && now - l->slots[slot].at < 60;
    if (!seen && l->lines >= CORS_LOG_PER_MINUTE) {
        l->suppressed++;
    } else if (!seen) {
        l->lines++;
        l->slots[slot].hash = hash;
        l->slots[slot].at = now;
        log = true;
    }
    pthread_mutex_unlock(&l->lock);
    if (suppressed)
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "cors: %ld more refused origins were not logged in the last minute",
                      suppressed);
    if (log) {
        const char *q = url ? strchr(url, '?') : NULL;
        int path_len = url ? (int)(q ? q - url : (long)strlen(url)) : 0;
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "cors: origin %.*s refused (not in CORS_ALLOWED_ORIGINS) on %.16s %.*s; "
                      "logged once a minute per origin",
                      (int)n, origin, method, path_len > 200 ? 200 : path_len, url ? url : "");
    }
}

bool http_etag_listed(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t n = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)); p += n) {
        /* A whole list element: preceded by the start, a comma, a space or W/, and
         * followed by the end, a comma or a space. */
        bool start = p == inm || p[-1] == ',' || p[-1] == ' ' ||
                     (p - inm >= 2 && p[-2] == 'W' && p[-1] == '/');
        char after = p[n];
        if (start && (after == '\0' || after == ',' || after == ' '))
            return true;
    }
    return false;
}

static void access_log(http_ctx *c, const char *method, double seconds, size_t bytes)
{
    if (c->app->cfg.log_level < Y_LOG_LEVEL_INFO)
        return;
    const char *url = c->req->http_url ? c->req->http_url : "";
    const char *q = strchr(url, '?');
    size_t path_len = q ? (size_t)(q - url) : strlen(url);
    if (path_len > 512)
        path_len = 512;
    jw w;
    jw_init(&w, 512);
    jw_obj_begin(&w);
    jw_key(&w, "msg");
    jw_str(&w, "access");
    jw_key(&w, "request_id");
    jw_str(&w, c->request_id);
    jw_key(&w, "method");
    jw_strn(&w, method, strlen(method) > 16 ? 16 : strlen(method));
    jw_key(&w, "path");
    jw_strn(&w, url, path_len);
    jw_key(&w, "route");
    jw_str(&w, c->route ? c->route->pattern : NULL);
    jw_key(&w, "status");
    jw_int(&w, c->status);
    jw_key(&w, "duration_ms");
    jw_double(&w, (double)(int64_t)(seconds * 1e6) / 1000.0);
    jw_key(&w, "bytes");
    jw_int(&w, (int64_t)bytes);
    jw_obj_end(&w);
    y_log_message(Y_LOG_LEVEL_INFO, "%s", jw_cstr(&w));
    jw_free(&w);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
