/*
 * idempotency.h — Idempotency-Key for creates other than checkout (staff creates,
 * issue #11), on the same idempotency_keys rows and rules as checkout (orders.h):
 * the first request with a key runs; a retry with the same key and the same request
 * gets the first answer back (replayed); the same key with another request is 422
 * "idempotency-key-reused"; a retry while the first still runs is 409 (retry later);
 * a create that fails (4xx) keeps nothing, so a retry runs afresh. Keys are the
 * caller's: two staff members may use the same key.
 */
#ifndef STOREFRONT_IDEMPOTENCY_H
#define STOREFRONT_IDEMPOTENCY_H

#include <jansson.h>
#include <stdbool.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/error.h"

/* The request hash: SHA-256 hex of `scope` (e.g. "POST /v1/admin/products"), a newline
 * and the body's canonical JSON (sorted keys, compact), so the same request with other
 * whitespace or key order is the same request, and one key reused on another route is
 * a different one. out: 65 bytes. */
void svc_idem_hash(const char *scope, const json_t *body, char out[65]);

/* What a create produces, stored under the key: an HTTP status and a JSON body. */
typedef struct svc_idem_answer {
    int status;       /* 201 normally */
    const char *body; /* JSON text, in the arena */
    bool replayed;    /* true: this is the stored answer of an earlier request */
} svc_idem_answer;

/* The create itself: runs inside the transaction that also stores the answer. It gets
 * the caller's customers.id (staff are customers too) and fills `out` (status, body).
 * A non-OK return rolls everything back and releases the key. */
typedef sf_status (*svc_idem_fn)(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                                 svc_idem_answer *out, sf_error *e);

/* Runs `fn` once per (caller, key): see the file comment. On SF_OK, *out is either the
 * fresh answer or the stored one (out->replayed). */
sf_status svc_idem_run(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                       const char *request_hash, svc_idem_fn fn, void *ctx, svc_idem_answer *out,
                       sf_error *e);

#endif
