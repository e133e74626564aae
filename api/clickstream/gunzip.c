/*
 * gunzip.c — bounded gzip inflating for the clickstream's ways in (POST /v1/events with
 * Content-Encoding: gzip, POST /v1/clickstream with compression=gzip).
 */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "storefront/clickstream.h"

sf_status cs_gunzip(arena *a, const unsigned char *in, size_t n, size_t limit, char **out,
                    size_t *out_len, sf_error *e)
{
    /* One byte over the limit tells "too large" from "exactly the limit"; the limit is
     * checked while inflating, so a small body that expands to gigabytes (a gzip bomb)
     * costs at most limit + 1 bytes and a 413. */
    size_t cap = limit + 1;
    char *buf = arena_alloc(a, cap + 1);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return sf_fail(e, SF_INTERNAL, NULL, "Could not start decompressing.");
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = (unsigned char *)buf;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_FINISH);
    size_t produced = cap - zs.avail_out;
    size_t left = zs.avail_in;
    inflateEnd(&zs);
    if (produced > limit)
        return sf_fail(e, SF_INVALID, "payload-too-large",
                       "The body inflates to more than 1 MiB; send fewer events per request.");
    if (rc != Z_STREAM_END || left != 0)
        return sf_fail(e, SF_INVALID, "bad-request", "The body is not valid gzip data.");
    buf[produced] = '\0';
    *out = buf;
    *out_len = produced;
    return SF_OK;
}
