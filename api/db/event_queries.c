/*
 * event_queries.c — the clickstream writer's flush and the partition upkeep
 * (schema/queries/events.sql) behind db_events.h: the batch laid out as one array per
 * column, which the generated events_insert binds as array parameters. The COPY
 * alternative is event_copy.c.
 */
#include <inttypes.h>
#include <stdio.h>

#include "storefront/db_events.h"
#include "storefront/queries_gen.h"

sf_status db_events_insert(db_conn *c, const cs_event *ev, size_t n, bool outbox, int64_t *inserted,
                           sf_error *e)
{
    /* The arena holds the column arrays and their array literals: about twice the batch. */
    arena *a = arena_new(64 * 1024 + n * 1024);
    if (!a)
        return sf_fail(e, SF_INTERNAL, "internal-error", "out of memory");
    size_t sz = (n ? n : 1) * sizeof(const char *);
    const char **ids = arena_alloc(a, sz), **types = arena_alloc(a, sz),
               **sources = arena_alloc(a, sz), **apps = arena_alloc(a, sz),
               **anons = arena_alloc(a, sz), **sessions = arena_alloc(a, sz),
               **users = arena_alloc(a, sz), **urls = arena_alloc(a, sz),
               **refs = arena_alloc(a, sz), **pids = arena_alloc(a, sz),
               **skus = arena_alloc(a, sz), **orders = arena_alloc(a, sz),
               **queries = arena_alloc(a, sz), **props = arena_alloc(a, sz),
               **uas = arena_alloc(a, sz), **ips = arena_alloc(a, sz);
    int64_t *times = arena_alloc(a, (n ? n : 1) * sizeof *times);
    for (size_t i = 0; i < n; i++) {
        const cs_event *x = &ev[i];
        ids[i] = x->event_id;
        times[i] = x->time_ms;
        types[i] = x->event_type;
        sources[i] = x->source;
        apps[i] = x->app_id;
        anons[i] = x->anonymous_id;
        sessions[i] = x->session_id;
        users[i] = x->user_id;
        urls[i] = x->page_url;
        refs[i] = x->referrer;
        pids[i] = x->has_product_id ? arena_sprintf(a, "%" PRId64, x->product_id) : NULL;
        skus[i] = x->sku;
        orders[i] = x->order_number;
        queries[i] = x->search_query;
        props[i] = x->props_json;
        uas[i] = x->user_agent;
        ips[i] = x->client_ip;
    }
    /* Both statements take the same parameters (two generated types of one layout). */
#define EVENT_PARAMS                                                                               \
    {                                                                                              \
        .event_ids = ids,                                                                          \
        .event_ids_n = n,                                                                          \
        .times_ms = times,                                                                         \
        .times_ms_n = n,                                                                           \
        .event_types = types,                                                                      \
        .event_types_n = n,                                                                        \
        .sources = sources,                                                                        \
        .sources_n = n,                                                                            \
        .app_ids = apps,                                                                           \
        .app_ids_n = n,                                                                            \
        .anonymous_ids = anons,                                                                    \
        .anonymous_ids_n = n,                                                                      \
        .session_ids = sessions,                                                                   \
        .session_ids_n = n,                                                                        \
        .user_ids = users,                                                                         \
        .user_ids_n = n,                                                                           \
        .page_urls = urls,                                                                         \
        .page_urls_n = n,                                                                          \
        .referrers = refs,                                                                         \
        .referrers_n = n,                                                                          \
        .product_ids = pids,                                                                       \
        .product_ids_n = n,                                                                        \
        .skus = skus,                                                                              \
        .skus_n = n,                                                                               \
        .order_numbers = orders,                                                                   \
        .order_numbers_n = n,                                                                      \
        .search_queries = queries,                                                                 \
        .search_queries_n = n,                                                                     \
        .props = props,                                                                            \
        .props_n = n,                                                                              \
        .user_agents = uas,                                                                        \
        .user_agents_n = n,                                                                        \
        .client_ips = ips,                                                                         \
        .client_ips_n = n,                                                                         \
    }
    sf_status s;
    if (outbox) {
        const q_events_insert_outbox_params p = EVENT_PARAMS;
        q_events_insert_outbox_row row = {0};
        s = q_events_insert_outbox(c, a, &p, &row, e);
        if (s == SF_OK)
            *inserted = row.inserted;
    } else {
        const q_events_insert_params p = EVENT_PARAMS;
        long rows = 0;
        s = q_events_insert(c, a, &p, &rows, e);
        if (s == SF_OK)
            *inserted = rows;
    }
#undef EVENT_PARAMS
    arena_free(a);
    return s;
}

sf_status db_events_partitions_ensure(db_conn *c, const char *from_day, const char *to_day,
                                      int *made, sf_error *e)
{
    q_events_partitions_ensure_row row = {0};
    sf_status s = q_events_partitions_ensure(
        c, &(q_events_partitions_ensure_params){.from_day = from_day, .to_day = to_day}, &row, e);
    if (s == SF_OK)
        *made = (int)row.made;
    return s;
}

sf_status db_events_partitions_drop_before(db_conn *c, const char *day, int *dropped, sf_error *e)
{
    q_events_partitions_drop_before_row row = {0};
    sf_status s = q_events_partitions_drop_before(
        c, &(q_events_partitions_drop_before_params){.day = day}, &row, e);
    if (s == SF_OK)
        *dropped = (int)row.dropped;
    return s;
}
