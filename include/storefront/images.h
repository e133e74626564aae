/*
 * images.h — staff manage product images stored in S3 (docs/images.md): presign an
 * upload, confirm it once the object is in the bucket, list, change, reorder and
 * delete images. The product's primary image (products.image_url/image_alt, what lists
 * and search show) is the first by position and follows every change (triggers of
 * migrations 0003/0011).
 */
#ifndef STOREFRONT_IMAGES_H
#define STOREFRONT_IMAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/config.h"
#include "storefront/db.h"
#include "storefront/error.h"

/* An upload presigned for one file. */
typedef struct svc_image_upload {
    int64_t upload_id;
    const char *url;          /* presigned PUT URL */
    const char *content_type; /* the Content-Type header the PUT must send */
    int64_t size;             /* the Content-Length header the PUT must send */
    const char *expires_at;   /* RFC 3339 UTC: the URL's end */
    const char *key;          /* S3 key: products/<id>/<random>.<ext> */
} svc_image_upload;

/* A product image (product_images). */
typedef struct svc_image {
    int64_t id;
    int64_t product_id;
    const char *url;
    const char *alt;
    int32_t position;
    const char *s3_key; /* NULL for images that did not come through an upload (seed) */
    const char *created_at;
} svc_image;

/* Changes of PATCH /v1/admin/images/{id}. */
typedef struct svc_image_patch {
    const char *alt; /* NULL = keep */
    bool set_position;
    int32_t position;
} svc_image_patch;

/* Presigns a PUT of `size` bytes of `content_type` (image/jpeg|png|webp|avif) for the
 * product and records the upload. `filename` (optional) is only checked to be plain
 * text; the key is random. SF_UNAVAILABLE when S3 is not configured; SF_INVALID naming
 * content_type/size/filename; SF_NOT_FOUND without the product. Results in `a`. */
sf_status svc_image_upload_create(const sf_config *cfg, db_pool *pool, arena *a,
                                  const auth_principal *who, int64_t product_id,
                                  const char *content_type, int64_t size, const char *filename,
                                  svc_image_upload *out, sf_error *e);

/* Confirms an upload: HEADs the object in S3 (503 when S3 is unreachable), checks it
 * exists (409 otherwise) with the presigned type and at most the presigned size (409),
 * then records the image (position NULL-able via has_position: last when absent).
 * 404: no such upload for this product; 409: already confirmed or its window closed. */
sf_status svc_image_confirm(const sf_config *cfg, db_pool *pool, arena *a, int64_t product_id,
                            int64_t upload_id, const char *alt, bool has_position, int32_t position,
                            svc_image *out, sf_error *e);

/* The product's images in display order (404 without the product). */
sf_status svc_images_list(db_pool *pool, arena *a, int64_t product_id, svc_image **items, size_t *n,
                          sf_error *e);

/* Changes alt and/or position; 404 without the image. */
sf_status svc_image_update(db_pool *pool, arena *a, int64_t id, const svc_image_patch *p,
                           svc_image *out, sf_error *e);

/* Deletes the image row (the S3 object is kept); 404 without it. */
sf_status svc_image_delete(db_pool *pool, int64_t id, sf_error *e);

/* Sets positions 0..n-1 in the order of `ids`, which must name each of the product's
 * images exactly once (409 otherwise: the set changed or was misread; 400 for
 * duplicates). Returns the images in the new order. 404 without the product. */
sf_status svc_images_reorder(db_pool *pool, arena *a, int64_t product_id, const int64_t *ids,
                             size_t nids, svc_image **items, size_t *n, sf_error *e);

#endif
