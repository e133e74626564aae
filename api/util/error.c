/*
 * error.c — building sf_error values (see include/storefront/error.h).
 */
#include "storefront/error.h"

#include <stdio.h>
#include <string.h>

void sf_error_clear(sf_error *e)
{
    e->status = SF_OK;
    e->code = NULL;
    e->detail[0] = '\0';
    e->nfields = 0;
}

sf_status sf_fail(sf_error *e, sf_status status, const char *code, const char *fmt, ...)
{
    e->status = status;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    return status;
}

void sf_field_fail(sf_error *e, const char *field, const char *fmt, ...)
{
    if (e->status == SF_OK) {
        e->status = SF_INVALID;
        e->code = "validation-error";
        snprintf(e->detail, sizeof e->detail, "The request has invalid fields.");
    }
    if (e->nfields >= SF_MAX_FIELD_ERRORS)
        return;
    sf_field_error *f = &e->fields[e->nfields++];
    snprintf(f->field, sizeof f->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
}

const char *sf_status_name(sf_status s)
{
    switch (s) {
    case SF_OK: return "OK";
    case SF_INVALID: return "INVALID";
    case SF_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case SF_FORBIDDEN: return "FORBIDDEN";
    case SF_NOT_FOUND: return "NOT_FOUND";
    case SF_CONFLICT: return "CONFLICT";
    case SF_RATE_LIMITED: return "RATE_LIMITED";
    case SF_UNAVAILABLE: return "UNAVAILABLE";
    case SF_INTERNAL: return "INTERNAL";
    }
    return "UNKNOWN";
}
