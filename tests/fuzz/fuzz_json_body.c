/*
 * fuzz_json_body.c — the JSON request-body decoders of the shop's own routes: carts,
 * checkout (signed-in and guest), quotes, addresses, the profile, reviews, the
 * wishlist merge, refunds, and json_parse_body under all of them.
 *
 * Input: one selector byte (which decoder, as the route would call it), then the raw
 * body bytes exactly as libmicrohttpd hands them over (not NUL-terminated). Each
 * decoder gets the limits the handlers pass with the default configuration.
 */
#include <jansson.h>

#include "fuzz_input.h"
#include "storefront/addresses.h"
#include "storefront/carts.h"
#include "storefront/customers.h"
#include "storefront/jsonutil.h"
#include "storefront/orders.h"
#include "storefront/quotes.h"
#include "storefront/refunds.h"
#include "storefront/reviews.h"
#include "storefront/wishlist.h"

/* CART_MAX_LINE_QUANTITY's default (api/config.c). */
#define MAX_LINE_QUANTITY 10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t which = fuzz_byte(&in);
    size_t len;
    char *body = fuzz_rest(&in, &len);
    arena *a = arena_new(0);
    sf_error e;
    sf_error_clear(&e);

    switch (which % 16) {
    case 0: {
        json_t *j = json_parse_body(body, len, &e);
        json_decref(j);
        break;
    }
    case 1: {
        svc_cart_item_input item;
        svc_cart_item_input_parse(a, body, len, MAX_LINE_QUANTITY, &item, &e);
        break;
    }
    case 2: {
        int quantity;
        svc_cart_quantity_parse(body, len, MAX_LINE_QUANTITY, &quantity, &e);
        break;
    }
    case 3: {
        const char *cart_id;
        svc_cart_merge_input_parse(a, body, len, &cart_id, &e);
        break;
    }
    case 4: {
        const char *code;
        svc_cart_discount_input_parse(a, body, len, &code, &e);
        break;
    }
    case 5: {
        svc_checkout_input co;
        svc_checkout_input_parse(a, body, len, &co, &e);
        break;
    }
    case 6: {
        svc_checkout_input co;
        svc_guest_checkout_input_parse(a, body, len, &co, &e);
        break;
    }
    case 7:
    case 8: {
        svc_quote_input q;
        svc_quote_input_parse(a, body, len, which % 16 == 8, &q, &e);
        break;
    }
    case 9:
    case 10: {
        svc_address_input ad;
        svc_address_input_parse(a, body, len, which % 16 == 9, &ad, &e);
        break;
    }
    case 11: {
        svc_profile_patch p;
        svc_profile_patch_parse(a, body, len, &p, &e);
        break;
    }
    case 12:
    case 13: {
        svc_review_input r;
        svc_review_input_parse(a, body, len, which % 16 == 12, &r, &e);
        break;
    }
    case 14: {
        int64_t *ids;
        size_t n;
        svc_wishlist_merge_parse(a, body, len, &ids, &n, &e);
        break;
    }
    default: {
        svc_refund_input r;
        svc_refund_input_parse(a, body, len, &r, &e);
        break;
    }
    }
    arena_free(a);
    free(body);
    return 0;
}
