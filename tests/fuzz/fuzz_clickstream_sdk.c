/*
 * fuzz_clickstream_sdk.c — POST /v1/clickstream, the AWS Clickstream SDK protocol
 * (api/clickstream/sdk_map.c): cs_sdk_handle with the request h_clickstream.c builds,
 * the real gzip helper (cs_gunzip) as rq->inflate.
 *
 * The hashCode is a SHA-256 of the body, which a mutation never matches, so by default
 * this target computes it as the SDK would and the body reaches the mapping. Input, by
 * the first byte (mod 4):
 *   0: the rest is the JSON body (compression absent);
 *   1: the rest is JSON that this target gzips and base64-encodes, as the mobile SDKs
 *      send it with compression=gzip;
 *   2: the rest is a compression=gzip body as is (base64 text or raw gzip bytes);
 *   3: six lines (appId, platform, event_bundle_sequence_id, upload_timestamp,
 *      hashCode, compression; an empty line is an absent parameter, an empty hashCode
 *      is computed), then the body.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <zlib.h>

#include "fuzz_input.h"
#include "storefront/clickstream_sdk.h"

/* A fixed clock (2026-11-25, when the checked-in SDK captures were made) so a run is reproducible;
 * seeds' timestamps are near it. */
#define FUZZ_NOW_MS  1795578700000LL
#define MAX_AGE_DAYS 7 /* EVENTS_MAX_AGE_DAYS' default */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed[] = {"storefront-web", "storefront-ios"};

static void hash_of(const char *body, size_t len, char out[9])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL);
    snprintf(out, 9, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

/* gzip (not zlib) of in[0..n), base64 (standard, padded): the mobile SDKs' body. */
static char *gzip_base64(const unsigned char *in, size_t n, size_t *len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&zs, n) + 32;
    unsigned char *gz = malloc(cap);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = gz;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    size_t gz_len = cap - zs.avail_out;
    deflateEnd(&zs);
    char *b64 = malloc(gz_len / 3 * 4 + 8);
    *len = (size_t)EVP_EncodeBlock((unsigned char *)b64, gz, (int)gz_len);
    free(gz);
    return b64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t mode = fuzz_byte(&in) % 4;
    char *params[6] = {0};
    char hash[9];
    cs_sdk_request rq = {
        .app_id = "storefront-web",
        .platform = "Web",
        .allowed_app_ids = allowed,
        .nallowed = 2,
        .now_ms = FUZZ_NOW_MS,
        .max_past_ms = (int64_t)MAX_AGE_DAYS * 86400000LL,
        .max_future_ms = 5 * 60000,
        .user_agent = "Mozilla/5.0 (fuzz)",
        .client_ip = "203.0.113.0",
        .inflate = cs_gunzip,
    };
    if (mode == 3) {
        for (int i = 0; i < 6; i++)
            params[i] = fuzz_line(&in);
        rq.app_id = params[0][0] ? params[0] : NULL;
        rq.platform = params[1][0] ? params[1] : NULL;
        rq.event_bundle_sequence_id = params[2][0] ? params[2] : NULL;
        rq.upload_timestamp = params[3][0] ? params[3] : NULL;
        rq.compression = params[5][0] ? params[5] : NULL;
    }
    size_t len;
    char *body;
    if (mode == 1) {
        body = gzip_base64(in.p, in.n, &len);
        rq.compression = "gzip";
    } else {
        body = fuzz_rest(&in, &len);
        if (mode == 2)
            rq.compression = "gzip";
    }
    hash_of(body, len, hash);
    rq.hash_code = mode == 3 && params[4][0] ? params[4] : hash;

    arena *a = arena_new(0);
    cs_event *ev = NULL;
    size_t n = 0;
    cs_sdk_rejects rej;
    sf_error e;
    sf_error_clear(&e);
    if (cs_sdk_handle(a, &rq, body, len, &ev, &n, &rej, &e) == SF_OK) {
        /* What the writer relies on: every kept event is complete. */
        for (size_t i = 0; i < n; i++)
            if (!ev[i].event_type || !ev[i].app_id)
                abort();
    }
    arena_free(a);
    free(body);
    for (int i = 0; i < 6; i++)
        free(params[i]);
    return 0;
}
