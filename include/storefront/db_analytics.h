/*
 * db_analytics.h — the analytics queries (api/db/analytics_queries.c) over the rollups of
 * schema/migrations/0010_analytics.sql and the raw events. Times are RFC 3339 texts.
 */
#ifndef STOREFRONT_DB_ANALYTICS_H
#define STOREFRONT_DB_ANALYTICS_H

#include <stdint.h>

#include "storefront/db.h"

/* The path character of each event type in types[0..n) into chars[i] (arena), NULL for
 * a type no stored event has. */
sf_status db_analytics_codes(db_conn *c, arena *a, const char *const *types, int n, char **chars,
                             sf_error *e);

/* Sessions started in [from, to) whose path matches patterns[0], and of those how many
 * match each of patterns[1..n) (NULL pattern: 0). counts[0..n). n <= 8. */
sf_status db_analytics_funnel(db_conn *c, const char *from, const char *to,
                              const char *const *patterns, int n, int64_t *counts, sf_error *e);

/* Top products in [from, to) by metric ("views", "add_to_cart", "purchases",
 * "conversion") as JSON {"from","to","metric","items":[...]}. */
sf_status db_analytics_top_products(db_conn *c, arena *a, const char *from, const char *to,
                                    const char *metric, int limit, char **json, sf_error *e);

/* Traffic in [from, to) per `unit` ("hour" or "day") as JSON {"from","to","interval",
 * "totals","items"}. */
sf_status db_analytics_traffic(db_conn *c, arena *a, const char *from, const char *to,
                               const char *unit, char **json, sf_error *e);

/* One session's path as JSON, or SF_NOT_FOUND. */
sf_status db_analytics_session_path(db_conn *c, arena *a, const char *session_id, int max_events,
                                    char **json, sf_error *e);

/* SELECT analytics_refresh(): the number of sessions recomputed into *sessions. */
sf_status db_analytics_refresh(db_conn *c, int64_t *sessions, sf_error *e);

#endif
