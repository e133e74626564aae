/*
 * h_settings.h — what the three staff settings handlers share (h_settings.c): the list
 * query, the answers with their ETag and Location, and If-Match on DELETE. Only
 * h_discount_codes.c, h_shipping_methods.c and h_tax_rates.c include it.
 */
#ifndef STOREFRONT_H_SETTINGS_H
#define STOREFRONT_H_SETTINGS_H

#include "http/http.h"
#include "storefront/settings.h"

/* Reads limit (1..100, default 20) and cursor, and with `filters` active (true/false,
 * absent = all) and, with `prefix`, q (1..32 of A-Z a-z 0-9 _ -, upper-cased). Sends the
 * 400 naming every bad parameter and returns false. */
bool http_settings_page_or_problem(http_ctx *c, bool filters, bool prefix,
                                   svc_setting_page_req *req);
/* Sends one resource: its JSON with status and its ETag. */
void http_settings_send(http_ctx *c, int status, const svc_setting *s);
/* Sends a create's answer (fresh or replayed): 201, Location base/key, ETag. */
void http_settings_send_created(http_ctx *c, const char *base, const svc_setting_created *cr);
/* DELETE: If-Match is optional (the row goes away, nothing is overwritten), but when
 * sent it must name the current revision. *revision = 0 when absent. */
bool http_settings_delete_match_or_problem(http_ctx *c, int64_t *revision);

#endif
