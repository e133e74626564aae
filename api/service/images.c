/*
 * images.c — product images through presigned S3 uploads (see images.h and
 * docs/images.md).
 *
 * The upload is two calls so that the file never passes through the API server: staff
 * get a URL that S3 accepts for exactly one key, type and size for a few minutes, PUT
 * the file there, then confirm. Confirm HEADs the object before it writes anything: S3
 * is the truth about what was uploaded (an emulator, or a client that got a URL some
 * other way, may have stored something else), and no database connection is held
 * while waiting on S3.
 *
 * Lock order: the product row (q_image_product_lock) first, in every transaction that
 * depends on the product's set of images (confirm, reorder), so those are serialized
 * per product; the upload row is then claimed with a conditional UPDATE, so one upload
 * becomes at most one image however many confirms race.
 */
#include "storefront/images.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storefront/queries_gen.h"
#include "storefront/s3.h"
#include "storefront/text.h"
#include "storefront/validate.h"

/* A PUT that ended just before its URL expired is still confirmable this long after. */
#define CONFIRM_GRACE_S    900
#define ALT_MAX_CHARS      300
#define FILENAME_MAX_CHARS 255

typedef struct image_type {
    const char *content_type, *ext;
} image_type;

static const image_type types[] = {
    {"image/jpeg", "jpg"},
    {"image/png", "png"},
    {"image/webp", "webp"},
    {"image/avif", "avif"},
};

static const image_type *type_of(const char *content_type);
static bool alt_ok(const char *alt, sf_error *e);
static bool same_media_type(const char *got, const char *want);
static const char *rfc3339(arena *a, time_t t);
static sf_status product_missing(sf_error *e);
static sf_status confirm_tx(db_conn *c, arena *a, const sf_config *cfg, int64_t product_id,
                            int64_t upload_id, const char *alt, bool has_position, int32_t position,
                            svc_image *out, sf_error *e);
static sf_status why_unclaimed(db_conn *c, arena *a, int64_t product_id, int64_t upload_id,
                               sf_error *e);
static void from_row(svc_image *out, const db_product_image *r);

sf_status svc_image_upload_create(const sf_config *cfg, db_pool *pool, arena *a,
                                  const auth_principal *who, int64_t product_id,
                                  const char *content_type, int64_t size, const char *filename,
                                  svc_image_upload *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    if (!cfg->s3_bucket)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "Image uploads are not configured on this server (S3_BUCKET is not set).");
    const image_type *t = content_type ? type_of(content_type) : NULL;
    if (!t)
        sf_field_fail(e, "content_type",
                      "must be one of image/jpeg, image/png, image/webp, image/avif");
    if (size < 1 || size > cfg->image_max_bytes)
        sf_field_fail(e, "size", "must be 1 to %lld bytes", cfg->image_max_bytes);
    if (filename && (utf8_length(filename, strlen(filename)) > FILENAME_MAX_CHARS || !*filename))
        sf_field_fail(e, "filename", "must be 1 to %d characters", FILENAME_MAX_CHARS);
    else if (filename)
        svc_text_safe(e, "filename", filename, false);
    if (e->status != SF_OK)
        return e->status;

    /* A random key: unguessable, never a name staff typed (no collisions, nothing to
     * escape), and the product id in front so a bucket listing reads per product. */
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return sf_fail(e, SF_INTERNAL, NULL, "No randomness for the key.");
    char rnd_hex[33];
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(rnd_hex + 2 * i, 3, "%02x", rnd[i]);
    const char *key =
        arena_sprintf(a, "products/%lld/%s.%s", (long long)product_id, rnd_hex, t->ext);

    time_t now = time(NULL);
    s3_presign_req req = {
        .method = "PUT",
        .endpoint = cfg->s3_endpoint,
        .bucket = cfg->s3_bucket,
        .key = key,
        .region = cfg->aws_region,
        .access_key = cfg->aws_access_key_id,
        .secret_key = cfg->aws_secret_key,
        .session_token = cfg->aws_session_token,
        .now = now,
        .expires_s = cfg->image_upload_ttl_s,
        .content_type = t->content_type,
        .content_length = size,
    };
    const char *url = s3_presign_url(a, &req);
    if (!url)
        return sf_fail(e, SF_INTERNAL, NULL, "Could not presign the upload URL.");

    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_image_upload_create_row row;
    sf_status s = q_image_upload_create(c, a,
                                        &(q_image_upload_create_params){
                                            .s3_key = key,
                                            .content_type = t->content_type,
                                            .max_bytes = size,
                                            .sub = who->sub,
                                            .expires_at = rfc3339(a, now + cfg->image_upload_ttl_s),
                                            .product_id = product_id,
                                        },
                                        &row, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return product_missing(e);
    if (s != SF_OK)
        return s;
    out->upload_id = row.id;
    out->url = url;
    out->content_type = t->content_type;
    out->size = size;
    out->expires_at = row.expires_at;
    out->key = key;
    return SF_OK;
}

sf_status svc_image_confirm(const sf_config *cfg, db_pool *pool, arena *a, int64_t product_id,
                            int64_t upload_id, const char *alt, bool has_position, int32_t position,
                            svc_image *out, sf_error *e)
{
    if (!alt)
        sf_field_fail(e, "alt", "is required: a short description of the picture");
    else
        alt_ok(alt, e);
    if (has_position && position < 0)
        sf_field_fail(e, "position", "must be 0 or more");
    if (e->status != SF_OK)
        return e->status;
    if (!cfg->s3_bucket)
        return sf_fail(e, SF_UNAVAILABLE, "service-unavailable",
                       "Image uploads are not configured on this server (S3_BUCKET is not set).");

    /* Read the upload without holding anything, then ask S3, then write. */
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_image_upload_get_row up;
    sf_status s = q_image_upload_get(c, a,
                                     &(q_image_upload_get_params){.grace_s = CONFIRM_GRACE_S,
                                                                  .id = upload_id,
                                                                  .product_id = product_id},
                                     &up, e);
    if (s == SF_OK && up.confirmed_at)
        s = why_unclaimed(c, a, product_id, upload_id, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "This product has no upload %lld.",
                       (long long)upload_id);
    }
    if (s != SF_OK)
        return s;
    if (up.expired)
        return sf_fail(
            e, SF_CONFLICT, "conflict",
            "Upload %lld expired at %s without being confirmed; request a new upload URL.",
            (long long)upload_id, up.expires_at);

    s3_object_info obj;
    if (s3_head_object(cfg, up.s3_key, &obj, e) != SF_OK)
        return e->status;
    if (!obj.exists)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "Nothing has been uploaded to this upload's URL yet: PUT the file to it "
                       "first, then confirm.");
    if (obj.size < 1 || obj.size > up.max_bytes)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The uploaded object is %lld bytes but the upload was presigned for %lld; "
                       "request a new upload URL for this file.",
                       (long long)obj.size, (long long)up.max_bytes);
    if (!same_media_type(obj.content_type, up.content_type))
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "The uploaded object's type is \"%.60s\" but the upload was presigned for "
                       "%s; request a new upload URL for this file.",
                       obj.content_type, up.content_type);

    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    s = db_begin(c, e);
    if (s == SF_OK)
        s = confirm_tx(c, a, cfg, product_id, upload_id, alt, has_position, position, out, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    if (s != SF_OK)
        db_rollback(c);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_images_list(db_pool *pool, arena *a, int64_t product_id, svc_image **items, size_t *n,
                          sf_error *e)
{
    *items = NULL;
    *n = 0;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_image_product_lock_row p;
    q_image_list_row *rows = NULL;
    /* Outside a transaction the lock ends with the statement: an existence check. */
    sf_status s = q_image_product_lock(c, &(q_image_product_lock_params){.id = product_id}, &p, e);
    if (s == SF_OK)
        s = q_image_list(c, a, &(q_image_list_params){.product_id = product_id}, &rows, n, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return product_missing(e);
    if (s != SF_OK)
        return s;
    *items = arena_calloc(a, sizeof **items * (*n + 1));
    for (size_t i = 0; i < *n; i++)
        from_row(&(*items)[i], &rows[i].product_image);
    return SF_OK;
}

sf_status svc_image_update(db_pool *pool, arena *a, int64_t id, const svc_image_patch *p,
                           svc_image *out, sf_error *e)
{
    if (p->alt)
        alt_ok(p->alt, e);
    if (p->set_position && p->position < 0)
        sf_field_fail(e, "position", "must be 0 or more");
    if (e->status != SF_OK)
        return e->status;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_image_update_row r;
    sf_status s = q_image_update(
        c, a,
        &(q_image_update_params){
            .alt = p->alt, .position = p->position, .position_is_null = !p->set_position, .id = id},
        &r, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such image.");
    }
    if (s != SF_OK)
        return s;
    *out = (svc_image){r.id, r.product_id, r.url, r.alt, r.position, r.s3_key, r.created_at};
    return SF_OK;
}

sf_status svc_image_delete(db_pool *pool, int64_t id, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    long rows = 0;
    sf_status s = q_image_delete(c, &(q_image_delete_params){.id = id}, &rows, e);
    db_pool_release(pool, c);
    if (s == SF_OK && rows == 0)
        return sf_fail(e, SF_NOT_FOUND, "not-found", "No such image.");
    return s;
}

sf_status svc_images_reorder(db_pool *pool, arena *a, int64_t product_id, const int64_t *ids,
                             size_t nids, svc_image **items, size_t *n, sf_error *e)
{
    *items = NULL;
    *n = 0;
    for (size_t i = 0; i < nids; i++)
        for (size_t j = 0; j < i; j++)
            if (ids[i] == ids[j]) {
                sf_field_fail(e, "image_ids", "lists image %lld twice", (long long)ids[i]);
                return e->status;
            }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_image_product_lock_row p;
    q_image_list_row *rows = NULL;
    long moved = 0;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = q_image_product_lock(c, &(q_image_product_lock_params){.id = product_id}, &p, e);
    if (s == SF_OK)
        s = q_image_reorder(
            c, a, &(q_image_reorder_params){.ids = ids, .ids_n = nids, .product_id = product_id},
            &moved, e);
    if (s == SF_OK)
        s = q_image_list(c, a, &(q_image_list_params){.product_id = product_id}, &rows, n, e);
    /* Every listed id moved and nothing else exists: the lists are the same set. */
    if (s == SF_OK && ((size_t)moved != nids || *n != nids))
        s = sf_fail(e, SF_CONFLICT, "conflict",
                    "image_ids must list each of this product's %zu images exactly once (GET "
                    "its images again: the set may have changed).",
                    *n);
    if (s == SF_OK)
        s = db_commit(c, e);
    if (s != SF_OK)
        db_rollback(c);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND)
        return product_missing(e);
    if (s != SF_OK)
        return s;
    *items = arena_calloc(a, sizeof **items * (*n + 1));
    for (size_t i = 0; i < *n; i++)
        from_row(&(*items)[i], &rows[i].product_image);
    return SF_OK;
}

/* --- helpers ---------------------------------------------------------------------- */

static sf_status confirm_tx(db_conn *c, arena *a, const sf_config *cfg, int64_t product_id,
                            int64_t upload_id, const char *alt, bool has_position, int32_t position,
                            svc_image *out, sf_error *e)
{
    q_image_product_lock_row p;
    sf_status s = q_image_product_lock(c, &(q_image_product_lock_params){.id = product_id}, &p, e);
    if (s != SF_OK)
        return s;
    q_image_upload_claim_row claim;
    s = q_image_upload_claim(c, a,
                             &(q_image_upload_claim_params){.id = upload_id,
                                                            .product_id = product_id,
                                                            .grace_s = CONFIRM_GRACE_S},
                             &claim, e);
    if (s == SF_NOT_FOUND) /* confirmed (or expired) since we read it */
        return why_unclaimed(c, a, product_id, upload_id, e);
    if (s != SF_OK)
        return s;
    q_image_insert_row r;
    s = q_image_insert(c, a,
                       &(q_image_insert_params){
                           .product_id = product_id,
                           .url = arena_sprintf(a, "%s/%s", cfg->image_base_url, claim.s3_key),
                           .alt = alt,
                           .position = position,
                           .position_is_null = !has_position,
                           .s3_key = claim.s3_key,
                       },
                       &r, e);
    if (s == SF_OK)
        *out = (svc_image){r.id, r.product_id, r.url, r.alt, r.position, r.s3_key, r.created_at};
    return s;
}

/* The 409 for an upload that cannot be claimed: confirmed before (naming the image it
 * became, so a client retrying after a lost answer can find it) or expired. */
static sf_status why_unclaimed(db_conn *c, arena *a, int64_t product_id, int64_t upload_id,
                               sf_error *e)
{
    sf_error_clear(e);
    q_image_upload_get_row up;
    sf_status s = q_image_upload_get(c, a,
                                     &(q_image_upload_get_params){.grace_s = CONFIRM_GRACE_S,
                                                                  .id = upload_id,
                                                                  .product_id = product_id},
                                     &up, e);
    if (s != SF_OK)
        return s;
    if (up.confirmed_at) {
        q_image_id_by_s3_key_row img;
        if (q_image_id_by_s3_key(c, &(q_image_id_by_s3_key_params){.s3_key = up.s3_key}, &img, e) ==
            SF_OK)
            return sf_fail(e, SF_CONFLICT, "conflict",
                           "Upload %lld was already confirmed as image %lld.", (long long)upload_id,
                           (long long)img.id);
        sf_error_clear(e);
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "Upload %lld was already confirmed (its image has since been deleted).",
                       (long long)upload_id);
    }
    return sf_fail(e, SF_CONFLICT, "conflict",
                   "Upload %lld expired at %s without being confirmed; request a new upload URL.",
                   (long long)upload_id, up.expires_at);
}

static const image_type *type_of(const char *content_type)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].content_type, content_type) == 0)
            return &types[i];
    return NULL;
}

/* Alt text is read aloud by screen readers and shown when the image fails: plain,
 * single-line, at most 300 characters (the column's limit). */
static bool alt_ok(const char *alt, sf_error *e)
{
    if (utf8_length(alt, strlen(alt)) > ALT_MAX_CHARS) {
        sf_field_fail(e, "alt", "must be at most %d characters", ALT_MAX_CHARS);
        return false;
    }
    return svc_text_safe(e, "alt", alt, false);
}

/* The object's Content-Type against the presigned one, ignoring parameters and case. */
static bool same_media_type(const char *got, const char *want)
{
    size_t n = strcspn(got, "; \t");
    return n == strlen(want) && strncasecmp(got, want, n) == 0;
}

static const char *rfc3339(arena *a, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    return arena_sprintf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static sf_status product_missing(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such product.");
}

static void from_row(svc_image *out, const db_product_image *r)
{
    *out = (svc_image){r->id,        r->product_id, r->url,
                       r->alt,       r->position,   r->s3_key_is_null ? NULL : r->s3_key,
                       r->created_at};
}
