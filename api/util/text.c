/*
 * text.c — UTF-8, percent-decoding, base64url, number formatting without printf and a
 * word-at-a-time hash (see include/storefront/text.h).
 */
#include "storefront/text.h"

#include <string.h>

static int hexval(char c);

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

long percent_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (in[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    return (long)o;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

long base64url_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    if (n % 4 == 1)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *pos = in[i] ? strchr(b64url, in[i]) : NULL;
        if (!pos)
            return -1;
        acc = acc << 6 | (uint32_t)(pos - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits & 0xFF);
        }
    }
    /* Leftover bits must be zero, so each byte string has exactly one encoding. */
    if (bits && (acc & ((1u << bits) - 1)))
        return -1;
    return (long)o;
}

/* Little-endian load of 8 bytes: the same value on every CPU, so hashes (ETags, cursor
 * fingerprints) agree between instances whatever they run on. Compilers turn this into
 * one load on little-endian machines. */
static uint64_t load_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

uint64_t text_hash64(const void *data, size_t n)
{
    /* Why not FNV-1a any more: it is one multiply per byte (1.1 ns/byte, 49 µs on a 43 KB
     * page, issue 15). Here each step takes 8 bytes: xor, multiply by an odd constant,
     * xorshift. Both are bijections of the state, so no step loses what came before; the
     * length goes into the final avalanche (MurmurHash3's fmix64), so zero padding of the
     * tail cannot make two inputs collide. Not keyed: callers need the same value on every
     * instance and across restarts, and nothing here must resist a chosen-input attack. */
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ load_le64(p + i)) * k;
        h ^= h >> 29;
    }
    if (i < n) {
        uint64_t t = 0;
        for (size_t j = 0; i + j < n; j++)
            t |= (uint64_t)p[i + j] << (8 * j);
        h = (h ^ t) * k;
        h ^= h >> 29;
    }
    h ^= (uint64_t)n;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

size_t text_fmt_u64(char *out, uint64_t v)
{
    /* Digits are produced two at a time from a table (half the divisions of a plain
     * loop), backwards into a scratch buffer, then copied once. */
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char tmp[20];
    size_t pos = sizeof tmp;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        tmp[--pos] = pairs[d + 1];
        tmp[--pos] = pairs[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        tmp[--pos] = pairs[d + 1];
        tmp[--pos] = pairs[d];
    } else {
        tmp[--pos] = (char)('0' + v);
    }
    size_t len = sizeof tmp - pos;
    memcpy(out, tmp + pos, len);
    out[len] = '\0';
    return len;
}

size_t text_fmt_i64(char *out, int64_t v)
{
    if (v >= 0)
        return text_fmt_u64(out, (uint64_t)v);
    /* 0 - (uint64_t)v is the magnitude even for INT64_MIN, whose negation overflows. */
    out[0] = '-';
    return 1 + text_fmt_u64(out + 1, 0 - (uint64_t)v);
}

size_t text_fmt_fixed(char *out, int64_t scaled, unsigned digits)
{
    if (digits == 0)
        return text_fmt_i64(out, scaled);
    if (digits > 18)
        digits = 18;
    uint64_t pow10 = 1;
    for (unsigned i = 0; i < digits; i++)
        pow10 *= 10;
    uint64_t u = scaled < 0 ? 0 - (uint64_t)scaled : (uint64_t)scaled;
    size_t o = 0;
    if (scaled < 0)
        out[o++] = '-';
    o += text_fmt_u64(out + o, u / pow10);
    out[o++] = '.';
    /* The fraction with its leading zeros: 5 at 2 digits is "05". */
    uint64_t frac = u % pow10;
    for (unsigned i = digits; i-- > 0;) {
        out[o + i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    o += digits;
    out[o] = '\0';
    return o;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool invisible_or_bidi(uint32_t cp)
{
    return cp == 0x061C || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

uint32_t text_unsafe_char(const char *s, size_t n, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if (p[i] < 0x80) {
            cp = p[i++];
            if (cp == 0x7f ||
                (cp < 0x20 && !(multiline && (cp == '\t' || cp == '\n' || cp == '\r'))))
                return cp;
            continue;
        }
        size_t len = utf8_seq_len(p + i, n - i);
        if (!len)
            return 0xFFFD;
        cp = p[i] & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; k++)
            cp = (cp << 6) | (p[i + k] & 0x3F);
        i += len;
        if ((cp >= 0x80 && cp <= 0x9F) || invisible_or_bidi(cp) ||
            (!multiline && (cp == 0x2028 || cp == 0x2029)))
            return cp;
    }
    return 0;
}
