/*
 * customer_profile.c — copies a customer's e-mail, e-mail verification and name from
 * Cognito into their row, and paces retries after Cognito failed.
 *
 * Why a copy at all: access tokens, which every request carries, have no e-mail, and
 * staff search and read customers by e-mail. Why never an error: a Cognito outage must
 * not take sign-in down with it, so every failure leaves the row as it was
 * (profile_synced_at stays NULL or old) and the caller carries on.
 *
 * A copy that finds a verified e-mail also claims the guest orders placed with it.
 */
#include <stdatomic.h>
#include <string.h>

#include "storefront/cognito_user.h"
#include "storefront/customer_profile.h"
#include "storefront/db_guest_orders.h"
#include "storefront/queries_gen.h"
#include "storefront/text.h"
#include "storefront/validate.h"

#define NAME_MAX_CHARS  200 /* customers.name varchar(200) */
#define EMAIL_MAX_CHARS 254 /* customers.email varchar(254) */

static const char *keepable(const char *field, const char *s, bool present, size_t max_chars);
static unsigned long long slot_word(uint64_t h, int64_t due);
static bool email_verified(const db_customer *who);

sf_status svc_guest_orders_claim(db_pool *pool, const db_customer *who, long *claimed, sf_error *e)
{
    *claimed = 0;
    if (!email_verified(who))
        return SF_OK;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_guest_orders_claim(c, who->id, who->email, claimed, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_customer_profile_sync(db_pool *pool, arena *a, const auth_config *cfg,
                                    const char *sub, const char *access_token, db_customer *out,
                                    sf_error *e)
{
    if (!cfg->user_endpoint[0] || !access_token || !*access_token)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "customer profiles are not configured");
    cognito_user u;
    char why[160];
    if (cognito_get_user(cfg, access_token, &u, why, sizeof why) != COGNITO_USER_OK)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable", "%s", why);
    q_customer_profile_store_params p = {
        .email = keepable("email", u.email, u.has_email, EMAIL_MAX_CHARS),
        .email_verified = u.email_verified,
        .email_verified_is_null = !u.email_verified_known,
        .name = keepable("name", u.name, u.has_name, NAME_MAX_CHARS),
        .sub = sub,
    };
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_customer_profile_store_row row;
    sf_status s = q_customer_profile_store(c, a, &p, &row, e);
    /* Guest orders placed with this address become this customer's once Cognito says
     * the address is theirs (issue #12, docs/checkout.md "Claiming"). Here, once per
     * copy, not on every request. A failure fails the copy, so it is retried with it. */
    long claimed = 0;
    if (s == SF_OK && email_verified(&row.customer))
        s = db_guest_orders_claim(c, row.customer.id, row.customer.email, &claimed, e);
    db_pool_release(pool, c);
    if (s == SF_OK)
        *out = row.customer;
    return s;
}

void svc_profile_retry_schedule(svc_profile_retry *t, uint64_t h, int64_t now, int after_s)
{
    if (t->len)
        atomic_store_explicit(&t->slots[h % t->len], slot_word(h, now + after_s),
                              memory_order_relaxed);
}

bool svc_profile_retry_claim(svc_profile_retry *t, uint64_t h, int64_t now, int after_s)
{
    if (!t->len)
        return false;
    _Atomic unsigned long long *slot = &t->slots[h % t->len];
    unsigned long long w = atomic_load_explicit(slot, memory_order_relaxed);
    if (w == 0 || (w >> 32) != (slot_word(h, 0) >> 32) || (int64_t)(w & 0xFFFFFFFFu) > now)
        return false;
    return atomic_compare_exchange_strong(slot, &w, slot_word(h, now + after_s));
}

void svc_profile_retry_clear(svc_profile_retry *t, uint64_t h)
{
    if (!t->len)
        return;
    _Atomic unsigned long long *slot = &t->slots[h % t->len];
    unsigned long long w = atomic_load_explicit(slot, memory_order_relaxed);
    /* Only h's own entry: the slot may hold another person's by now. */
    if (w && (w >> 32) == (slot_word(h, 0) >> 32))
        atomic_compare_exchange_strong(slot, &w, 0ULL);
}

/* --- static helpers --------------------------------------------------------------- */

/* The value when it can be shown to staff as it is, else NULL: the attribute is a
 * person's own typing, checked as the API checks what people send it. */
static const char *keepable(const char *field, const char *s, bool present, size_t max_chars)
{
    if (!present || !*s || utf8_length(s, strlen(s)) > max_chars)
        return NULL;
    sf_error scratch;
    sf_error_clear(&scratch);
    return svc_text_safe(&scratch, field, s, false) ? s : NULL;
}

/* Tag = the high half of h (never 0, so 0 means an empty slot); low half = due time. */
static unsigned long long slot_word(uint64_t h, int64_t due)
{
    unsigned long long tag = (h >> 32) | 1u;
    return (tag << 32) | ((unsigned long long)due & 0xFFFFFFFFu);
}

/* Only an address Cognito has verified may claim orders: anyone can type any address. */
static bool email_verified(const db_customer *who)
{
    return !who->email_is_null && !who->email_verified_is_null && who->email_verified;
}
