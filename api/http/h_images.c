/*
 * h_images.c — staff routes for product images on S3 (docs/images.md):
 *   POST   /v1/admin/products/{id}/images/uploads   presign a PUT for one file
 *   POST   /v1/admin/products/{id}/images           confirm an upload into an image
 *   GET    /v1/admin/products/{id}/images           the product's images
 *   PUT    /v1/admin/products/{id}/images/order     reorder them
 *   PATCH  /v1/admin/images/{id}                    alt text, position
 *   DELETE /v1/admin/images/{id}
 * The {id} was validated by the pipeline (c->path_id). Bodies are small JSON objects
 * read here; the rules (types, sizes, S3, the image set) are the service's.
 */
#include <jansson.h>
#include <string.h>

#include "http/http.h"
#include "storefront/images.h"
#include "storefront/jsonutil.h"

static json_t *body_object_or_problem(http_ctx *c, const char *const *fields);
static bool opt_string(arena *a, json_t *o, const char *field, const char **out, sf_error *e);
static bool opt_position(json_t *o, bool *has, int32_t *out, sf_error *e);
static void write_image(jw *w, const svc_image *img);
static void send_images(http_ctx *c, const svc_image *items, size_t n);

void h_admin_images_upload(http_ctx *c)
{
    static const char *const fields[] = {"content_type", "size", "filename", NULL};
    json_t *j = body_object_or_problem(c, fields);
    if (!j)
        return;
    sf_error e;
    sf_error_clear(&e);
    const char *content_type = NULL, *filename = NULL;
    int64_t size = 0;
    json_t *sz = json_object_get(j, "size");
    if (!json_object_get(j, "content_type"))
        sf_field_fail(&e, "content_type", "is required");
    else
        opt_string(c->a, j, "content_type", &content_type, &e);
    if (!json_is_integer(sz))
        sf_field_fail(&e, "size", "is required: the file's exact size in bytes");
    else
        size = json_integer_value(sz);
    opt_string(c->a, j, "filename", &filename, &e);
    svc_image_upload up;
    if (e.status == SF_OK)
        svc_image_upload_create(&c->app->cfg, c->app->pool, c->a, &c->principal, c->path_id,
                                content_type, size, filename, &up, &e);
    json_decref(j);
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    /* The upload has no API resource of its own: Location names the object it creates. */
    c->location = arena_strndup(c->a, up.url, strcspn(up.url, "?"));
    jw w;
    jw_init(&w, 1024);
    jw_obj_begin(&w);
    jw_key(&w, "upload_id");
    jw_int(&w, up.upload_id);
    jw_key(&w, "url");
    jw_str(&w, up.url);
    jw_key(&w, "method");
    jw_str(&w, "PUT");
    jw_key(&w, "headers");
    jw_obj_begin(&w);
    jw_key(&w, "Content-Type");
    jw_str(&w, up.content_type);
    jw_key(&w, "Content-Length");
    jw_str(&w, arena_sprintf(c->a, "%lld", (long long)up.size));
    jw_obj_end(&w);
    jw_key(&w, "expires_at");
    jw_str(&w, up.expires_at);
    jw_key(&w, "key");
    jw_str(&w, up.key);
    jw_obj_end(&w);
    http_send_json(c, 201, &w);
}

void h_admin_images_confirm(http_ctx *c)
{
    static const char *const fields[] = {"upload_id", "alt", "position", NULL};
    json_t *j = body_object_or_problem(c, fields);
    if (!j)
        return;
    sf_error e;
    sf_error_clear(&e);
    json_t *uid = json_object_get(j, "upload_id");
    int64_t upload_id = 0;
    if (!json_is_integer(uid) || json_integer_value(uid) < 1)
        sf_field_fail(&e, "upload_id", "is required: the upload_id the upload call returned");
    else
        upload_id = json_integer_value(uid);
    const char *alt = NULL;
    if (!json_object_get(j, "alt"))
        sf_field_fail(&e, "alt", "is required: a short description of the picture");
    else
        opt_string(c->a, j, "alt", &alt, &e);
    bool has_position = false;
    int32_t position = 0;
    opt_position(j, &has_position, &position, &e);
    json_decref(j);
    svc_image img;
    if (e.status == SF_OK)
        svc_image_confirm(&c->app->cfg, c->app->pool, c->a, c->path_id, upload_id, alt,
                          has_position, position, &img, &e);
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->location = arena_sprintf(c->a, "/v1/admin/images/%lld", (long long)img.id);
    jw w;
    jw_init(&w, 512);
    write_image(&w, &img);
    http_send_json(c, 201, &w);
}

void h_admin_images_list(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    svc_image *items;
    size_t n;
    if (svc_images_list(c->app->pool, c->a, c->path_id, &items, &n, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_images(c, items, n);
}

void h_admin_images_reorder(http_ctx *c)
{
    static const char *const fields[] = {"image_ids", NULL};
    json_t *j = body_object_or_problem(c, fields);
    if (!j)
        return;
    sf_error e;
    sf_error_clear(&e);
    json_t *arr = json_object_get(j, "image_ids");
    size_t nids = json_is_array(arr) ? json_array_size(arr) : 0;
    int64_t *ids = arena_calloc(c->a, sizeof *ids * (nids + 1));
    if (!json_is_array(arr) || nids > 1000) {
        sf_field_fail(&e, "image_ids",
                      "is required: an array of the product's image ids in the new order");
    } else {
        for (size_t i = 0; i < nids; i++) {
            json_t *v = json_array_get(arr, i);
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                sf_field_fail(&e, "image_ids", "must contain only image ids (positive integers)");
                break;
            }
            ids[i] = json_integer_value(v);
        }
    }
    json_decref(j);
    svc_image *items;
    size_t n;
    if (e.status == SF_OK)
        svc_images_reorder(c->app->pool, c->a, c->path_id, ids, nids, &items, &n, &e);
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    send_images(c, items, n);
}

void h_admin_images_update(http_ctx *c)
{
    static const char *const fields[] = {"alt", "position", NULL};
    json_t *j = body_object_or_problem(c, fields);
    if (!j)
        return;
    sf_error e;
    sf_error_clear(&e);
    svc_image_patch p = {0};
    opt_string(c->a, j, "alt", &p.alt, &e);
    opt_position(j, &p.set_position, &p.position, &e);
    json_decref(j);
    svc_image img;
    if (e.status == SF_OK)
        svc_image_update(c->app->pool, c->a, c->path_id, &p, &img, &e);
    if (e.status != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    jw w;
    jw_init(&w, 512);
    write_image(&w, &img);
    http_send_json(c, 200, &w);
}

void h_admin_images_delete(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    if (svc_image_delete(c->app->pool, c->path_id, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    c->status = 204;
}

/* --- helpers ---------------------------------------------------------------------- */

/* The JSON object body with only `fields` (NULL-terminated) as keys; otherwise sends
 * the 400 (naming each unknown field) or 415 and returns NULL. */
static json_t *body_object_or_problem(http_ctx *c, const char *const *fields)
{
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return NULL;
    sf_error e;
    sf_error_clear(&e);
    json_t *j = json_parse_body(body, len, &e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
        sf_fail(&e, SF_INVALID, "bad-request", "The body must be a JSON object.");
    }
    if (j) {
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            bool known = false;
            for (size_t i = 0; fields[i] && !known; i++)
                known = strcmp(fields[i], key) == 0;
            if (!known)
                sf_field_fail(&e, arena_strndup(c->a, key, strnlen(key, 60)),
                              "is not a known field");
        }
        if (e.status != SF_OK) {
            json_decref(j);
            j = NULL;
        }
    }
    if (!j)
        http_send_error(c, &e);
    return j;
}

/* An optional string field, copied into the arena (so it outlives the JSON). Absent:
 * *out untouched. Not a string, or one with a NUL inside: a field error. */
static bool opt_string(arena *a, json_t *o, const char *field, const char **out, sf_error *e)
{
    json_t *v = json_object_get(o, field);
    if (!v)
        return true;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        sf_field_fail(e, field, "must be a string");
        return false;
    }
    *out = arena_strdup(a, json_string_value(v));
    return true;
}

static bool opt_position(json_t *o, bool *has, int32_t *out, sf_error *e)
{
    json_t *v = json_object_get(o, "position");
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000) {
        sf_field_fail(e, "position", "must be an integer from 0 to 1000000");
        return false;
    }
    *has = true;
    *out = (int32_t)json_integer_value(v);
    return true;
}

static void write_image(jw *w, const svc_image *img)
{
    jw_obj_begin(w);
    jw_key(w, "id");
    jw_int(w, img->id);
    jw_key(w, "product_id");
    jw_int(w, img->product_id);
    jw_key(w, "url");
    jw_str(w, img->url);
    jw_key(w, "alt");
    jw_str(w, img->alt);
    jw_key(w, "position");
    jw_int(w, img->position);
    jw_key(w, "s3_key");
    jw_str(w, img->s3_key);
    jw_key(w, "created_at");
    jw_str(w, img->created_at);
    jw_obj_end(w);
}

static void send_images(http_ctx *c, const svc_image *items, size_t n)
{
    jw w;
    jw_init(&w, 256 + n * 384);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        write_image(&w, &items[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}
