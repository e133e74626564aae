/*
 * cognito_user.h — the caller's attributes from Cognito (GetUser), because access
 * tokens carry no e-mail or name. One bounded POST per call with libcurl; thread-safe.
 * See docs/customers.md for when the server calls it.
 */
#ifndef STOREFRONT_COGNITO_USER_H
#define STOREFRONT_COGNITO_USER_H

#include <stdbool.h>
#include <stddef.h>

#include "storefront/auth.h"

typedef enum cognito_user_result {
    COGNITO_USER_OK,
    COGNITO_USER_UNAVAILABLE, /* no answer: refused, timed out, 5xx, unreadable body */
    COGNITO_USER_REFUSED,     /* Cognito answered 4xx (revoked token, deleted user...) */
} cognito_user_result;

/* The attributes the shop keeps, sized to the customers columns (e-mail 254
 * characters of ASCII, name 200 characters of up to 4 bytes); `has_` false = Cognito
 * has none, or one too long to keep. */
typedef struct cognito_user {
    char email[255], name[801];
    bool has_email, has_name;
    bool email_verified, email_verified_known;
} cognito_user;

/* Calls GetUser at cfg->user_endpoint (which must be non-empty) with the caller's
 * access token, waiting at most cfg->profile_timeout_ms. On anything but
 * COGNITO_USER_OK, `why` gets one line for the log (never the token). */
cognito_user_result cognito_get_user(const auth_config *cfg, const char *access_token,
                                     cognito_user *out, char *why, size_t whylen);

#endif
