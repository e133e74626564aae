/*
 * reviews.h — product reviews (issue #11): the public pages of a product's reviews, a
 * signed-in shopper's own review (one per product: post, edit, delete) and staff
 * hiding. The product's rating (rating_count, rating_total) is kept by the database's
 * statement triggers (migration 0014), never by this code, so it stays exact under any
 * mix of concurrent posts, edits, deletes and hides.
 */
#ifndef STOREFRONT_REVIEWS_H
#define STOREFRONT_REVIEWS_H

#include <stdbool.h>
#include <stdint.h>

#include "storefront/arena.h"
#include "storefront/auth.h"
#include "storefront/db.h"
#include "storefront/db_gen.h"
#include "storefront/error.h"

#define SVC_REVIEW_TITLE_MAX 120  /* characters (code points) */
#define SVC_REVIEW_BODY_MAX  5000 /* characters (code points) */

typedef enum svc_review_sort {
    SVC_REVIEW_NEWEST = 0, /* the default */
    SVC_REVIEW_HIGHEST,
    SVC_REVIEW_LOWEST,
} svc_review_sort;

/* A review with its author as shoppers see them: the display name, or "Customer" when
 * the author has none (never an e-mail or a real name from Cognito). */
typedef struct svc_review {
    db_review r;
    const char *author_name;
} svc_review;

/* One page of reviews. rating_count/rating_total: the product's roll-up (public list
 * only). next_cursor NULL on the last page. Everything in the request's arena. */
typedef struct svc_review_page {
    svc_review *items;
    size_t n;
    const char *next_cursor;
    int32_t rating_count, rating_total;
} svc_review_page;

/* A new review (create: rating required; title and body default to "") or an edit
 * (any of the three, at least one). */
typedef struct svc_review_input {
    bool set_rating, set_title, set_body;
    int32_t rating;
    const char *title, *body;
} svc_review_input;

/* Parses a POST (create = true) or PATCH body: an object with rating (an integer 1..5),
 * title (a string of at most 120 characters, one line) and body (at most 5000
 * characters, line breaks allowed). Text is trimmed and must pass svc_text_safe.
 * Unknown fields, wrong types and an empty PATCH are field errors in e. Strings in a. */
sf_status svc_review_input_parse(arena *a, const char *body, size_t len, bool create,
                                 svc_review_input *out, sf_error *e);

/* The visible reviews of the storefront product `slug` in `sort` order, `limit` per
 * page after `cursor` (NULL = first page; a cursor is bound to its product and sort:
 * another one is a 400 naming "cursor"). SF_NOT_FOUND for an unknown or inactive
 * product. */
sf_status svc_reviews_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                           const char *slug, svc_review_sort sort, const char *cursor, int limit,
                           svc_review_page *out, sf_error *e);

/* Posts the caller's review of the storefront product `slug`; verified_purchase is
 * decided by the database at this moment (a paid or later order with the product).
 * SF_NOT_FOUND: no such product. SF_CONFLICT: the caller already reviewed it (the
 * detail names the review to edit instead). */
sf_status svc_review_create(db_pool *pool, arena *a, const auth_principal *who, const char *slug,
                            const svc_review_input *in, svc_review *out, sf_error *e);

/* The caller's review `id`, hidden or not; SF_NOT_FOUND when it does not exist or is
 * someone else's (the same answer, so ids reveal nothing). */
sf_status svc_review_get_own(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                             svc_review *out, sf_error *e);

/* Applies the caller's edit to their review `id`; SF_NOT_FOUND when it does not exist
 * or is someone else's (the same answer, so ids reveal nothing). */
sf_status svc_review_update(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                            const svc_review_input *in, svc_review *out, sf_error *e);

/* Deletes the caller's review `id`; SF_NOT_FOUND as svc_review_update. */
sf_status svc_review_delete(db_pool *pool, const auth_principal *who, int64_t id, sf_error *e);

/* Staff: hides (hidden = true) or shows review `id`; idempotent. SF_NOT_FOUND when
 * there is no such review. *out: the review after the change. */
sf_status svc_review_set_hidden(db_pool *pool, arena *a, int64_t id, bool hidden, svc_review *out,
                                sf_error *e);

/* Staff: every review, newest first; hidden < 0 = any, 0 = visible only, 1 = hidden
 * only; product_id 0 = any product. Cursor as svc_reviews_list (bound to the filters).
 * The page's rating fields are 0. */
sf_status svc_admin_reviews_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                 int hidden, int64_t product_id, const char *cursor, int limit,
                                 svc_review_page *out, sf_error *e);

#endif
