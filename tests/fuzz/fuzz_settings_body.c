/*
 * fuzz_settings_body.c — the staff settings' request bodies: discount codes, shipping
 * methods and tax rates (POST/PATCH /v1/admin/discount-codes, /shipping-methods,
 * /tax-rates), each file's parse() (svc_settings_body, the field merge, the whole-row
 * checks), which its public create/update call before their transaction.
 *
 * The three parse() are static and share names with each other (parse, merge, render,
 * create_step, …), so each file is included under its own prefix: the code under test
 * is the server's, compiled once more here. Input: one selector byte (which resource,
 * create or update), then the raw body bytes.
 */
#define parse       discounts_parse
#define merge       discounts_merge
#define render      discounts_render
#define create_step discounts_create_step
#define update_tx   discounts_update_tx
#define delete_tx   discounts_delete_tx
#include "../../api/service/settings_discounts.c"
#undef parse
#undef merge
#undef render
#undef create_step
#undef update_tx
#undef delete_tx
#undef CURSOR_SORT
#undef MONEY_MAX
#undef INT4_MAX

#define parse       shipping_parse
#define merge       shipping_merge
#define render      shipping_render
#define create_step shipping_create_step
#define update_tx   shipping_update_tx
#define delete_tx   shipping_delete_tx
#include "../../api/service/settings_shipping.c"
#undef parse
#undef merge
#undef render
#undef create_step
#undef update_tx
#undef delete_tx
#undef CURSOR_SORT
#undef MONEY_MAX
#undef INT4_MAX

#define parse       tax_parse
#define render      tax_render
#define create_step tax_create_step
#define exists      tax_exists
#include "../../api/service/settings_tax.c"
#undef parse
#undef render
#undef create_step
#undef exists

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

    switch ((which >> 1) % 3) {
    case 0: {
        discount_input d;
        if (discounts_parse(a, body, len, create, &d, &e) == SF_OK)
            json_decref(d.j);
        break;
    }
    case 1: {
        shipping_input s;
        if (shipping_parse(a, body, len, create, &s, &e) == SF_OK)
            json_decref(s.j);
        break;
    }
    default: {
        db_tax_rate t;
        json_t *j = NULL;
        if (tax_parse(a, body, len, create, &t, &j, &e) == SF_OK)
            json_decref(j);
        break;
    }
    }
    arena_free(a);
    free(body);
    return 0;
}
