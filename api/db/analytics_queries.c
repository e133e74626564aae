/*
 * analytics_queries.c — the statements behind GET /v1/admin/analytics/...
 * (schema/queries/analytics.sql) as db_analytics.h shapes them.
 */
#include "storefront/db_analytics.h"
#include "storefront/queries_gen.h"

sf_status db_analytics_codes(db_conn *c, arena *a, const char *const *types, int n, char **chars,
                             sf_error *e)
{
    q_analytics_codes_row *v = NULL;
    size_t rows = 0;
    sf_status s = q_analytics_codes(
        c, a, &(q_analytics_codes_params){.types = types, .types_n = (size_t)n}, &v, &rows, e);
    if (s != SF_OK)
        return s;
    for (int i = 0; i < n; i++)
        chars[i] = (size_t)i < rows ? v[i].code : NULL;
    return SF_OK;
}

sf_status db_analytics_funnel(db_conn *c, const char *from, const char *to,
                              const char *const *patterns, int n, int64_t *counts, sf_error *e)
{
    const char *p[8] = {0};
    for (int i = 0; i < n && i < 8; i++)
        p[i] = patterns[i];
    q_analytics_funnel_row row = {0};
    sf_status s = q_analytics_funnel(c,
                                     &(q_analytics_funnel_params){.p2 = p[1],
                                                                  .p3 = p[2],
                                                                  .p4 = p[3],
                                                                  .p5 = p[4],
                                                                  .p6 = p[5],
                                                                  .p7 = p[6],
                                                                  .p8 = p[7],
                                                                  .from_ts = from,
                                                                  .to_ts = to,
                                                                  .p1 = p[0]},
                                     &row, e);
    if (s != SF_OK)
        return s;
    const int64_t steps[8] = {row.step1, row.step2, row.step3, row.step4,
                              row.step5, row.step6, row.step7, row.step8};
    for (int i = 0; i < n && i < 8; i++)
        counts[i] = steps[i];
    return SF_OK;
}

sf_status db_analytics_top_products(db_conn *c, arena *a, const char *from, const char *to,
                                    const char *metric, int limit, char **json, sf_error *e)
{
    q_analytics_top_products_row row = {0};
    sf_status s = q_analytics_top_products(
        c, a,
        &(q_analytics_top_products_params){
            .from_ts = from, .to_ts = to, .metric = metric, .max_items = limit},
        &row, e);
    *json = s == SF_OK ? row.json : NULL;
    return s;
}

sf_status db_analytics_traffic(db_conn *c, arena *a, const char *from, const char *to,
                               const char *unit, char **json, sf_error *e)
{
    q_analytics_traffic_row row = {0};
    sf_status s = q_analytics_traffic(
        c, a, &(q_analytics_traffic_params){.unit = unit, .from_ts = from, .to_ts = to}, &row, e);
    *json = s == SF_OK ? row.json : NULL;
    return s;
}

sf_status db_analytics_session_path(db_conn *c, arena *a, const char *session_id, int max_events,
                                    char **json, sf_error *e)
{
    *json = NULL;
    q_analytics_session_bounds_row b = {0};
    sf_status s = q_analytics_session_bounds(
        c, a, &(q_analytics_session_bounds_params){.session_id = session_id}, &b, e);
    if (s == SF_NOT_FOUND) /* no analytics_state row yet: only the recent branch */
        sf_error_clear(e);
    else if (s != SF_OK)
        return s;
    q_analytics_session_row *v = NULL;
    size_t rows = 0;
    const q_analytics_session_params sp = {.session_id = session_id,
                                           .started_at = b.started_at,
                                           .ended_at = b.ended_at,
                                           .recent_from = b.recent_from,
                                           .max_events = max_events};
    s = q_analytics_session(c, a, &sp, &v, &rows, e);
    if (s != SF_OK)
        return s;
    if (rows == 0)
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No event carries this session_id.");
    *json = v[0].json;
    return SF_OK;
}

sf_status db_analytics_refresh(db_conn *c, int64_t *sessions, sf_error *e)
{
    q_analytics_refresh_row row = {0};
    sf_status s = q_analytics_refresh(c, &row, e);
    if (s == SF_OK)
        *sessions = row.sessions;
    return s;
}
