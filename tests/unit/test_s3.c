/*
 * test_s3.c — the SigV4 query-string signer (api/service/s3.c) against the example in
 * AWS's "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)":
 * GET examplebucket/test.txt with the documentation's key pair, signed 2013-05-24
 * 00:00:00 UTC for 86400 s, whose documented signature is aeeed9bb…f604d404. Then the
 * shape of what the server hands out: path-style PUT URLs that sign content-length,
 * content-type and host, where another type or size gives another signature.
 */
#include <string.h>

#include "check.h"
#include "storefront/s3.h"

int main(void)
{
    arena *a = arena_new(0);

    s3_presign_req doc = {
        .method = "GET",
        .endpoint = "https://examplebucket.s3.amazonaws.com",
        .bucket = NULL,
        .key = "test.txt",
        .region = "us-east-1",
        .access_key = "AKIAIOSFODNN7EXAMPLE",
        .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        .now = 1369353600, /* 2013-05-24T00:00:00Z */
        .expires_s = 86400,
        .content_length = -1,
    };
    CHECK_STR(s3_presign_url(a, &doc),
              "https://examplebucket.s3.amazonaws.com/test.txt"
              "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
              "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
              "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
              "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

    /* What the upload route signs: path-style, content-length;content-type;host. */
    s3_presign_req put = {
        .method = "PUT",
        .endpoint = "http://127.0.0.1:4569",
        .bucket = "storefront-images",
        .key = "products/7/0123abcd.png",
        .region = "us-east-1",
        .access_key = "S3RVER",
        .secret_key = "S3RVER",
        .now = 1767225600, /* 2026-01-01T00:00:00Z */
        .expires_s = 300,
        .content_type = "image/png",
        .content_length = 1234,
    };
    const char *u = s3_presign_url(a, &put);
    CHECK(u &&
          strncmp(u, "http://127.0.0.1:4569/storefront-images/products/7/0123abcd.png?", 64) == 0);
    CHECK(u && strstr(u, "&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&"));
    CHECK(u && strstr(u, "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&"));
    CHECK(u && strstr(u, "X-Amz-Credential=S3RVER%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"));
    const char *sig = u ? strstr(u, "&X-Amz-Signature=") : NULL;
    CHECK(sig && strlen(sig) == strlen("&X-Amz-Signature=") + 64);

    /* Same request, another size or type: another signature (S3 refuses the swap). */
    s3_presign_req other = put;
    other.content_length = 1235;
    const char *u2 = s3_presign_url(a, &other);
    CHECK(u2 && sig && strcmp(strstr(u2, "&X-Amz-Signature="), sig) != 0);
    other = put;
    other.content_type = "image/jpeg";
    const char *u3 = s3_presign_url(a, &other);
    CHECK(u3 && sig && strcmp(strstr(u3, "&X-Amz-Signature="), sig) != 0);

    /* Temporary credentials travel as a signed query parameter, sorted in place. */
    other = put;
    other.session_token = "tok/en+=";
    const char *u4 = s3_presign_url(a, &other);
    CHECK(
        u4 &&
        strstr(u4, "&X-Amz-Expires=300&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-SignedHeaders="));

    /* Keys are encoded per segment; '/' stays. */
    other = put;
    other.key = "products/7/a b+c.png";
    const char *u5 = s3_presign_url(a, &other);
    CHECK(u5 && strstr(u5, "/storefront-images/products/7/a%20b%2Bc.png?"));

    /* Unusable arguments: no URL rather than a wrong one. */
    other = put;
    other.expires_s = 0;
    CHECK(s3_presign_url(a, &other) == NULL);
    other = put;
    other.endpoint = "127.0.0.1:4569";
    CHECK(s3_presign_url(a, &other) == NULL);
    other = put;
    other.secret_key = NULL;
    CHECK(s3_presign_url(a, &other) == NULL);

    arena_free(a);
    return check_done();
}
