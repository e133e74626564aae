/*
 * webhook_deliveries.c — what staff see of an endpoint's deliveries, and replays
 * (/v1/admin/webhooks/{id}/deliveries…; webhooks.h, docs/webhooks.md).
 *
 * A delivery is a message_outbox row of channel 'webhook'. A replay never resets a row:
 * it queues a new one (replay_of = the original) with the same event id, so the history
 * of attempts stays as it was and a receiver that already has the event drops it.
 */
#include <stdio.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/jsonw.h"
#include "storefront/queries_gen.h"
#include "storefront/settings.h"
#include "storefront/webhooks.h"

#define CURSOR_SORT 151 /* cursor namespace, apart from the endpoint list (150) */

static uint64_t filter_fp(int64_t endpoint_id, const char *state);
static sf_status endpoint_exists(db_conn *c, arena *a, int64_t id, sf_error *e);

sf_status svc_webhook_deliveries_list(db_pool *pool, const sf_config *cfg, arena *a,
                                      int64_t endpoint_id, const char *state, int limit,
                                      const char *cursor, const char **json, sf_error *e)
{
    uint64_t fp = filter_fp(endpoint_id, state);
    const char *ignored;
    int64_t after = 0;
    if (cursor &&
        (!svc_cursor_decode(a, cfg->cursor_key, cursor, CURSOR_SORT, fp, &ignored, &after) ||
         after < 1)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_webhook_delivery_page_row *rows = NULL;
    size_t n = 0;
    sf_status s = endpoint_exists(c, a, endpoint_id, e);
    if (s == SF_OK)
        s = q_webhook_delivery_page(c, a,
                                    &(q_webhook_delivery_page_params){.endpoint_id = endpoint_id,
                                                                      .state = state,
                                                                      .after_id = after,
                                                                      .max_rows = limit + 1},
                                    &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    jw w;
    jw_init(&w, 256 + n * 1024);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        jw_raw(&w, rows[i].doc, strlen(rows[i].doc));
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    if (n > shown)
        jw_str(&w, svc_cursor_encode(a, cfg->cursor_key, CURSOR_SORT, fp, "", rows[shown - 1].id));
    else
        jw_null(&w);
    jw_obj_end(&w);
    size_t len;
    char *buf = jw_steal(&w, &len);
    *json = svc_settings_take(a, buf, len);
    return SF_OK;
}

sf_status svc_webhook_delivery_get(db_pool *pool, arena *a, int64_t endpoint_id,
                                   int64_t delivery_id, svc_webhook_doc *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_webhook_delivery_doc_row row;
    sf_status s = q_webhook_delivery_doc(
        c, a, &(q_webhook_delivery_doc_params){.id = delivery_id, .endpoint_id = endpoint_id}, &row,
        e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e),
                sf_fail(e, SF_NOT_FOUND, "not-found", "No such delivery of this endpoint."));
    if (s == SF_OK)
        *out = (svc_webhook_doc){.json = row.doc, .id = delivery_id};
    return s;
}

sf_status svc_webhook_delivery_replay(db_pool *pool, arena *a, int64_t endpoint_id,
                                      int64_t delivery_id, svc_webhook_doc *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_webhook_delivery_replay_row row;
    sf_status s = q_webhook_delivery_replay(
        c, &(q_webhook_delivery_replay_params){.id = delivery_id, .endpoint_id = endpoint_id}, &row,
        e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e),
                sf_fail(e, SF_NOT_FOUND, "not-found", "No such delivery of this endpoint."));
    if (s != SF_OK)
        return s;
    return svc_webhook_delivery_get(pool, a, endpoint_id, row.id, out, e);
}

/* FNV-1a of the endpoint and the state filter: a cursor only works with both. */
static uint64_t filter_fp(int64_t endpoint_id, const char *state)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%lld|%s", (long long)endpoint_id, state ? state : "");
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n && i < (int)sizeof buf; i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
    return h;
}

static sf_status endpoint_exists(db_conn *c, arena *a, int64_t id, sf_error *e)
{
    q_webhook_doc_row row;
    sf_status s =
        q_webhook_doc(c, a, &(q_webhook_doc_params){.with_secret = false, .id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e),
                sf_fail(e, SF_NOT_FOUND, "not-found", "No such webhook endpoint."));
    return s;
}
