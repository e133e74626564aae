/*
 * fuzz_stripe_signature.c — the Stripe-Signature header of POST /v1/payments/webhook
 * (svc_webhook_verify in api/service/payments.c): "t=<unix>,v1=<hex>[,v1=…]" parsed
 * with the 4 KiB limit, the timestamp tolerance, then HMAC-SHA256 over "<t>.<body>".
 *
 * Input: one mode byte, one line that is the header value (a C string, as Ulfius hands
 * it over), then the raw body. With an odd mode byte this target appends a correct
 * signature for the body at its fixed clock (",t=<now>,v1=<hex>"), so the matching path
 * is reached too; a header that is only that must then verify.
 */
#include <openssl/hmac.h>
#include <stdio.h>

#include "fuzz_input.h"
#include "storefront/payments.h"

#define FUZZ_NOW  1780000000LL
#define TOLERANCE 300 /* STRIPE_WEBHOOK_TOLERANCE_SECONDS' default */

static const char secret[] = "whsec_fuzz_0123456789abcdef";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t mode = fuzz_byte(&in);
    char *header = fuzz_line(&in);
    size_t len;
    char *body = fuzz_rest(&in, &len);
    sf_error e;
    sf_error_clear(&e);
    if (mode & 1) {
        size_t hn = strlen(header);
        char prefix[32];
        int plen = snprintf(prefix, sizeof prefix, "%lld.", FUZZ_NOW);
        unsigned char *payload = malloc((size_t)plen + len + 1);
        memcpy(payload, prefix, (size_t)plen);
        if (len)
            memcpy(payload + plen, body, len);
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        HMAC(EVP_sha256(), secret, (int)strlen(secret), payload, (size_t)plen + len, mac, &maclen);
        free(payload);
        char *signed_header = malloc(hn + 128);
        int k = snprintf(signed_header, hn + 128, "%s,t=%lld,v1=", header, FUZZ_NOW);
        for (unsigned int i = 0; i < maclen; i++)
            k += snprintf(signed_header + k, 3, "%02x", mac[i]);
        sf_status s = svc_webhook_verify(secret, TOLERANCE, FUZZ_NOW, signed_header, body, len, &e);
        /* Nothing before the appended part may be needed: alone it always verifies. */
        if (hn == 0 && s != SF_OK)
            abort();
        free(signed_header);
    } else {
        svc_webhook_verify(secret, TOLERANCE, FUZZ_NOW, header, body, len, &e);
    }
    free(header);
    free(body);
    return 0;
}
