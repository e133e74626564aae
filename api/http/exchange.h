/*
 * exchange.h — what the request pipeline (server.c) and the libmicrohttpd glue (mhd.c)
 * share: one request/response exchange, which lives from the request line until the
 * response has been sent (so a suspended request keeps its arena, its events and its
 * context), and the server itself. Private to api/http/.
 */
#ifndef STOREFRONT_HTTP_EXCHANGE_H
#define STOREFRONT_HTTP_EXCHANGE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "http/http.h"

/* Refused CORS origins are logged once per origin per minute, and at most
 * CORS_LOG_PER_MINUTE lines a minute in all, so a scan with made-up origins cannot flood
 * the log (the rest are counted and reported in one line). */
#define CORS_LOG_SLOTS      64
#define CORS_LOG_PER_MINUTE 20

typedef struct {
    pthread_mutex_t lock;
    time_t window; /* start of the current minute */
    int lines;     /* refused-origin lines logged in it */
    long suppressed;
    struct {
        uint64_t hash;
        time_t at;
    } slots[CORS_LOG_SLOTS];
} cors_log;

typedef struct conn_track conn_track;
typedef struct conn_table conn_table;

struct http_exchange {
    http_server *srv;
    struct MHD_Connection *conn;
    struct _u_request req; /* what handlers read through c.req */
    size_t body_cap;       /* bytes allocated for req.binary_body */
    http_ctx c;
    double start; /* monotonic seconds, when the head was complete */
    bool head_seen, dispatched;
    /* Asynchronous work (http_submit_events), under srv->susp_mu: submissions not yet
     * answered, whether the connection is suspended waiting for them, the first
     * failure, and what renders the answer once they are all done. */
    int pending;
    bool suspended;
    bool was_suspended; /* counted in srv->suspended until its answer is queued */
    sf_error async_err;
    http_resume_fn then;
    void *then_arg;
};

struct http_server {
    sf_app *app;
    struct MHD_Daemon *d;
    cors_log refused;
    pthread_mutex_t susp_mu;
    int pending_total;    /* under susp_mu: writer submissions not yet answered */
    bool closing;         /* under susp_mu: the grace period is up, submit no more */
    atomic_int suspended; /* connections suspended, or resumed and not yet answered */
    atomic_bool stopping; /* SIGTERM: answers carry Connection: close */
    conn_table *conns;    /* mhd.c: every open connection, limits, deadlines */
};

/* --- the pipeline (server.c) --- */
/* Runs a complete request up to its handler; the handler may leave work pending
 * (x->pending > 0), then the caller suspends the connection. */
void http_pipeline_dispatch(http_exchange *x);
/* Once nothing is pending: runs the continuation, if any (x->then). */
void http_pipeline_resume(http_exchange *x);
/* Turns the built answer into a libmicrohttpd response (headers, ETag/304, CORS,
 * Connection: close while stopping or after a 431), observes metrics and writes the
 * access log. NULL only when out of memory. *status = the HTTP status. */
struct MHD_Response *http_pipeline_finish(http_exchange *x, unsigned int *status);

#endif
