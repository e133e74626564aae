/*
 * fuzz_gunzip.c — cs_gunzip, the bounded gzip inflater in front of both clickstream
 * ways in. Input: one byte choosing the output limit (0 = the server's 1 MiB, else a
 * small limit so the "exactly the limit" and "one byte over" edges are reached with
 * small inputs), then the compressed bytes.
 */
#include "fuzz_input.h"
#include "storefront/clickstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t pick = fuzz_byte(&in);
    size_t limit = pick == 0 ? CS_MAX_BODY_BYTES : (size_t)pick * 4;
    size_t n;
    char *gz = fuzz_rest(&in, &n);
    arena *a = arena_new(0);
    char *out = NULL;
    size_t out_len = 0;
    sf_error e;
    sf_error_clear(&e);
    sf_status s = cs_gunzip(a, (const unsigned char *)gz, n, limit, &out, &out_len, &e);
    /* The contract: on success at most `limit` bytes, NUL-terminated; on failure a
     * client error (400 or 413), never an internal one for bad input. */
    if (s == SF_OK && (out_len > limit || out[out_len] != '\0'))
        abort();
    if (s != SF_OK && s != SF_INVALID)
        abort();
    arena_free(a);
    free(gz);
    return 0;
}
