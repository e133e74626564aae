/*
 * webhooks.c — staff CRUD of webhook endpoints (/v1/admin/webhooks; webhooks.h,
 * docs/webhooks.md).
 *
 * The URL is checked against SSRF here (webhook_target.c) before anything is stored,
 * and again by the sender before every delivery. The secret is made here, never chosen
 * by staff (so it is always strong), and only the create and rotate answers show it:
 * reads render it as null. A create's answer, secret included, is what its
 * Idempotency-Key stores for 24 hours, so a retried create gets the secret it lost.
 */
#include <jansson.h>
#include <openssl/rand.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/idempotency.h"
#include "storefront/jsonw.h"
#include "storefront/queries_gen.h"
#include "storefront/settings.h"
#include "storefront/webhooks.h"

#define CURSOR_SORT 150 /* cursor namespace, apart from every other list */
#define NTYPES      7

const char *const svc_webhook_event_types[] = {
    "order.created",  "order.paid",      "order.shipped", "order.cancelled",
    "order.refunded", "product.updated", "stock.low",     NULL};

typedef struct endpoint_input {
    bool has_url, has_types, has_description, has_active, rotate;
    const char *url, *description; /* description NULL = none */
    const char *types[NTYPES];
    size_t ntypes;
    bool active;
    const char *secret; /* create, or a rotation: the new one */
} endpoint_input;

static sf_status parse(arena *a, const sf_config *cfg, json_t *j, bool create, endpoint_input *in,
                       sf_error *e);
static const char *new_secret(arena *a);
static sf_status endpoint_doc(db_conn *c, arena *a, int64_t id, bool with_secret,
                              svc_webhook_doc *out, sf_error *e);
static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e);
static sf_status update_tx(db_conn *c, arena *a, int64_t id, int64_t revision,
                           const endpoint_input *in, svc_webhook_doc *out, sf_error *e);
static sf_status not_found(sf_error *e);

/* --- operations ------------------------------------------------------------------- */

sf_status svc_webhooks_list(db_pool *pool, const sf_config *cfg, arena *a, int limit,
                            const char *cursor, const char **json, sf_error *e)
{
    const char *ignored;
    int64_t after = 0;
    if (cursor &&
        (!svc_cursor_decode(a, cfg->cursor_key, cursor, CURSOR_SORT, 0, &ignored, &after) ||
         after < 1)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_webhook_page_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_webhook_page(
        c, a, &(q_webhook_page_params){.after_id = after, .max_rows = limit + 1}, &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    jw w;
    jw_init(&w, 256 + n * 384);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        jw_raw(&w, rows[i].doc, strlen(rows[i].doc));
    jw_arr_end(&w);
    jw_key(&w, "next_cursor");
    /* One extra row says whether another page exists. */
    if (n > shown)
        jw_str(&w, svc_cursor_encode(a, cfg->cursor_key, CURSOR_SORT, 0, "", rows[shown - 1].id));
    else
        jw_null(&w);
    jw_obj_end(&w);
    size_t len;
    char *buf = jw_steal(&w, &len);
    *json = svc_settings_take(a, buf, len);
    return SF_OK;
}

sf_status svc_webhook_create(db_pool *pool, const sf_config *cfg, arena *a,
                             const auth_principal *who, const char *key, const char *body,
                             size_t len, svc_webhook_doc *out, sf_error *e)
{
    json_t *j = svc_settings_body(body, len, e);
    if (!j)
        return e->status;
    endpoint_input in;
    sf_status s = parse(a, cfg, j, true, &in, e);
    svc_idem_answer ans = {0};
    if (s == SF_OK && key) {
        char hash[65];
        svc_idem_hash("POST /v1/admin/webhooks", j, hash);
        s = svc_idem_run(pool, a, who, key, hash, create_step, &in, &ans, e);
    } else if (s == SF_OK) {
        /* No key: one plain transaction, exactly what the keyed path runs inside. */
        db_conn *c;
        if ((s = db_pool_acquire(pool, &c, e)) == SF_OK) {
            s = db_begin(c, e);
            if (s == SF_OK)
                s = create_step(c, a, &in, 0, &ans, e);
            if (s == SF_OK)
                s = db_commit(c, e);
            if (s != SF_OK)
                db_rollback(c);
            db_pool_release(pool, c);
        }
    }
    json_decref(j);
    if (s != SF_OK)
        return s;
    /* A replay has only the stored body: id and revision are read back from it. */
    json_t *doc = json_loads(ans.body ? ans.body : "", 0, NULL);
    *out = (svc_webhook_doc){
        .json = ans.body,
        .id = json_integer_value(json_object_get(doc, "id")),
        .revision = json_integer_value(json_object_get(doc, "revision")),
        .replayed = ans.replayed,
    };
    json_decref(doc);
    if (out->id < 1)
        return sf_fail(e, SF_INTERNAL, "internal-error", "The stored answer is unreadable.");
    return SF_OK;
}

sf_status svc_webhook_get(db_pool *pool, arena *a, int64_t id, svc_webhook_doc *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = endpoint_doc(c, a, id, false, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_webhook_update(db_pool *pool, const sf_config *cfg, arena *a, int64_t id,
                             int64_t revision, const char *body, size_t len, svc_webhook_doc *out,
                             sf_error *e)
{
    json_t *j = svc_settings_body(body, len, e);
    if (!j)
        return e->status;
    endpoint_input in;
    sf_status s = parse(a, cfg, j, false, &in, e);
    db_conn *c = NULL;
    if (s == SF_OK)
        s = db_pool_acquire(pool, &c, e);
    if (s == SF_OK) {
        s = db_begin(c, e);
        if (s == SF_OK)
            s = update_tx(c, a, id, revision, &in, out, e);
        if (s == SF_OK)
            s = db_commit(c, e);
        if (s != SF_OK)
            db_rollback(c);
        db_pool_release(pool, c);
    }
    /* After the transaction: the input points into j's strings. */
    json_decref(j);
    return s;
}

sf_status svc_webhook_delete(db_pool *pool, int64_t id, int64_t revision, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    long n = 0;
    sf_status s = q_webhook_delete(
        c, &(q_webhook_delete_params){.id = id, .revision = (int32_t)revision}, &n, e);
    if (s == SF_OK && n == 0 && revision) {
        /* Gone, or still there at another revision? */
        arena *a = arena_new(512);
        svc_webhook_doc d;
        sf_error e2;
        sf_error_clear(&e2);
        bool exists = a && endpoint_doc(c, a, id, false, &d, &e2) == SF_OK;
        arena_free(a);
        s = exists ? svc_settings_stale(e, true, "webhook endpoint") : not_found(e);
    } else if (s == SF_OK && n == 0) {
        s = not_found(e);
    }
    db_pool_release(pool, c);
    return s;
}

/* --- transaction steps ------------------------------------------------------------ */

static sf_status not_found(sf_error *e)
{
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such webhook endpoint.");
}

static sf_status endpoint_doc(db_conn *c, arena *a, int64_t id, bool with_secret,
                              svc_webhook_doc *out, sf_error *e)
{
    q_webhook_doc_row row;
    sf_status s =
        q_webhook_doc(c, a, &(q_webhook_doc_params){.with_secret = with_secret, .id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), not_found(e));
    if (s == SF_OK)
        *out = (svc_webhook_doc){.json = row.doc, .id = id, .revision = row.revision};
    return s;
}

static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e)
{
    (void)actor_id;
    const endpoint_input *in = ctx;
    q_webhook_insert_row row;
    sf_status s = q_webhook_insert(c, a,
                                   &(q_webhook_insert_params){
                                       .url = in->url,
                                       .secret = in->secret,
                                       .event_types = in->types,
                                       .event_types_n = in->ntypes,
                                       .description = in->description,
                                       .active = in->has_active ? in->active : true,
                                   },
                                   &row, e);
    if (s != SF_OK)
        return s;
    svc_webhook_doc d;
    if ((s = endpoint_doc(c, a, row.id, true, &d, e)) != SF_OK)
        return s;
    *out = (svc_idem_answer){.status = 201, .body = d.json};
    return SF_OK;
}

static sf_status update_tx(db_conn *c, arena *a, int64_t id, int64_t revision,
                           const endpoint_input *in, svc_webhook_doc *out, sf_error *e)
{
    q_webhook_lock_row cur;
    sf_status s = q_webhook_lock(c, a, &(q_webhook_lock_params){.id = id}, &cur, e);
    if (s == SF_NOT_FOUND)
        return (sf_error_clear(e), not_found(e));
    if (s != SF_OK)
        return s;
    if (revision && cur.revision != revision)
        return svc_settings_stale(e, true, "webhook endpoint");
    long n = 0;
    s = q_webhook_update(
        c, a,
        &(q_webhook_update_params){
            .url = in->has_url ? in->url : cur.url,
            .event_types = in->has_types ? in->types : (const char *const *)cur.event_types,
            .event_types_n = in->has_types ? in->ntypes : cur.event_types_n,
            .description = in->has_description ? in->description : cur.description,
            .active = in->has_active ? in->active : cur.active,
            .secret = in->rotate ? in->secret : NULL,
            .id = id,
            .revision = (int32_t)revision,
        },
        &n, e);
    if (s == SF_OK && n == 0)
        return svc_settings_stale(e, true, "webhook endpoint");
    if (s != SF_OK)
        return s;
    return endpoint_doc(c, a, id, in->rotate, out, e);
}

/* --- input ------------------------------------------------------------------------ */

static sf_status parse(arena *a, const sf_config *cfg, json_t *j, bool create, endpoint_input *in,
                       sf_error *e)
{
    memset(in, 0, sizeof *in);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "url") == 0) {
            in->has_url = true;
            if (!json_is_string(v))
                sf_field_fail(e, "url", "must be an https URL");
            else if (svc_webhook_target_check(json_string_value(v), cfg->webhook_allow_private,
                                              "url", NULL, e) == SF_OK)
                in->url = json_string_value(v);
        } else if (strcmp(key, "event_types") == 0) {
            in->has_types = true;
            size_t i;
            json_t *t;
            if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > NTYPES) {
                sf_field_fail(e, "event_types",
                              "must be a non-empty array of distinct event types");
                continue;
            }
            json_array_foreach(v, i, t)
            {
                const char *name = json_is_string(t) ? json_string_value(t) : NULL;
                const char *known = NULL;
                for (size_t k = 0; name && svc_webhook_event_types[k]; k++)
                    if (strcmp(name, svc_webhook_event_types[k]) == 0)
                        known = svc_webhook_event_types[k];
                bool dup = false;
                for (size_t k = 0; known && k < in->ntypes; k++)
                    dup = dup || in->types[k] == known;
                if (!known || dup) {
                    sf_field_fail(e, "event_types",
                                  "must list distinct event types among order.created, "
                                  "order.paid, order.shipped, order.cancelled, order.refunded, "
                                  "product.updated, stock.low");
                    break;
                }
                in->types[in->ntypes++] = known;
            }
        } else if (strcmp(key, "description") == 0) {
            in->has_description = true;
            if (!json_is_null(v))
                svc_settings_text(a, v, "description", 500, &in->description, e);
        } else if (strcmp(key, "active") == 0) {
            in->has_active = svc_settings_bool(v, "active", &in->active, e);
        } else if (strcmp(key, "rotate_secret") == 0 && !create) {
            if (!json_is_boolean(v))
                sf_field_fail(e, "rotate_secret", "must be true or false");
            else
                in->rotate = json_is_true(v);
        } else {
            sf_field_fail(e, key, "is not a field of a webhook endpoint");
        }
    }
    if (create && !in->has_url)
        sf_field_fail(e, "url", "is required");
    if (create && !in->has_types)
        sf_field_fail(e, "event_types", "is required");
    if (create || in->rotate)
        in->secret = new_secret(a);
    if (e->status == SF_OK && (create || in->rotate) && !in->secret)
        return sf_fail(e, SF_INTERNAL, "internal-error", "No random bytes for the secret.");
    return e->status;
}

/* "whsec_" and 32 random bytes in hex. */
static const char *new_secret(arena *a)
{
    unsigned char r[32];
    if (RAND_bytes(r, sizeof r) != 1)
        return NULL;
    char *s = arena_alloc(a, 6 + 64 + 1);
    memcpy(s, "whsec_", 6);
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(s + 6 + 2 * i, 3, "%02x", r[i]);
    return s;
}
