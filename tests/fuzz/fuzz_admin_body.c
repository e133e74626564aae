/*
 * fuzz_admin_body.c — the staff catalog's request bodies: POST/PATCH
 * /v1/admin/products (with their nested variants, the slug derived from the name) and
 * POST/PATCH /v1/admin/products/{id}/variants.
 *
 * The product decoder (parse_product) is static and its public callers open a
 * database transaction once the body is valid, so this file includes
 * api/service/admin_products.c to call it directly: the code under test is the
 * server's, compiled once more here, not a copy. Input: one selector byte (product or
 * variant, create or update), then the raw body bytes.
 */
#include "../../api/service/admin_products.c"

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t which = fuzz_byte(&in);
    bool create = (which & 1) == 0;
    size_t len;
    char *body = fuzz_rest(&in, &len);
    arena *a = arena_new(0);
    sf_error e;
    sf_error_clear(&e);

    /* As svc_admin_product_create/_update and svc_admin_variant_create/_update do,
     * up to the point where they would open a transaction. */
    json_t *j = svc_admin_body(body, len, &e);
    if (j) {
        if (which & 2) {
            svc_variant_input v;
            svc_admin_variant_parse(a, j, "", create, &v, &e);
        } else {
            product_input p;
            parse_product(a, j, create, &p, &e);
        }
        json_decref(j);
    }
    arena_free(a);
    free(body);
    return 0;
}
