/*
 * s3.h — the two things the server asks of S3 for product images (docs/images.md):
 * a presigned PUT URL (AWS Signature Version 4, query-string form, computed here with
 * OpenSSL so the URL can bind the content type and the exact size) and a HEAD of an
 * object (libcurl, whose CURLOPT_AWS_SIGV4 signs the header form).
 *
 * Addressing is path-style (<endpoint>/<bucket>/<key>): it works with bucket names that
 * contain dots, with s3rver and LocalStack, and with AWS alike.
 */
#ifndef STOREFRONT_S3_H
#define STOREFRONT_S3_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "storefront/arena.h"
#include "storefront/config.h"
#include "storefront/error.h"

/* What a presigned URL allows. Strings are borrowed for the call. */
typedef struct s3_presign_req {
    const char *method;        /* "PUT", "GET"… */
    const char *endpoint;      /* scheme://host[:port], no path, no trailing slash */
    const char *bucket;        /* NULL: the key is right under the endpoint (virtual-host
                                  style, only used by the AWS documentation example) */
    const char *key;           /* object key; each segment is URI-encoded, '/' kept */
    const char *region;        /* e.g. us-east-1 */
    const char *access_key;    /* AWS_ACCESS_KEY_ID */
    const char *secret_key;    /* AWS_SECRET_ACCESS_KEY */
    const char *session_token; /* AWS_SESSION_TOKEN or NULL (sent as X-Amz-Security-Token) */
    time_t now;                /* signing time (X-Amz-Date) */
    int expires_s;             /* X-Amz-Expires, 1..604800 */
    const char *content_type;  /* NULL: not signed; else a signed header the PUT must send */
    int64_t content_length;    /* < 0: not signed; else a signed header the PUT must send */
} s3_presign_req;

/* The presigned URL in `a` (signed headers: content-length and content-type when given,
 * and host; payload UNSIGNED-PAYLOAD), or NULL when an argument is unusable (NULL
 * string, expires out of range, endpoint without scheme). Pure: no I/O, no clock. */
char *s3_presign_url(arena *a, const s3_presign_req *r);

/* An object's metadata as S3 reports it on HEAD. */
typedef struct s3_object_info {
    bool exists;
    int64_t size;           /* Content-Length, -1 when S3 sent none */
    char content_type[128]; /* Content-Type, "" when none */
} s3_object_info;

/* HEADs <cfg->s3_endpoint>/<cfg->s3_bucket>/<key>, signed with the configured
 * credentials. SF_OK with out->exists false on 404; SF_UNAVAILABLE (503,
 * "service-unavailable") when S3 cannot be reached, times out, or answers anything
 * else (403 usually means the credentials lack s3:GetObject/ListBucket). Bounded:
 * 3 s to connect, 10 s in all. */
sf_status s3_head_object(const sf_config *cfg, const char *key, s3_object_info *out, sf_error *e);

#endif
