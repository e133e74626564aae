/*
 * cursor.c — opaque keyset cursors.
 *
 * A cursor carries the last row's sort value and id, plus the sort and a fingerprint
 * of the filters it was made for, signed with HMAC-SHA256 (first 16 bytes). Signing
 * makes a tampered cursor a clean 400 instead of a query over arbitrary values, and the
 * fingerprint stops a cursor from one listing being replayed against another.
 *
 *   payload = version(1) sort(1) fingerprint(8) id(8, big-endian) sort_key(bytes)
 *   cursor  = base64url(payload || mac[0..16))
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/text.h"

#define CURSOR_VERSION 1
#define MAC_LEN        16
#define HEADER_LEN     18
#define MAX_KEY_LEN    800
/* The longest cursor svc_cursor_encode makes, base64url (no padding) of the largest
 * payload. A fixed 1100 refused the next page after a product whose name is 200
 * four-byte characters (an 800-byte sort key: 1112 characters); found by tests/fuzz. */
#define MAX_CURSOR_LEN (((HEADER_LEN + MAX_KEY_LEN + MAC_LEN) * 4 + 2) / 3)
_Static_assert(MAX_CURSOR_LEN == SVC_CURSOR_MAX_CHARS, "SVC_CURSOR_MAX_CHARS is out of date");

static void put_u64(unsigned char *p, uint64_t v);
static uint64_t get_u64(const unsigned char *p);
static void mac(const unsigned char key[32], const unsigned char *data, size_t n,
                unsigned char out[MAC_LEN]);

const char *svc_cursor_encode(arena *a, const unsigned char key[32], int sort, uint64_t filter_fp,
                              const char *sort_key, int64_t id)
{
    size_t kn = strlen(sort_key);
    if (kn > MAX_KEY_LEN)
        kn = MAX_KEY_LEN;
    size_t n = HEADER_LEN + kn;
    unsigned char *buf = arena_alloc(a, n + MAC_LEN);
    buf[0] = CURSOR_VERSION;
    buf[1] = (unsigned char)sort;
    put_u64(buf + 2, filter_fp);
    put_u64(buf + 10, (uint64_t)id);
    memcpy(buf + HEADER_LEN, sort_key, kn);
    mac(key, buf, n, buf + n);
    char *out = arena_alloc(a, (n + MAC_LEN) * 4 / 3 + 4);
    base64url_encode(buf, n + MAC_LEN, out);
    return out;
}

bool svc_cursor_decode(arena *a, const unsigned char key[32], const char *cursor, int sort,
                       uint64_t filter_fp, const char **sort_key, int64_t *id)
{
    size_t cn = strlen(cursor);
    if (cn == 0 || cn > MAX_CURSOR_LEN)
        return false;
    unsigned char *buf = arena_alloc(a, cn);
    long n = base64url_decode(cursor, cn, buf, cn);
    if (n < HEADER_LEN + MAC_LEN)
        return false;
    size_t body = (size_t)n - MAC_LEN;
    unsigned char expect[MAC_LEN];
    mac(key, buf, body, expect);
    if (CRYPTO_memcmp(expect, buf + body, MAC_LEN) != 0)
        return false;
    if (buf[0] != CURSOR_VERSION || buf[1] != (unsigned char)sort || get_u64(buf + 2) != filter_fp)
        return false;
    *id = (int64_t)get_u64(buf + 10);
    *sort_key = arena_strndup(a, (const char *)buf + HEADER_LEN, body - HEADER_LEN);
    return true;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void mac(const unsigned char key[32], const unsigned char *data, size_t n,
                unsigned char out[MAC_LEN])
{
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, 32, data, n, full, &len);
    memcpy(out, full, MAC_LEN);
}
