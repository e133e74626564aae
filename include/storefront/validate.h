/*
 * validate.h — field checks shared by the services that take text from people and show
 * it to others (issue #11): one message for the same mistake everywhere.
 */
#ifndef STOREFRONT_VALIDATE_H
#define STOREFRONT_VALIDATE_H

#include <stdbool.h>

#include "storefront/error.h"

/* False (and a field error naming `field` and the code point, e.g. "must not contain
 * control, invisible or bidirectional-override characters (U+202E)") when s contains
 * what text_unsafe_char refuses. NULL is fine. `multiline` allows tab and line breaks. */
bool svc_text_safe(sf_error *e, const char *field, const char *s, bool multiline);

#endif
