/*
 * test_text.c — UTF-8 validation, percent-decoding, base64url, number formatting, the hash
 * and the JSON writer: the byte-level code every request's input and output passes through.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storefront/jsonw.h"
#include "storefront/text.h"

static void test_utf8(void)
{
    CHECK(utf8_valid("plain ascii", 11));
    CHECK(utf8_valid("caf\xc3\xa9", 5));
    CHECK(utf8_valid("\xf0\x9f\x96\xb1", 4));  /* U+1F5B1 computer mouse */
    CHECK(!utf8_valid("\xff\xfe", 2));         /* never valid */
    CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(utf8_length("caf\xc3\xa9", 5) == 4);
}

static void test_percent(void)
{
    char out[64];
    CHECK(percent_decode("a%20b+c", 7, out) == 5);
    CHECK_STR(out, "a b c");
    CHECK(percent_decode("%zz", 3, out) == -1);
    CHECK(percent_decode("abc%4", 5, out) == -1);
    CHECK(percent_decode("%", 1, out) == -1);
    long n = percent_decode("a%00b", 5, out);
    CHECK(n == 3 && out[1] == '\0'); /* NUL is decoded; callers reject it */
}

static void test_base64url(void)
{
    const unsigned char in[] = {0xfb, 0xff, 0x00, 0x10, 0x7f};
    char enc[16];
    unsigned char dec[16];
    for (size_t len = 0; len <= sizeof in; len++) {
        size_t n = base64url_encode(in, len, enc);
        CHECK(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n);
        CHECK(base64url_decode(enc, n, dec, sizeof dec) == (long)len);
        CHECK(memcmp(in, dec, len) == 0);
    }
    CHECK(base64url_decode("a+b/", 4, dec, sizeof dec) == -1);  /* standard alphabet */
    CHECK(base64url_decode("abcde", 5, dec, sizeof dec) == -1); /* impossible length */
    CHECK(base64url_decode("QR", 2, dec, sizeof dec) == -1);    /* non-zero pad bits */
}

static void test_jsonw(void)
{
    jw w;
    jw_init(&w, 4); /* tiny, to exercise growth */
    jw_obj_begin(&w);
    jw_key(&w, "s");
    jw_str(&w, "q\"\\\n\x01\xff"
               "caf\xc3\xa9");
    jw_key(&w, "n");
    jw_int(&w, -9007199254740991LL);
    jw_key(&w, "a");
    jw_arr_begin(&w);
    jw_bool(&w, true);
    jw_null(&w);
    jw_double(&w, 4.5);
    jw_obj_begin(&w);
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_key(&w, "raw");
    jw_raw(&w, "{\"x\":1}", 7);
    jw_obj_end(&w);
    CHECK_STR(jw_cstr(&w),
              "{\"s\":\"q\\\"\\\\\\n\\u0001\\ufffdcaf\xc3\xa9\",\"n\":-9007199254740991,"
              "\"a\":[true,null,4.5,{}],\"raw\":{\"x\":1}}");
    size_t len;
    char *buf = jw_steal(&w, &len);
    CHECK(len == strlen("{\"s\":\"q\\\"\\\\\\n\\u0001\\ufffdcaf\xc3\xa9\",\"n\":-9007199254740991,"
                        "\"a\":[true,null,4.5,{}],\"raw\":{\"x\":1}}"));
    free(buf);
}

/* The printf-free integer and fixed-point formatting must print exactly what printf does. */
static void check_i64(int64_t v)
{
    char mine[32], ref[32];
    size_t n = text_fmt_i64(mine, v);
    snprintf(ref, sizeof ref, "%" PRId64, v);
    CHECK_STR(mine, ref);
    CHECK(n == strlen(ref));
}

static void check_u64(uint64_t v)
{
    char mine[32], ref[32];
    size_t n = text_fmt_u64(mine, v);
    snprintf(ref, sizeof ref, "%" PRIu64, v);
    CHECK_STR(mine, ref);
    CHECK(n == strlen(ref));
}

static void test_fmt_int(void)
{
    static const int64_t edges[] = {0,
                                    1,
                                    -1,
                                    9,
                                    10,
                                    -10,
                                    99,
                                    100,
                                    -100,
                                    12345,
                                    999999999,
                                    1000000000,
                                    4294967295,
                                    4294967296,
                                    -4294967296,
                                    INT64_MAX,
                                    INT64_MIN,
                                    INT64_MIN + 1,
                                    INT64_MAX - 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_i64(edges[i]);
    check_u64(0);
    check_u64(UINT64_MAX);
    /* Every power of ten and its neighbours: where the digit count changes. */
    int64_t p = 1;
    for (int k = 0; k < 19; k++) {
        check_i64(p);
        check_i64(p - 1);
        check_i64(p + 1);
        check_i64(-p);
        check_i64(-p + 1);
        if (k < 18)
            p *= 10; /* 10^19 would overflow */
    }
    /* A deterministic walk over the whole range (xorshift). */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_i64((int64_t)x);
        check_i64((int64_t)(x >> (x & 63)));
    }
    char out[32];
    CHECK(text_fmt_i64(out, INT64_MIN) == 20);
    CHECK_STR(out, "-9223372036854775808");
}

static void test_fmt_money(void)
{
    char out[32];
    struct {
        int64_t v;
        unsigned digits;
        const char *want;
    } cases[] = {
        {0, 2, "0.00"},
        {1, 2, "0.01"},
        {-1, 2, "-0.01"},
        {5, 2, "0.05"},
        {-5, 2, "-0.05"},
        {99, 2, "0.99"},
        {100, 2, "1.00"},
        {1234, 2, "12.34"},
        {-1234, 2, "-12.34"},
        {1230, 2, "12.30"},
        {0, 0, "0"},
        {1234, 0, "1234"},
        {-1234, 0, "-1234"},
        {0, 3, "0.000"},
        {7, 3, "0.007"},
        {-7, 3, "-0.007"},
        {1234, 3, "1.234"},
        {1000, 3, "1.000"},
        {-100000, 3, "-100.000"},
        {INT64_MAX, 2, "92233720368547758.07"},
        {INT64_MIN, 2, "-92233720368547758.08"},
        {INT64_MIN, 0, "-9223372036854775808"},
        {INT64_MAX, 3, "9223372036854775.807"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = text_fmt_fixed(out, cases[i].v, cases[i].digits);
        CHECK_STR(out, cases[i].want);
        CHECK(n == strlen(cases[i].want));
    }
    /* Against printf for 2 and 3 digits over a range of amounts. */
    char ref[48];
    for (int64_t v = -100500; v <= 100500; v += 7) {
        int64_t a = v < 0 ? -v : v;
        text_fmt_fixed(out, v, 2);
        snprintf(ref, sizeof ref, "%s%" PRId64 ".%02" PRId64, v < 0 ? "-" : "", a / 100, a % 100);
        CHECK_STR(out, ref);
        text_fmt_fixed(out, v, 3);
        snprintf(ref, sizeof ref, "%s%" PRId64 ".%03" PRId64, v < 0 ? "-" : "", a / 1000, a % 1000);
        CHECK_STR(out, ref);
    }
}

/* jw_double's printf-free path must print what "%.15g" prints, for every value. */
static void check_double(double v)
{
    jw w;
    char ref[40];
    jw_init(&w, 8);
    jw_double(&w, v);
    snprintf(ref, sizeof ref, "%.15g", isfinite(v) ? v : 0.0);
    CHECK_STR(jw_cstr(&w), ref);
    jw_free(&w);
}

static void test_fmt_double(void)
{
    static const double edges[] = {0.0,       -0.0,
                                   1.0,       -1.0,
                                   4.5,       4.3,
                                   0.1,       0.2,
                                   0.3,       0.7,
                                   2.675,     1.005,
                                   0.001,     -0.001,
                                   0.0001,    0.00012,
                                   1e-5,      123.456,
                                   1e14,      1e15 - 1,
                                   1e15,      1e15 + 0.5,
                                   1e16,      1e300,
                                   -1e300,    5e-324,
                                   1.0 / 3,   2.0 / 3,
                                   9.995,     99999.999,
                                   NAN,       INFINITY,
                                   -INFINITY, 3.14159265358979};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_double(edges[i]);
    /* Ratings as the handlers compute them: (total * 10 / count) / 10.0. */
    for (int t = 0; t <= 50; t++)
        check_double((double)t / 10.0);
    for (int i = -200000; i <= 200000; i += 3) {
        check_double((double)i / 1000.0);
        check_double((double)i / 100.0);
        check_double((double)i / 7.0);
    }
}

static void test_hash(void)
{
    /* Deterministic and unseeded: these values are what every instance computes (ETags
     * agree between instances); a change here changes every ETag and cursor fingerprint. */
    CHECK(text_hash64("", 0) == text_hash64("", 0));
    uint64_t empty = text_hash64("", 0), a = text_hash64("a", 1);
    CHECK(empty != a);
    CHECK(fnv1a64("abc", 3) == text_hash64("abc", 3));
    /* Pinned values: a change to the function must be deliberate (it changes every ETag
     * and invalidates cursors in flight), and big-endian machines must agree. */
    CHECK(text_hash64("storefront", 10) == 0xf68d78348d71d5b1ull);
    CHECK(text_hash64("0123456789abcdefXYZ", 19) == 0x7c8c0e139b0262c1ull);
    /* Every length from 0 to 64 (the word loop and each tail size), and trailing zero
     * bytes, give distinct values: the length is mixed in. */
    unsigned char buf[128];
    memset(buf, 0, sizeof buf);
    uint64_t seen[65];
    for (size_t n = 0; n <= 64; n++) {
        seen[n] = text_hash64(buf, n);
        for (size_t m = 0; m < n; m++)
            CHECK(seen[m] != seen[n]);
    }
    /* One flipped bit anywhere changes the hash, and about half its bits. */
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    uint64_t base = text_hash64(buf, sizeof buf);
    int total = 0, flips = 0;
    for (size_t i = 0; i < sizeof buf; i++) {
        for (int b = 0; b < 8; b++) {
            buf[i] ^= (unsigned char)(1u << b);
            uint64_t h = text_hash64(buf, sizeof buf);
            buf[i] ^= (unsigned char)(1u << b);
            CHECK(h != base);
            total += __builtin_popcountll(h ^ base);
            flips++;
        }
    }
    double mean = (double)total / flips;
    CHECK(mean > 28 && mean < 36);
    /* The same bytes at another address (alignment) hash the same. */
    unsigned char copy[sizeof buf + 1];
    memcpy(copy + 1, buf, sizeof buf);
    CHECK(text_hash64(copy + 1, sizeof buf) == base);
}

static uint32_t unsafe(const char *s, bool multiline)
{
    return text_unsafe_char(s, strlen(s), multiline);
}

/* What staff see must be what was written (issue #11, "text that staff read"). */
static void test_unsafe_chars(void)
{
    CHECK(unsafe("ThinkPad X1 Carbon \xe2\x80\x94 caf\xc3\xa9 \xf0\x9f\x96\xb1", false) == 0);
    CHECK(unsafe("line one\nline two\ttab", true) == 0);
    CHECK(unsafe("line one\nline two", false) == '\n');
    CHECK(unsafe("tab\there", false) == '\t');
    CHECK(unsafe("bell\x07", true) == 0x07);
    CHECK(unsafe("del\x7f", true) == 0x7f);
    CHECK(unsafe("c1 \xc2\x85", true) == 0x85);
    CHECK(unsafe("evil\xe2\x80\xaegpj.exe", true) == 0x202E); /* RLO */
    CHECK(unsafe("isolate\xe2\x81\xa6x", true) == 0x2066);    /* LRI */
    CHECK(unsafe("mark\xe2\x80\x8f", true) == 0x200F);        /* RLM */
    CHECK(unsafe("zero\xe2\x80\x8bwidth", true) == 0x200B);   /* ZWSP */
    CHECK(unsafe("joiner\xe2\x81\xa0", true) == 0x2060);      /* word joiner */
    CHECK(unsafe("\xef\xbb\xbf"
                 "bom",
                 true) == 0xFEFF);
    CHECK(unsafe("sep\xe2\x80\xa8x", false) == 0x2028);
    CHECK(unsafe("sep\xe2\x80\xa8x", true) == 0);
    CHECK(unsafe("bad \xff", true) == 0xFFFD);
}

int main(void)
{
    test_utf8();
    test_percent();
    test_base64url();
    test_jsonw();
    test_fmt_int();
    test_fmt_money();
    test_fmt_double();
    test_hash();
    test_unsafe_chars();
    return check_done();
}
