/*
 * guest_orders.c — a guest's order after checkout (orders.h): opened and cancelled with
 * its access token, and claimed by the customer who later signs in with the same
 * verified e-mail (svc_guest_orders_claim, called by the profile sync).
 *
 * The token is base64url(HMAC-SHA256(order_token_key, "order-token:" + number)): the
 * server can make it again for any order, so the order e-mails link to the order with it
 * (mail_render.c) although it is never stored: the order keeps its SHA-256 hex. A
 * presented token opens the order when its hash is the stored one (the token checkout
 * gave, under the key of that day) or when it is the token under the current key (the
 * e-mail links, also those sent after CURSOR_SECRET was rotated); both compares take
 * constant time. An unknown number, an order without a token and a wrong token all
 * answer the same 404, so the API tells nobody which numbers exist.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "storefront/db_guest_orders.h"
#include "storefront/db_orders.h"
#include "storefront/order_states.h"
#include "storefront/orders.h"
#include "storefront/text.h"

static sf_status open_order(db_conn *c, const unsigned char key[32], arena *a, const char *number,
                            const char *token, bool lock, sf_error *e);
static bool domain_valid(const char *d);

bool svc_email_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > 254)
        return false;
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@') || at == s || at - s > 64)
        return false;
    for (const char *p = s; p < at; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"(),:;<>[\\]", *p))
            return false;
    return domain_valid(at + 1);
}

void svc_order_token(const unsigned char key[32], const char *number,
                     char out[SVC_ORDER_TOKEN_LEN + 1])
{
    char msg[160];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int len = snprintf(msg, sizeof msg, "order-token:%s", number);
    /* An order number is 16 characters; anything that does not fit is no order's, and
     * gets a token that matches nothing (the stored hashes are of 43-character tokens). */
    if (len < 0 || (size_t)len >= sizeof msg ||
        !HMAC(EVP_sha256(), key, 32, (const unsigned char *)msg, (size_t)len, md, &n) || n != 32)
        out[0] = '\0';
    else
        base64url_encode(md, 32, out);
}

sf_status svc_guest_order_get(db_pool *pool, const unsigned char key[32], arena *a,
                              const char *number, const char *token, const char **json, sf_error *e)
{
    *json = NULL;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    char *text = NULL;
    sf_status s = open_order(c, key, a, number, token, false, e);
    if (s == SF_OK)
        s = db_order_json(c, a, 0, number, &text, e);
    *json = text;
    db_pool_release(pool, c);
    return s;
}

sf_status svc_guest_order_cancel(db_pool *pool, const unsigned char key[32], arena *a,
                                 const char *number, const char *token, const char **json,
                                 sf_error *e)
{
    *json = NULL;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    char *text = NULL;
    db_order_state o;
    sf_status s = db_begin(c, e);
    /* The token opens the row and locks it; the state machine does the rest, exactly as
     * for a customer's own cancel (only pending_payment and paid; the stock returns). */
    if (s == SF_OK)
        s = open_order(c, key, a, number, token, true, e);
    if (s == SF_OK)
        s = db_order_find(c, a, number, &o, e);
    if (s == SF_OK)
        s = svc_order_apply(c, &o, "cancel", "customer", 0, "cancelled by the guest", NULL, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    if (s == SF_OK)
        s = db_order_json(c, a, 0, number, &text, e);
    *json = text;
    db_pool_release(pool, c);
    return s;
}

/* --- static helpers --------------------------------------------------------------- */

/* SF_OK when `number` is an order with a token and the token opens it: SHA-256(token)
 * is the stored hash, or the token is svc_order_token(key, number). Every other case is
 * the same "No such order." 404. */
static sf_status open_order(db_conn *c, const unsigned char key[32], arena *a, const char *number,
                            const char *token, bool lock, sf_error *e)
{
    int64_t id = 0;
    char *hash = NULL;
    size_t n = token ? strlen(token) : 0;
    sf_status s = db_order_guest_token(c, a, number, lock, &id, &hash, e);
    if (s != SF_OK)
        return s;
    if (n != SVC_ORDER_TOKEN_LEN || strlen(hash) != 64)
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
    unsigned char md[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    SHA256((const unsigned char *)token, n, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    char mine[SVC_ORDER_TOKEN_LEN + 1];
    svc_order_token(key, number, mine);
    /* Both compares always run, each over fixed lengths (64 hex digits, the column's
     * CHECK; 43 characters), so the time says nothing about which one failed where. */
    int by_hash = CRYPTO_memcmp(hex, hash, 64) == 0;
    int by_key =
        strlen(mine) == SVC_ORDER_TOKEN_LEN && CRYPTO_memcmp(mine, token, SVC_ORDER_TOKEN_LEN) == 0;
    if (!(by_hash | by_key))
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such order.");
    return SF_OK;
}

/* Dot-separated labels of letters, digits and '-' (not at a label's ends), at least
 * two, none empty. */
static bool domain_valid(const char *d)
{
    int labels = 0;
    size_t len = 0;
    char prev = '.';
    for (const char *p = d;; p++) {
        char ch = *p;
        if (ch == '.' || ch == '\0') {
            if (len == 0 || len > 63 || prev == '-')
                return false;
            labels++;
            len = 0;
            if (ch == '\0')
                break;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || (ch == '-' && len > 0)) {
            len++;
        } else {
            return false;
        }
        prev = ch;
    }
    return labels >= 2;
}
