/*
 * idempotency.c — the Idempotency-Key protocol of checkout (checkout.c) for any create:
 * claim the key in its own short transaction (so a concurrent duplicate finds it and
 * waits or replays), then run the create and store its answer in one transaction that
 * holds the claim's row, so the answer is stored exactly when the effect commits.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/db_addresses.h"
#include "storefront/db_orders.h"
#include "storefront/idempotency.h"

void svc_idem_hash(const char *scope, const json_t *body, char out[65])
{
    char *canon = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    size_t ns = strlen(scope), nc = canon ? strlen(canon) : 0;
    unsigned char *buf = malloc(ns + 1 + nc + 1);
    unsigned char md[SHA256_DIGEST_LENGTH];
    if (!buf) {
        free(canon);
        out[0] = '\0'; /* matches no stored hash: the request is refused, never merged */
        return;
    }
    memcpy(buf, scope, ns);
    buf[ns] = '\n';
    if (canon)
        memcpy(buf + ns + 1, canon, nc);
    SHA256(buf, ns + 1 + nc, md);
    free(buf);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    free(canon);
}

static sf_status run_tx(db_conn *c, arena *a, int64_t actor_id, const char *key, const char *claim,
                        svc_idem_fn fn, void *ctx, svc_idem_answer *out, sf_error *e)
{
    sf_status s = db_begin(c, e);
    if (s != SF_OK)
        return s;
    s = db_idem_hold(c, a, actor_id, key, claim, e);
    if (s == SF_OK)
        s = fn(c, a, ctx, actor_id, out, e);
    if (s == SF_OK)
        s = db_idem_finish(c, actor_id, key, out->status, out->body, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    return s;
}

sf_status svc_idem_run(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                       const char *request_hash, svc_idem_fn fn, void *ctx, svc_idem_answer *out,
                       sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t actor_id;
    char *claim = NULL;
    db_idem_key prior;
    sf_status s = db_customer_id_by_sub(c, who->sub, &actor_id, e);
    if (s == SF_OK)
        s = db_idem_claim(c, a, actor_id, key, request_hash, &claim, &prior, e);
    if (s == SF_OK && !claim) {
        if (strcmp(prior.request_hash, request_hash) != 0)
            s = sf_fail(e, SF_INVALID, "idempotency-key-reused",
                        "This Idempotency-Key was used with a different request.");
        else if (!prior.done)
            s = sf_fail(e, SF_CONFLICT, "conflict",
                        "A request with this Idempotency-Key is in progress; retry shortly.");
        else
            *out = (svc_idem_answer){
                .status = prior.response_status, .body = prior.response_body, .replayed = true};
    } else if (s == SF_OK) {
        s = run_tx(c, a, actor_id, key, claim, fn, ctx, out, e);
        if (s != SF_OK) {
            /* Nothing was created: forget the key so a retry runs afresh. */
            sf_error re;
            sf_error_clear(&re);
            db_idem_release(c, actor_id, key, claim, &re);
        }
    }
    db_pool_release(pool, c);
    return s;
}
