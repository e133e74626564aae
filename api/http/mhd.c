/*
 * mhd.c — libmicrohttpd underneath the pipeline: the daemon, our access handler, and
 * the connection layer's defences (docs/http.md, "Connections").
 *
 * We start libmicrohttpd ourselves instead of through Ulfius because Ulfius queues the
 * response as soon as a callback returns, and a clickstream request's status is only
 * known after its group commit: here a handler may leave work pending, the connection
 * is suspended (MHD_suspend_connection) and the writer resumes it. Requests still reach
 * handlers as Ulfius's struct _u_request (ulfius_init_request, u_map headers), so no
 * handler changed; responses are built directly from http_ctx (server.c).
 *
 * Every connection is tracked (MHD_OPTION_NOTIFY_CONNECTION) in one table under one
 * mutex, with its client address and the deadline of its request head:
 *  - a new connection's head (request line + header fields) must be complete
 *    HTTP_REQUEST_HEAD_TIMEOUT after it opened; between the requests of a keep-alive
 *    connection the next request line may take HTTP_CONNECTION_TIMEOUT (load balancers
 *    keep idle connections), its header fields HTTP_REQUEST_HEAD_TIMEOUT; a watchdog thread
 *    shuts overdue sockets down (shutdown(2), so libmicrohttpd sees the end and closes
 *    them itself). It does so under the mutex the CLOSED notification takes, and
 *    libmicrohttpd 0.9.75 notifies CLOSED before it closes the fd (daemon.c,
 *    new_connection_process_ and cleanup_connection), so a reused fd is never hit;
 *  - the accept policy refuses (accept + close at once, never the kernel backlog)
 *    connections over HTTP_MAX_CONNECTIONS and, unless TRUSTED_PROXY_HOPS > 0 (then every
 *    peer is the load balancer), over HTTP_MAX_CONNECTIONS_PER_ADDRESS (127.0.0.1 and ::1
 *    excepted: a proxy or load generator on the same host). libmicrohttpd's
 *    own limit is set far above ours: in a thread pool it splits its limit between the
 *    workers, and a worker at its share stops accepting (the backlog problem).
 * Refusals and closed heads are counted for /metrics and logged at most once a second.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <yder.h>

#include "http/exchange.h"

#define IP_SLOTS 4096 /* open addressing; more distinct addresses than this: not limited */

typedef enum conn_state {
    CONN_IDLE, /* waiting for a request: no byte of its request line parsed yet */
    CONN_HEAD, /* request line seen, header fields still arriving */
    CONN_BUSY, /* head complete: body, handler, suspended or answering */
} conn_state;

struct conn_track {
    conn_track *prev, *next;
    int fd;
    conn_state state;
    double deadline; /* monotonic seconds: head complete by then (IDLE/HEAD) */
    bool shut;       /* shutdown(2) done */
    int ip_slot;     /* into conn_table.ips, -1 = not counted */
    char addr[48];   /* for the log */
};

typedef struct {
    unsigned char key[17]; /* family byte + 16 address bytes; all zero = free */
    int count;
} ip_slot;

/* A counter logged at most once a second, with how many happened since. */
typedef struct {
    long pending;
    time_t logged_at;
    char last_addr[48];
} rate_log;

struct conn_table {
    pthread_mutex_t mu;
    conn_track *head;
    int open;     /* connections accepted (reserved in the accept policy) and not closed */
    int per_addr; /* 0 = no per-address limit */
    int max_open;
    double head_timeout;
    double idle_timeout; /* HTTP_CONNECTION_TIMEOUT: between requests of a keep-alive */
    ip_slot ips[IP_SLOTS];
    rate_log log_head, log_addr, log_global;
    atomic_ullong head_timeouts, refused_addr, refused_global;
    pthread_t watchdog;
    bool watchdog_started, watchdog_stop;
    pthread_cond_t watchdog_cv;
};

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls);
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *conn);
static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe);
static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe);
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);
static void mhd_logger(void *cls, const char *fmt, va_list ap);
static enum MHD_Result fill_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value);
static http_exchange *exchange_new(http_server *s, struct MHD_Connection *conn, const char *uri);
static void exchange_free(http_exchange *x);
static bool head_complete(http_exchange *x, struct MHD_Connection *conn, const char *method,
                          const char *version);
static enum MHD_Result answer(http_exchange *x, struct MHD_Connection *conn);
static void set_state(http_server *s, struct MHD_Connection *conn, conn_state st);
static int ip_key(const struct sockaddr *sa, unsigned char key[17], char *text, size_t tlen);
static int ip_find(conn_table *t, const unsigned char key[17], bool add);
static bool limited_address(int family, const unsigned char key[17]);
static void *watchdog_main(void *arg);
static int close_idle(conn_table *t);
static void rate_note(conn_table *t, rate_log *l, const char *addr);
static void rate_flush(conn_table *t, rate_log *l, const char *what, bool force);
static double mono_now(void);

http_server *http_server_start(sf_app *app)
{
    const sf_config *cfg = &app->cfg;
    http_server *s = calloc(1, sizeof *s);
    conn_table *t = calloc(1, sizeof *t);
    if (!s || !t) {
        free(s);
        free(t);
        return NULL;
    }
    s->app = app;
    s->conns = t;
    pthread_mutex_init(&s->refused.lock, NULL);
    pthread_mutex_init(&s->susp_mu, NULL);
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->watchdog_cv, &ca);
    pthread_condattr_destroy(&ca);
    t->max_open = cfg->max_connections;
    /* Behind CloudFront/ALB every connection comes from the proxy, which absorbs slow
     * clients itself: a per-address limit would cap the whole site. */
    t->per_addr = cfg->trusted_proxy_hops > 0 ? 0 : cfg->max_connections_per_address;
    t->head_timeout = cfg->request_head_timeout_s;
    t->idle_timeout = cfg->connection_timeout_s;

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    inet_pton(AF_INET, cfg->listen_addr, &addr.sin_addr);
    int threads = cfg->threads < 1 ? 1 : cfg->threads;
    /* Our accept policy enforces HTTP_MAX_CONNECTIONS; each worker's share of
     * libmicrohttpd's own limit must never be what stops it accepting. */
    unsigned int mhd_limit = (unsigned int)(cfg->max_connections + 16) * (unsigned int)threads;
    struct MHD_OptionItem ops[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_logger, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_connection, s},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logger, s},
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, mhd_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
        /* Room for a request line well past HTTP_MAX_URL and header fields well past
         * HTTP_MAX_HEADER_BYTES, so a head up to ~63 KiB reaches the pipeline and gets
         * our 414/431 problem; a bigger one (a 100 KiB header, 1000 fields) gets
         * libmicrohttpd's HTML page (docs/http.md: the measured boundary and cost).
         * Bodies never sit in it: the access handler copies them out as they arrive. */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_MHD_MEMORY_LIMIT, NULL},
        {MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* ITC: resuming a connection and MHD_quiesce_daemon wake the workers through it. */
    unsigned int flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    s->d = MHD_start_daemon(flags, (uint16_t)cfg->port, accept_policy, s, access_handler, s,
                            MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    if (!s->d) {
        fprintf(stderr, "storefront: cannot listen on %s:%d (port in use?)\n", cfg->listen_addr,
                cfg->port);
        http_server_stop(s, 0);
        return NULL;
    }
    if (pthread_create(&t->watchdog, NULL, watchdog_main, s) == 0)
        t->watchdog_started = true;
    else
        y_log_message(Y_LOG_LEVEL_ERROR, "http: the request-head watchdog did not start");
    app->http = s;
    return s;
}

void http_server_stop(http_server *s, int grace_ms)
{
    if (!s)
        return;
    conn_table *t = s->conns;
    if (s->d) {
        atomic_store(&s->stopping, true);
        /* Stop accepting: with the listening socket closed a new client is refused at
         * once instead of waiting in the backlog of a server that will not answer. */
        MHD_socket lfd = MHD_quiesce_daemon(s->d);
        if (lfd != MHD_INVALID_SOCKET)
            close(lfd);
        double deadline = mono_now() + grace_ms / 1000.0;
        int closed = 0;
        for (;;) {
            /* Idle keep-alive connections go at once (and whichever turns idle later);
             * busy ones get their answer with Connection: close. */
            closed += close_idle(t);
            pthread_mutex_lock(&t->mu);
            int open = t->open;
            pthread_mutex_unlock(&t->mu);
            if (open == 0)
                break;
            /* Requests waiting on the writer (suspended, or about to be) are answered
             * even past the deadline: their events may be committed, and libmicrohttpd
             * aborts if stopped with a suspended connection. The writer's flush is
             * bounded by the statement timeout; from the deadline on nothing new is
             * submitted (503). */
            if (mono_now() >= deadline) {
                pthread_mutex_lock(&s->susp_mu);
                s->closing = true;
                int waiting = s->pending_total + atomic_load(&s->suspended);
                pthread_mutex_unlock(&s->susp_mu);
                if (waiting == 0)
                    break;
            }
            usleep(10 * 1000);
        }
        if (closed)
            y_log_message(Y_LOG_LEVEL_INFO, "http: closed %d idle keep-alive connections", closed);
        pthread_mutex_lock(&t->mu);
        int left = t->open;
        pthread_mutex_unlock(&t->mu);
        if (left)
            y_log_message(Y_LOG_LEVEL_WARNING,
                          "http: SHUTDOWN_GRACE_SECONDS=%d is up: closing %d connections "
                          "with a request outstanding",
                          grace_ms / 1000, left);
    }
    if (t->watchdog_started) {
        pthread_mutex_lock(&t->mu);
        t->watchdog_stop = true;
        pthread_cond_signal(&t->watchdog_cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->watchdog, NULL);
    }
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->app->http == s)
        s->app->http = NULL;
    pthread_cond_destroy(&t->watchdog_cv);
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&s->susp_mu);
    pthread_mutex_destroy(&s->refused.lock);
    free(t);
    free(s);
}

void http_conn_render_metrics(FILE *f, const sf_app *app)
{
    const http_server *s = app->http;
    if (!s)
        return;
    conn_table *t = s->conns;
    pthread_mutex_lock(&t->mu);
    int open = t->open;
    pthread_mutex_unlock(&t->mu);
    fprintf(f,
            "# HELP storefront_http_connections Open HTTP connections.\n"
            "# TYPE storefront_http_connections gauge\n"
            "storefront_http_connections %d\n"
            "# HELP storefront_http_connections_suspended Requests waiting on the clickstream "
            "writer.\n"
            "# TYPE storefront_http_connections_suspended gauge\n"
            "storefront_http_connections_suspended %d\n"
            "# HELP storefront_http_connections_refused_total Connections refused at accept.\n"
            "# TYPE storefront_http_connections_refused_total counter\n"
            "storefront_http_connections_refused_total{reason=\"per_address\"} %llu\n"
            "storefront_http_connections_refused_total{reason=\"max_connections\"} %llu\n"
            "# HELP storefront_http_head_timeouts_total Connections closed because the request "
            "head was not complete within HTTP_REQUEST_HEAD_TIMEOUT.\n"
            "# TYPE storefront_http_head_timeouts_total counter\n"
            "storefront_http_head_timeouts_total %llu\n",
            open, atomic_load(&s->suspended), (unsigned long long)atomic_load(&t->refused_addr),
            (unsigned long long)atomic_load(&t->refused_global),
            (unsigned long long)atomic_load(&t->head_timeouts));
}

/* --- the access handler --------------------------------------------------------------- */

/* libmicrohttpd calls this once the head is complete, once per piece of body, once
 * more when the body is complete, and again after each resume; *con_cls is the
 * exchange that uri_logger created with the request line. */
static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
    (void)url; /* decoded by libmicrohttpd; the pipeline wants the raw one */
    http_server *s = cls;
    http_exchange *x = *con_cls;
    if (!x)
        x = *con_cls = exchange_new(s, conn, "/");
    if (!x)
        return MHD_NO;
    if (!x->head_seen)
        return head_complete(x, conn, method, version) ? MHD_YES : MHD_NO;
    if (*upload_data_size) {
        /* Copy the body out as it arrives (libmicrohttpd's buffer is reused), up to one
         * byte past the limit: enough for the pipeline to answer 413. */
        size_t room = s->app->cfg.max_body_bytes + 1 - x->req.binary_body_length;
        size_t n = *upload_data_size < room ? *upload_data_size : room;
        if (n) {
            size_t need = x->req.binary_body_length + n;
            if (need > x->body_cap) {
                size_t cap = x->body_cap ? x->body_cap * 2 : 16384;
                while (cap < need)
                    cap *= 2;
                void *p = realloc(x->req.binary_body, cap);
                if (!p)
                    return MHD_NO;
                x->req.binary_body = p;
                x->body_cap = cap;
            }
            memcpy((char *)x->req.binary_body + x->req.binary_body_length, upload_data, n);
            x->req.binary_body_length = need;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!x->dispatched) {
        x->dispatched = true;
        x->start = mono_now();
        http_pipeline_dispatch(x);
    }
    /* Work left with the writer (only after http_submit_events set x->then): wait for it
     * without this worker. */
    if (x->then) {
        pthread_mutex_lock(&s->susp_mu);
        if (x->pending > 0) {
            x->suspended = true;
            if (!x->was_suspended)
                atomic_fetch_add(&s->suspended, 1);
            x->was_suspended = true;
            MHD_suspend_connection(conn);
            pthread_mutex_unlock(&s->susp_mu);
            return MHD_YES;
        }
        pthread_mutex_unlock(&s->susp_mu);
    }
    http_pipeline_resume(x);
    enum MHD_Result ret = answer(x, conn);
    if (x->was_suspended) {
        x->was_suspended = false;
        atomic_fetch_sub(&s->suspended, 1);
    }
    return ret;
}

static enum MHD_Result answer(http_exchange *x, struct MHD_Connection *conn)
{
    unsigned int status = 500;
    struct MHD_Response *r = http_pipeline_finish(x, &status);
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The first call: the head is complete. Fills the Ulfius request the handlers read. */
static bool head_complete(http_exchange *x, struct MHD_Connection *conn, const char *method,
                          const char *version)
{
    x->head_seen = true;
    set_state(x->srv, conn, CONN_BUSY);
    x->req.http_verb = strdup(method ? method : "GET");
    x->req.http_protocol = strdup(version ? version : "");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        size_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                            : sizeof(struct sockaddr_in);
        x->req.client_address = malloc(sizeof(struct sockaddr_in6));
        if (x->req.client_address)
            memcpy(x->req.client_address, ci->client_addr, len);
    }
    MHD_get_connection_values(conn, MHD_HEADER_KIND, fill_header, x->req.map_header);
    return x->req.http_verb && x->req.http_protocol;
}

/* Header fields into the request's map; a repeated field is joined with ",", as
 * Ulfius did. */
static enum MHD_Result fill_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct _u_map *m = cls;
    if (!key)
        return MHD_YES;
    const char *old = u_map_get(m, key);
    if (!old)
        return u_map_put(m, key, value ? value : "") == U_OK ? MHD_YES : MHD_NO;
    size_t n = strlen(old) + strlen(value ? value : "") + 2;
    char *joined = malloc(n);
    if (!joined)
        return MHD_NO;
    snprintf(joined, n, "%s,%s", old, value ? value : "");
    int rc = u_map_put(m, key, joined);
    free(joined);
    return rc == U_OK ? MHD_YES : MHD_NO;
}

/* The request line is parsed: the raw URL (with its query, before libmicrohttpd
 * decodes it) starts the exchange. */
static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server *s = cls;
    set_state(s, conn, CONN_HEAD);
    return exchange_new(s, conn, uri);
}

static http_exchange *exchange_new(http_server *s, struct MHD_Connection *conn, const char *uri)
{
    http_exchange *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    if (ulfius_init_request(&x->req) != U_OK) {
        free(x);
        return NULL;
    }
    x->srv = s;
    x->conn = conn;
    x->req.http_url = strdup(uri ? uri : "/");
    const char *q = uri ? strchr(uri, '?') : NULL;
    x->req.url_path = q ? strndup(uri, (size_t)(q - uri)) : strdup(uri ? uri : "/");
    x->c.app = s->app;
    x->c.req = &x->req;
    x->c.x = x;
    x->c.route_index = -1;
    x->c.a = arena_new(0);
    if (!x->req.http_url || !x->req.url_path || !x->c.a) {
        exchange_free(x);
        return NULL;
    }
    return x;
}

static void exchange_free(http_exchange *x)
{
    if (!x)
        return;
    free(x->c.body); /* only set when the answer was never built */
    arena_free(x->c.a);
    ulfius_clean_request(&x->req);
    free(x);
}

/* The response was sent (or the connection died): the exchange ends, and the
 * connection waits for its next head, with a fresh deadline. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    http_exchange *x = *con_cls;
    /* Resumed, but the connection died before the answer was queued. */
    if (x && x->was_suspended)
        atomic_fetch_sub(&x->srv->suspended, 1);
    exchange_free(x);
    *con_cls = NULL;
    set_state(cls, conn, CONN_IDLE);
}

static void set_state(http_server *s, struct MHD_Connection *conn, conn_state st)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_track *ct = ci ? ci->socket_context : NULL;
    if (!ct)
        return;
    conn_table *t = s->conns;
    pthread_mutex_lock(&t->mu);
    double now = mono_now();
    if (st == CONN_IDLE) {
        /* A keep-alive connection between requests waits like any quiet connection
         * (HTTP_CONNECTION_TIMEOUT), not only the head deadline: a load balancer keeps
         * idle connections to its targets and must not find them closed early (the ALB
         * answers 502 when it reuses one the target has just closed). A client that has
         * finished a request is not a slowloris opening connections; its next request
         * line must still arrive within the idle time, and its header fields within
         * HTTP_REQUEST_HEAD_TIMEOUT of that line. */
        ct->deadline =
            now + (t->idle_timeout > t->head_timeout ? t->idle_timeout : t->head_timeout);
    } else if (st == CONN_HEAD || ct->state == CONN_BUSY) {
        double head_by = now + t->head_timeout;
        if (ct->state == CONN_BUSY || head_by < ct->deadline)
            ct->deadline = head_by;
    }
    ct->state = st;
    pthread_mutex_unlock(&t->mu);
}

/* --- connections: limits, deadlines ------------------------------------------------- */

/* Called for every accepted socket before libmicrohttpd makes it a connection: refusing
 * here closes it at once. A slot is reserved now (released by the CLOSED notification),
 * so a burst of accepts on several workers cannot overshoot the limits. (Should
 * libmicrohttpd fail to set up an accepted connection — out of memory — its slot stays
 * taken: the count errs towards refusing.) */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    http_server *s = cls;
    conn_table *t = s->conns;
    unsigned char key[17];
    char text[48];
    int fam = ip_key(addr, key, text, sizeof text);
    pthread_mutex_lock(&t->mu);
    if (t->open >= t->max_open) {
        atomic_fetch_add(&t->refused_global, 1);
        rate_note(t, &t->log_global, text);
        pthread_mutex_unlock(&t->mu);
        return MHD_NO;
    }
    if (t->per_addr > 0 && limited_address(fam, key)) {
        int slot = ip_find(t, key, true);
        if (slot >= 0 && t->ips[slot].count >= t->per_addr) {
            atomic_fetch_add(&t->refused_addr, 1);
            rate_note(t, &t->log_addr, text);
            pthread_mutex_unlock(&t->mu);
            return MHD_NO;
        }
        if (slot >= 0)
            t->ips[slot].count++;
    }
    t->open++;
    pthread_mutex_unlock(&t->mu);
    return MHD_YES;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    http_server *s = cls;
    conn_table *t = s->conns;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_track *ct = calloc(1, sizeof *ct);
        const union MHD_ConnectionInfo *fi =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        unsigned char key[17];
        int fam = 0;
        if (ct) {
            ct->fd = fi ? fi->connect_fd : -1;
            ct->ip_slot = -1;
            fam = ai ? ip_key(ai->client_addr, key, ct->addr, sizeof ct->addr) : 0;
        }
        pthread_mutex_lock(&t->mu);
        if (ct) {
            ct->state = CONN_IDLE;
            ct->deadline = mono_now() + t->head_timeout;
            ct->ip_slot =
                t->per_addr > 0 && limited_address(fam, key) ? ip_find(t, key, false) : -1;
            ct->next = t->head;
            if (t->head)
                t->head->prev = ct;
            t->head = ct;
        }
        pthread_mutex_unlock(&t->mu);
        *socket_context = ct;
        return;
    }
    /* CLOSED: called before libmicrohttpd closes the fd (see the file header). */
    conn_track *ct = *socket_context;
    pthread_mutex_lock(&t->mu);
    t->open--;
    if (ct) {
        if (ct->ip_slot >= 0 && t->ips[ct->ip_slot].count > 0)
            t->ips[ct->ip_slot].count--;
        if (ct->prev)
            ct->prev->next = ct->next;
        else
            t->head = ct->next;
        if (ct->next)
            ct->next->prev = ct->prev;
    }
    pthread_mutex_unlock(&t->mu);
    free(ct);
    *socket_context = NULL;
}

/* The watchdog: shuts down connections whose head is overdue; logs what was refused
 * or closed at most once a second. */
static void *watchdog_main(void *arg)
{
    http_server *s = arg;
    conn_table *t = s->conns;
    pthread_mutex_lock(&t->mu);
    while (!t->watchdog_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 200 * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&t->watchdog_cv, &t->mu, &ts);
        double now = mono_now();
        for (conn_track *ct = t->head; ct; ct = ct->next) {
            if (ct->state == CONN_BUSY || ct->shut || now < ct->deadline || ct->fd < 0)
                continue;
            /* fd is still open: the CLOSED notification, which precedes close(fd),
             * waits for this mutex. */
            shutdown(ct->fd, SHUT_RDWR);
            ct->shut = true;
            atomic_fetch_add(&t->head_timeouts, 1);
            rate_note(t, &t->log_head, ct->addr);
        }
        bool force = t->watchdog_stop;
        rate_flush(t, &t->log_head, "head", force);
        rate_flush(t, &t->log_addr, "addr", force);
        rate_flush(t, &t->log_global, "global", force);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* Shuts down every connection waiting for a request with nothing of one received:
 * neither parsed by libmicrohttpd nor waiting in the socket. Returns how many. */
static int close_idle(conn_table *t)
{
    int n = 0;
    pthread_mutex_lock(&t->mu);
    for (conn_track *ct = t->head; ct; ct = ct->next) {
        int unread = 0;
        if (ct->state != CONN_IDLE || ct->shut || ct->fd < 0 ||
            (ioctl(ct->fd, FIONREAD, &unread) == 0 && unread > 0))
            continue;
        shutdown(ct->fd, SHUT_RDWR);
        ct->shut = true;
        n++;
    }
    pthread_mutex_unlock(&t->mu);
    return n;
}

/* Under t->mu. */
static void rate_note(conn_table *t, rate_log *l, const char *addr)
{
    (void)t;
    l->pending++;
    snprintf(l->last_addr, sizeof l->last_addr, "%s", addr);
}

/* Under t->mu: one line for what was counted since the last one, at most once a
 * second (y_log_message only formats and writes one line; it takes no lock of ours). */
static void rate_flush(conn_table *t, rate_log *l, const char *what, bool force)
{
    time_t now = time(NULL);
    if (!l->pending || (!force && now == l->logged_at))
        return;
    if (strcmp(what, "head") == 0)
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "http: closed %ld connections whose request head was not complete within "
                      "HTTP_REQUEST_HEAD_TIMEOUT=%gs (last from %s)",
                      l->pending, t->head_timeout, l->last_addr);
    else if (strcmp(what, "addr") == 0)
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "http: refused %ld connections over HTTP_MAX_CONNECTIONS_PER_ADDRESS=%d "
                      "(last from %s)",
                      l->pending, t->per_addr, l->last_addr);
    else
        y_log_message(Y_LOG_LEVEL_WARNING,
                      "http: refused %ld connections over HTTP_MAX_CONNECTIONS=%d (last from %s)",
                      l->pending, t->max_open, l->last_addr);
    l->pending = 0;
    l->logged_at = now;
}

/* The address as a table key (family + bytes; IPv4-mapped IPv6 counts as IPv4) and as
 * text; returns the family, 0 when it is neither. */
static int ip_key(const struct sockaddr *sa, unsigned char key[17], char *text, size_t tlen)
{
    memset(key, 0, 17);
    snprintf(text, tlen, "?");
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        key[0] = 4;
        memcpy(key + 1, &in->sin_addr, 4);
        inet_ntop(AF_INET, &in->sin_addr, text, (socklen_t)tlen);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            key[0] = 4;
            memcpy(key + 1, in6->sin6_addr.s6_addr + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, &in6->sin6_addr, 16);
        }
        inet_ntop(AF_INET6, &in6->sin6_addr, text, (socklen_t)tlen);
        return AF_INET6;
    }
    return 0;
}

/* Whether the per-address limit applies: not to 127.0.0.1 and ::1, where a proxy or a
 * load generator on the same host connects from (like TRUSTED_PROXY_HOPS > 0, they stand
 * for many clients); other loopback addresses are limited like any client. */
static bool limited_address(int family, const unsigned char key[17])
{
    static const unsigned char v4_local[5] = {4, 127, 0, 0, 1};
    static const unsigned char v6_local[17] = {6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (!family)
        return false;
    return memcmp(key, v4_local, 5) != 0 && memcmp(key, v6_local, 17) != 0;
}

/* Under t->mu: the slot of key, or with add a slot taken for it (a free one, or one no
 * connection holds any more); -1 when not found / no room within 64 probes (then the
 * address is not limited: the table is sized for the addresses a server sees at once). */
static int ip_find(conn_table *t, const unsigned char key[17], bool add)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 1099511628211ULL;
    static const unsigned char empty[17] = {0};
    int spare = -1;
    for (int probe = 0; probe < 64; probe++) {
        int i = (int)((h + (uint64_t)probe) % IP_SLOTS);
        if (memcmp(t->ips[i].key, key, 17) == 0)
            return i;
        bool is_empty = memcmp(t->ips[i].key, empty, 17) == 0;
        if (spare < 0 && (is_empty || t->ips[i].count == 0))
            spare = i;
        if (is_empty)
            break; /* key is not further along the chain */
    }
    if (!add || spare < 0)
        return -1;
    memcpy(t->ips[spare].key, key, 17);
    t->ips[spare].count = 0;
    return spare;
}

/* libmicrohttpd's own messages, as one JSON log line each (never raw text). */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    y_log_message(Y_LOG_LEVEL_WARNING, "libmicrohttpd: %s", buf);
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
