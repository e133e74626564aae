/*
 * error.h — the one error currency of the service and db layers.
 *
 * Functions return an sf_status and fill an sf_error; api/http/problem.c is the only
 * place that turns it into an HTTP status and an application/problem+json body.
 * `code` is a short stable slug (e.g. "invalid-parameter") that becomes the problem
 * type URI; `detail` is safe to show to clients; anything sensitive (SQL text,
 * PQerrorMessage) goes to the log, never into an sf_error.
 */
#ifndef STOREFRONT_ERROR_H
#define STOREFRONT_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum sf_status {
    SF_OK = 0,
    SF_INVALID,         /* 400: the caller sent something we cannot accept */
    SF_UNAUTHENTICATED, /* 401 */
    SF_FORBIDDEN,       /* 403 */
    SF_NOT_FOUND,       /* 404 */
    SF_CONFLICT,        /* 409 */
    SF_RATE_LIMITED,    /* 429 */
    SF_UNAVAILABLE,     /* 503: try again later (database down, pool exhausted) */
    SF_INTERNAL         /* 500: a bug or an unexpected failure; details only in the log */
} sf_status;

#define SF_MAX_FIELD_ERRORS 8

typedef struct sf_field_error {
    char field[64];
    char message[160];
} sf_field_error;

typedef struct sf_error {
    sf_status status;
    const char *code; /* static string: problem slug, NULL = default for status */
    char detail[256];
    int nfields;
    sf_field_error fields[SF_MAX_FIELD_ERRORS];
} sf_error;

/* Resets e to SF_OK with no detail and no field errors. */
void sf_error_clear(sf_error *e);

/* Sets status, code (static string or NULL) and a printf-style detail; returns status
 * so callers can write `return sf_fail(e, SF_NOT_FOUND, "not-found", "...")`. */
sf_status sf_fail(sf_error *e, sf_status status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds one {field, message} pair (silently ignores more than SF_MAX_FIELD_ERRORS) and
 * sets status to SF_INVALID with code "validation-error" if not already failed. */
void sf_field_fail(sf_error *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Name of a status for logs ("INVALID", "NOT_FOUND", ...). */
const char *sf_status_name(sf_status s);

#endif
