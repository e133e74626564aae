/*
 * analytics.h — staff analytics over the clickstream (GET /v1/admin/analytics/...):
 * funnel, top products, traffic and one session's path. The definitions (what a session,
 * a step "in order", a bounce, a user are) are in docs/clickstream.md, "Analytics".
 *
 * Funnel, top products and traffic read the rollups of schema/migrations/0010_analytics.sql,
 * which analytics_refresh() keeps up to date off the write path; the refresher worker
 * calls it every ANALYTICS_REFRESH_SECONDS. The session path reads raw events.
 */
#ifndef STOREFRONT_ANALYTICS_H
#define STOREFRONT_ANALYTICS_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/config.h"
#include "storefront/db.h"
#include "storefront/worker.h"

#define SVC_FUNNEL_MAX_STEPS   8
#define SVC_ANALYTICS_MAX_DAYS 366 /* longest from..to */
#define SVC_HOURLY_MAX_DAYS    31  /* longest from..to with interval=hour */
#define SVC_SESSION_PATH_MAX   1000
#define SVC_SESSION_ID_MAX     128

/* A validated from..to: whole UTC hours, from < to, at most SVC_ANALYTICS_MAX_DAYS apart.
 * from/to are RFC 3339 UTC texts ("2026-01-31T05:00:00Z") for SQL parameters. */
typedef struct svc_analytics_range {
    int64_t from_s, to_s;
    const char *from, *to;
} svc_analytics_range;

/* Reads the `from` and `to` query values (each a date YYYY-MM-DD, meaning its UTC midnight,
 * or an RFC 3339 date-time on a whole UTC hour); both are required. Field errors naming
 * from / to in e; false when any. */
bool svc_analytics_range_parse(arena *a, const char *from, const char *to, svc_analytics_range *out,
                               sf_error *e);

typedef struct svc_funnel_step {
    const char *event_type;
    int64_t sessions;     /* sessions that reached this step and every earlier one */
    double from_previous; /* sessions / previous step's sessions; < 0 = undefined */
    double from_start;    /* sessions / first step's sessions; < 0 = undefined */
} svc_funnel_step;

typedef struct svc_funnel {
    int nsteps;
    svc_funnel_step steps[SVC_FUNNEL_MAX_STEPS];
} svc_funnel;

/* Parses `steps` (comma-separated; NULL = the default product_view,add_to_cart,
 * checkout_start,purchase): 2..8 known event types or custom.<name>. Field error
 * naming steps in e. */
bool svc_funnel_steps_parse(arena *a, const char *steps, svc_funnel *out, sf_error *e);

/* Counts, for the sessions that started in r, how many reached each of f's steps in
 * order, and the conversions (ratios rounded to 4 decimals). f comes from
 * svc_funnel_steps_parse. */
sf_status svc_analytics_funnel(db_pool *pool, arena *a, const svc_analytics_range *r, svc_funnel *f,
                               sf_error *e);

/* metric: 0 views, 1 add_to_cart, 2 purchases, 3 conversion (index into
 * svc_top_product_metrics). *json = {"from","to","metric","items":[...]} in a. */
extern const char *const svc_top_product_metrics[];
sf_status svc_analytics_top_products(db_pool *pool, arena *a, const svc_analytics_range *r,
                                     int metric, int limit, const char **json, sf_error *e);

/* interval: 0 hour, 1 day (index into svc_traffic_intervals). SF_INVALID naming interval
 * when hours are asked for a range over SVC_HOURLY_MAX_DAYS. *json in a. */
extern const char *const svc_traffic_intervals[];
sf_status svc_analytics_traffic(db_pool *pool, arena *a, const svc_analytics_range *r, int interval,
                                const char **json, sf_error *e);

/* True when id is 1..128 bytes of printable ASCII (the ids clients send). */
bool svc_session_id_valid(const char *id);
/* The session's events in path order (at most SVC_SESSION_PATH_MAX) as JSON in a;
 * SF_NOT_FOUND when no event carries this session_id. */
sf_status svc_analytics_session(db_pool *pool, arena *a, const char *session_id, const char **json,
                                sf_error *e);

/* The background refresher, an sf_worker named "refresher" (worker.h): its own
 * connection (no statement timeout: the first refresh over a big store takes long),
 * analytics_refresh() every ANALYTICS_REFRESH_SECONDS. NULL when that is 0 (off) or the
 * thread could not start. Stop with sf_worker_stop (it waits for a refresh in
 * progress). */
sf_worker *svc_analytics_refresher_start(const sf_config *cfg);

#endif
