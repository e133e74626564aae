/*
 * inventory.c — the inventory ledger's service (see inventory.h): the context every
 * stock change records, staff set and adjust, and the staff lists.
 *
 * The ledger rows are written by the database (migration 0014's trigger), never here:
 * this file only says why, who and for which order, before the change, in the same
 * transaction. A set or an adjustment is one conditional UPDATE, so it waits for the
 * variant's row lock like checkout and cancel do and applies to the stock as it is
 * then; the movement it wrote is read back in the same transaction (created_at = the
 * transaction's now()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/db_addresses.h"
#include "storefront/inventory.h"

#define MOVEMENT_CURSOR_SORT  130 /* cursor namespaces, apart from the other lists */
#define LOW_STOCK_CURSOR_SORT 131

typedef struct adjust_ctx {
    int64_t variant_id;
    int32_t delta;
    const char *note;
} adjust_ctx;

static sf_status adjust_tx(db_conn *c, arena *a, void *ctx, int64_t actor_id, svc_idem_answer *out,
                           sf_error *e);
static sf_status this_tx_movement(db_conn *c, arena *a, int64_t variant_id,
                                  svc_stock_movement **out, sf_error *e);
static sf_status no_variant(sf_error *e);

sf_status svc_stock_context(db_conn *c, const char *reason, int64_t actor_id, int64_t order_id,
                            const char *note, sf_error *e)
{
    return q_stock_context_set(
        c,
        &(q_stock_context_set_params){
            .reason = reason, .actor_id = actor_id, .order_id = order_id, .note = note ? note : ""},
        e);
}

sf_status svc_stock_get(db_pool *pool, arena *a, int64_t variant_id, svc_stock_variant *out,
                        sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s =
        q_stock_variant_get(c, a, &(q_stock_variant_get_params){.variant_id = variant_id}, out, e);
    db_pool_release(pool, c);
    return s == SF_NOT_FOUND ? no_variant(e) : s;
}

sf_status svc_stock_set(db_pool *pool, arena *a, const auth_principal *who, int64_t variant_id,
                        int64_t revision, int32_t stock, const char *note, svc_stock_variant *out,
                        svc_stock_movement **movement, sf_error *e)
{
    *movement = NULL;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t actor_id = 0;
    q_stock_set_row row;
    sf_status s = db_customer_id_by_sub(c, who->sub, &actor_id, e);
    if (s == SF_OK)
        s = db_begin(c, e);
    if (s != SF_OK) {
        db_pool_release(pool, c);
        return s;
    }
    s = svc_stock_context(c, "set", actor_id, 0, note, e);
    if (s == SF_OK)
        s = q_stock_set(c, a,
                        &(q_stock_set_params){.variant_id = variant_id,
                                              .stock = stock,
                                              .revision = (int32_t)revision},
                        &row, e);
    if (s == SF_NOT_FOUND) {
        /* No row: the variant is gone, or it is at another revision than the caller
         * read (someone changed it since). */
        sf_error_clear(e);
        svc_stock_variant now;
        s = q_stock_variant_get(c, a, &(q_stock_variant_get_params){.variant_id = variant_id}, &now,
                                e);
        if (s == SF_NOT_FOUND)
            s = no_variant(e);
        else if (s == SF_OK)
            s = sf_fail(e, SF_CONFLICT, "precondition-failed",
                        "The variant changed since you read it (it is now at \"r%d\"); read "
                        "it again.",
                        now.revision);
    }
    if (s == SF_OK) {
        *out = (svc_stock_variant){row.id,    row.product_id, row.sku,   row.name,
                                   row.stock, row.revision,   row.active};
        s = this_tx_movement(c, a, variant_id, movement, e);
    }
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_stock_adjust(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                           const char *request_hash, int64_t variant_id, int32_t delta,
                           const char *note, svc_idem_answer *out, sf_error *e)
{
    adjust_ctx ctx = {.variant_id = variant_id, .delta = delta, .note = note};
    return svc_idem_run(pool, a, who, key, request_hash, adjust_tx, &ctx, out, e);
}

sf_status svc_stock_movements(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                              int64_t variant_id, const char *cursor, int limit,
                              svc_stock_movement_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    int64_t before = 0;
    const char *unused;
    /* Bound to the variant: one variant's cursor is no use on another's movements. */
    if (cursor && !svc_cursor_decode(a, cursor_key, cursor, MOVEMENT_CURSOR_SORT,
                                     (uint64_t)variant_id, &unused, &before)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    svc_stock_variant v;
    sf_status s =
        q_stock_variant_get(c, a, &(q_stock_variant_get_params){.variant_id = variant_id}, &v, e);
    if (s == SF_NOT_FOUND)
        s = no_variant(e);
    /* One extra row says whether another page exists. */
    if (s == SF_OK)
        s = q_stock_movements_page(c, a,
                                   &(q_stock_movements_page_params){.variant_id = variant_id,
                                                                    .before = before,
                                                                    .max_rows = limit + 1},
                                   &out->items, &out->n, e);
    db_pool_release(pool, c);
    if (s == SF_OK && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->next_cursor = svc_cursor_encode(a, cursor_key, MOVEMENT_CURSOR_SORT,
                                             (uint64_t)variant_id, "", out->items[out->n - 1].id);
    }
    return s;
}

sf_status svc_stock_low(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                        int32_t threshold, const char *cursor, int limit, svc_low_stock_page *out,
                        sf_error *e)
{
    memset(out, 0, sizeof *out);
    int64_t after_id = 0;
    long after_stock = -1; /* below any stock: the first page */
    const char *key = NULL;
    char *end = NULL;
    if (cursor) {
        /* The cursor carries the last row's stock (its sort key) and id. */
        bool ok = svc_cursor_decode(a, cursor_key, cursor, LOW_STOCK_CURSOR_SORT,
                                    (uint64_t)threshold, &key, &after_id);
        if (ok)
            after_stock = strtol(key, &end, 10);
        if (!ok || !*key || *end || after_stock < 0 || after_stock > threshold) {
            sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
            return SF_INVALID;
        }
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = q_stock_low_page(c, a,
                                   &(q_stock_low_page_params){.threshold = threshold,
                                                              .after_stock = (int32_t)after_stock,
                                                              .after_id = after_id,
                                                              .max_rows = limit + 1},
                                   &out->items, &out->n, e);
    db_pool_release(pool, c);
    if (s == SF_OK && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        const svc_low_stock_item *last = &out->items[out->n - 1];
        out->next_cursor =
            svc_cursor_encode(a, cursor_key, LOW_STOCK_CURSOR_SORT, (uint64_t)threshold,
                              arena_sprintf(a, "%d", last->stock), last->id);
    }
    return s;
}

void svc_stock_movement_write(jw *w, const svc_stock_movement *m)
{
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, m->id);
    jw_key(w, "variant_id");
    jw_int(w, m->variant_id);
    jw_key(w, "delta");
    jw_int(w, m->delta);
    jw_key(w, "stock_after");
    jw_int(w, m->stock_after);
    jw_key(w, "reason");
    jw_str(w, m->reason);
    jw_key(w, "actor");
    if (m->actor_id_is_null) {
        jw_null(w);
    } else {
        jw_obj_begin(w);
        jw_key(w, "id");
        jw_int(w, m->actor_id);
        jw_key(w, "email");
        jw_str(w, m->actor_email);
        jw_obj_end(w);
    }
    jw_key(w, "order_number");
    jw_str(w, m->order_number);
    jw_key(w, "note");
    jw_str(w, m->note);
    jw_key(w, "created_at");
    jw_str(w, m->created_at);
    jw_obj_end(w);
}

/* --- in the transaction -------------------------------------------------------- */

/* The adjustment inside svc_idem_run's transaction; its answer (the movement) is
 * stored under the key in the same commit, so a retry replays it instead of applying
 * the delta twice. */
static sf_status adjust_tx(db_conn *c, arena *a, void *ctx, int64_t actor_id, svc_idem_answer *out,
                           sf_error *e)
{
    const adjust_ctx *x = ctx;
    q_stock_adjust_row row;
    sf_status s = svc_stock_context(c, "adjustment", actor_id, 0, x->note, e);
    if (s == SF_OK)
        s = q_stock_adjust(c, a,
                           &(q_stock_adjust_params){.variant_id = x->variant_id, .delta = x->delta},
                           &row, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        svc_stock_variant now;
        s = q_stock_variant_get(c, a, &(q_stock_variant_get_params){.variant_id = x->variant_id},
                                &now, e);
        if (s == SF_NOT_FOUND)
            return no_variant(e);
        if (s != SF_OK)
            return s;
        if ((int64_t)now.stock + x->delta < 0)
            return sf_fail(e, SF_CONFLICT, "conflict",
                           "Only %d in stock: cannot remove %d (stock cannot go below zero).",
                           now.stock, -x->delta);
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "%d in stock: adding %d would pass the largest stock a variant can hold.",
                       now.stock, x->delta);
    }
    svc_stock_movement *m = NULL;
    if (s == SF_OK)
        s = this_tx_movement(c, a, x->variant_id, &m, e);
    if (s == SF_OK && !m) /* a non-zero delta always writes one */
        s = sf_fail(e, SF_INTERNAL, "internal-error", "The adjustment left no ledger row.");
    if (s != SF_OK)
        return s;
    jw w;
    jw_init(&w, 512);
    svc_stock_movement_write(&w, m);
    *out = (svc_idem_answer){.status = 201, .body = arena_strdup(a, jw_cstr(&w))};
    jw_free(&w);
    return SF_OK;
}

/* The newest movement of the variant written by this transaction; NULL when none
 * (a set to the stock it already had). */
static sf_status this_tx_movement(db_conn *c, arena *a, int64_t variant_id,
                                  svc_stock_movement **out, sf_error *e)
{
    svc_stock_movement *rows = NULL;
    size_t n = 0;
    sf_status s = q_stock_movements_page(
        c, a,
        &(q_stock_movements_page_params){
            .variant_id = variant_id, .before = 0, .this_tx = true, .max_rows = 1},
        &rows, &n, e);
    *out = s == SF_OK && n == 1 ? &rows[0] : NULL;
    return s;
}

static sf_status no_variant(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such variant.");
}
