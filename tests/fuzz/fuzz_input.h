/*
 * fuzz_input.h — what the libFuzzer targets share: splitting one fuzz input into the
 * pieces an entry point takes (a selector byte, a NUL-terminated line, the rest as an
 * exact-size buffer).
 *
 * Every piece handed to the code under test is its own heap block of exactly its size,
 * like a request body from libmicrohttpd, so ASan sees a read one byte past the end.
 */
#ifndef STOREFRONT_FUZZ_INPUT_H
#define STOREFRONT_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_input {
    const uint8_t *p;
    size_t n;
} fuzz_input;

/* The next byte, or 0 when the input is used up. */
static inline uint8_t fuzz_byte(fuzz_input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* The bytes up to the next '\n' (or the end) as a malloc'd NUL-terminated string; the
 * '\n' is consumed. An embedded NUL ends the string early, as it would in a C header
 * value. Caller frees. */
static inline char *fuzz_line(fuzz_input *in)
{
    const uint8_t *nl = memchr(in->p, '\n', in->n);
    size_t k = nl ? (size_t)(nl - in->p) : in->n;
    char *s = malloc(k + 1);
    if (!s)
        abort();
    if (k)
        memcpy(s, in->p, k);
    s[k] = '\0';
    in->p += k + (nl ? 1 : 0);
    in->n -= k + (nl ? 1 : 0);
    return s;
}

/* Everything left as a malloc'd buffer of exactly that size (not NUL-terminated; one
 * byte for an empty rest, so the pointer is never NULL). Caller frees. */
static inline char *fuzz_rest(fuzz_input *in, size_t *len)
{
    char *b = malloc(in->n ? in->n : 1);
    if (!b)
        abort();
    if (in->n)
        memcpy(b, in->p, in->n);
    *len = in->n;
    in->p += in->n;
    in->n = 0;
    return b;
}

/* Everything left as a malloc'd NUL-terminated string (bytes after an embedded NUL are
 * cut off, as C string APIs would see them). Caller frees. */
static inline char *fuzz_rest_str(fuzz_input *in)
{
    char *s = malloc(in->n + 1);
    if (!s)
        abort();
    if (in->n)
        memcpy(s, in->p, in->n);
    s[in->n] = '\0';
    in->p += in->n;
    in->n = 0;
    return s;
}

#endif
