/*
 * fuzz_cursor.c — keyset cursors (api/service/cursor.c), the one query value that is
 * decoded as binary.
 *
 * A forged cursor stops at the HMAC, so a random cursor alone never reaches the code
 * behind it. Each input is therefore used three ways, by its first byte:
 *   - as the cursor text a client sends (what every list route passes in);
 *   - as a payload this target signs with the server key, so the version, sort,
 *     fingerprint and sort-key checks after the MAC run on arbitrary bytes;
 *   - as a sort key to encode and decode again, which must give it back unchanged
 *     (up to its first NUL and the 800-byte cap): a round trip that fails aborts.
 */
#include <openssl/hmac.h>
#include <string.h>

#include "fuzz_input.h"
#include "storefront/catalog.h"
#include "storefront/text.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcde";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t mode = fuzz_byte(&in);
    int sort = fuzz_byte(&in) % 8;
    uint64_t fp = fuzz_byte(&in);
    arena *a = arena_new(0);
    const char *sk = NULL;
    int64_t id = 0;

    switch (mode % 3) {
    case 0: {
        char *cursor = fuzz_rest_str(&in);
        svc_cursor_decode(a, key, cursor, sort, fp, &sk, &id);
        free(cursor);
        break;
    }
    case 1: {
        /* payload || HMAC-SHA256(payload)[0..16), base64url: as svc_cursor_encode. */
        size_t n = in.n > 1000 ? 1000 : in.n;
        unsigned char *buf = malloc(n + 32);
        if (n)
            memcpy(buf, in.p, n);
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        HMAC(EVP_sha256(), key, 32, buf, n, mac, &maclen);
        memcpy(buf + n, mac, 16);
        char *cursor = malloc((n + 16) * 4 / 3 + 4);
        base64url_encode(buf, n + 16, cursor);
        svc_cursor_decode(a, key, cursor, sort, fp, &sk, &id);
        free(cursor);
        free(buf);
        break;
    }
    default: {
        char *sort_key = fuzz_rest_str(&in);
        int64_t want = (int64_t)(fp * 0x9E3779B97F4A7C15ULL);
        const char *c = svc_cursor_encode(a, key, sort, fp, sort_key, want);
        size_t kn = strlen(sort_key) > 800 ? 800 : strlen(sort_key);
        if (!svc_cursor_decode(a, key, c, sort, fp, &sk, &id) || id != want || strlen(sk) != kn ||
            memcmp(sk, sort_key, kn) != 0)
            abort(); /* a cursor the server made must come back as it was */
        free(sort_key);
        break;
    }
    }
    arena_free(a);
    return 0;
}
