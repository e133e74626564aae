/*
 * test_text.c — UTF-8 validation, percent-decoding, base64url and the JSON writer:
 * the byte-level code every request's input and output passes through.
 */
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
    test_unsafe_chars();
    return check_done();
}
