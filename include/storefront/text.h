/*
 * text.h — byte-level helpers shared by the layers: UTF-8 validation, percent-decoding,
 * base64url, integer and fixed-point formatting without printf, and a fast
 * non-cryptographic hash.
 */
#ifndef STOREFRONT_TEXT_H
#define STOREFRONT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Length (2..4) of the valid multi-byte UTF-8 sequence at s, or 0 when it is not one
 * (ASCII, overlong, surrogate, above U+10FFFF, truncated). */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Number of code points in valid UTF-8. */
size_t utf8_length(const char *s, size_t n);

/* Decodes application/x-www-form-urlencoded text (%XX and '+') into out (capacity
 * n + 1). Returns the decoded length, or -1 on a malformed escape. Decoded NUL bytes
 * are kept; callers decide whether they are acceptable. */
long percent_decode(const char *in, size_t n, char *out);

/* base64url without padding. encode writes 4*ceil(n/3) bytes at most plus NUL. */
size_t base64url_encode(const unsigned char *in, size_t n, char *out);
/* Returns decoded length or -1 on any character outside the alphabet / bad length. */
long base64url_decode(const char *in, size_t n, unsigned char *out, size_t cap);

/* Text that staff read (names, reviews, addresses, notes) must show what it says.
 * Returns 0 when valid UTF-8 s[0..n) has none of: C0 and C1 control characters (tab and
 * line breaks are allowed when `multiline`), DEL, the bidirectional controls (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: an override makes "gpj.exe" read
 * "exe.jpg"), zero-width and invisible characters (U+200B..U+200D, U+2060..U+2064,
 * U+FEFF, U+180E), and U+2028/U+2029 unless multiline. Otherwise returns the first
 * such code point (invalid UTF-8 returns 0xFFFD) for the message. */
uint32_t text_unsafe_char(const char *s, size_t n, bool multiline);

/* Writes v in decimal plus a NUL into out (room for 21 bytes: 20 digits + NUL; 21 + 1
 * with the sign for the signed one) and returns the length without the NUL. Same text as
 * printf's %llu / %lld, including INT64_MIN, at a fraction of its cost (no locale, no
 * format parsing): JSON responses are mostly integers (ids, counts, money). */
size_t text_fmt_u64(char *out, uint64_t v);
size_t text_fmt_i64(char *out, int64_t v);
/* scaled / 10^digits with exactly `digits` decimals, e.g. money in minor units: 1234 at 2
 * → "12.34", -5 at 2 → "-0.05", 7 at 3 → "0.007", digits 0 → "1234" (digits capped at
 * 18). Room for 22 bytes. Returns the length without the NUL. */
size_t text_fmt_fixed(char *out, int64_t scaled, unsigned digits);

/* A 64-bit non-cryptographic hash, 8 bytes per step (about 0.1 ns/byte): ETags of bodies,
 * cursor fingerprints, hash-table slots. Deterministic and unseeded: every instance, on
 * any CPU, computes the same value for the same bytes (ETags must agree between
 * instances behind one CDN). Not for anything an attacker must not be able to collide. */
uint64_t text_hash64(const void *data, size_t n);
/* The old name, kept so the callers in the other parts of issue 15 compile unchanged: it
 * was FNV-1a (one multiply per byte) and is now text_hash64. No caller stores the value
 * beyond a process except in cursors (a fingerprint of the query) and ETags, so the one
 * effect of the switch is that cursors and ETags issued by the previous release stop
 * matching once (a cursor is then refused with 400, a conditional GET is a 200). */
static inline uint64_t fnv1a64(const void *data, size_t n)
{
    return text_hash64(data, n);
}

#endif
