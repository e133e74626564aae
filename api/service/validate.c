/*
 * validate.c — field checks shared by services (validate.h).
 */
#include <string.h>

#include "storefront/text.h"
#include "storefront/validate.h"

bool svc_text_safe(sf_error *e, const char *field, const char *s, bool multiline)
{
    if (!s)
        return true;
    uint32_t cp = text_unsafe_char(s, strlen(s), multiline);
    if (!cp)
        return true;
    sf_field_fail(e, field,
                  "must not contain control, invisible or bidirectional-override characters "
                  "(U+%04X)",
                  (unsigned)cp);
    return false;
}
