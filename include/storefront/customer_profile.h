/*
 * customer_profile.h — a customer's e-mail, its verification and their name, copied
 * from Cognito (GetUser) because access tokens carry none of them; and the
 * per-process pacing that retries a failed copy at most once per
 * COGNITO_PROFILE_RETRY_SECONDS per person. docs/customers.md says when it runs.
 */
#ifndef STOREFRONT_CUSTOMER_PROFILE_H
#define STOREFRONT_CUSTOMER_PROFILE_H

#include <stdint.h>

#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/db_gen.h"

/* Gives the customer the guest orders placed with their e-mail (case-blind) when the
 * row says it is verified; nothing otherwise. *claimed is how many. */
sf_status svc_guest_orders_claim(db_pool *pool, const db_customer *who, long *claimed, sf_error *e);

/* Asks Cognito for the person `sub` (whose row must exist) with their access token and
 * stores what it says, with profile_synced_at = now. An attribute Cognito lacks, or one
 * that is too long or holds control, invisible or bidi-override characters (staff read
 * it), is stored as NULL. When the stored e-mail is verified, the guest orders placed
 * with it (case-blind) become this customer's (issue #12).
 *   SF_OK          stored; *out is the row after it (in the arena)
 *   SF_UNAVAILABLE profiles are not configured, or Cognito is down or refused the token:
 *                  nothing was stored; e->detail says why, for the log
 *   other          the database's errors (SF_NOT_FOUND when no row has that sub) */
sf_status svc_customer_profile_sync(db_pool *pool, arena *a, const auth_config *cfg,
                                    const char *sub, const char *access_token, db_customer *out,
                                    sf_error *e);

/* Retry pacing: a lossy direct-mapped table of `len` slots, one 64-bit word each (the
 * high half of the person's hash as a tag, the retry time in epoch seconds below), so
 * reads and claims are single atomic operations. A slot lost to another person only
 * means that person's retry waits for a later trigger (a new process, PATCH /v1/me). */
typedef struct svc_profile_retry {
    _Atomic unsigned long long *slots;
    size_t len;
} svc_profile_retry;

/* Remembers that h's copy failed at `now`: retry no earlier than now + after_s. */
void svc_profile_retry_schedule(svc_profile_retry *t, uint64_t h, int64_t now, int after_s);
/* True when a retry for h is due at `now`, and then claims it: the slot moves to
 * now + after_s first, so of concurrent requests one calls Cognito. */
bool svc_profile_retry_claim(svc_profile_retry *t, uint64_t h, int64_t now, int after_s);
/* Forgets h (its copy succeeded). */
void svc_profile_retry_clear(svc_profile_retry *t, uint64_t h);

#endif
