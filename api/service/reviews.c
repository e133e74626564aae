/*
 * reviews.c — product reviews (see reviews.h): input rules, the one-per-customer rule,
 * the author's own edits and deletes, staff hiding, and keyset pages.
 *
 * Nothing here adds or subtracts ratings. Every statement that changes a review fires
 * migration 0014's statement trigger, which moves products.rating_count/rating_total
 * by exactly that statement's difference while holding the product row's lock; so
 * concurrent posts, edits and hides of one product queue on that row and each adds
 * its own part (a recount would read a snapshot that misses a review committed while
 * this one waited). Each change is therefore one statement, with no transaction of
 * ours around it. The second review of one customer for one product is refused by the
 * unique key (ON CONFLICT DO NOTHING), which also settles two concurrent first posts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/catalog.h"
#include "storefront/db_addresses.h"
#include "storefront/db_guest_orders.h"
#include "storefront/jsonutil.h"
#include "storefront/queries_gen.h"
#include "storefront/reviews.h"
#include "storefront/text.h"
#include "storefront/validate.h"

/* Cursor namespaces (svc_cursor_encode's sort byte), apart from products (< 100),
 * customers (100) and orders (101, 102). */
#define REVIEW_CURSOR_SORT       110 /* + svc_review_sort */
#define ADMIN_REVIEW_CURSOR_SORT 113

static void parse_field(arena *a, const char *key, json_t *v, svc_review_input *p, sf_error *e);
static bool parse_text(arena *a, json_t *v, const char *field, size_t max, bool multiline,
                       const char **out, sf_error *e);
static sf_status customer_id(db_conn *c, const auth_principal *who, int64_t *id, sf_error *e);
static sf_status read_review(db_conn *c, arena *a, int64_t id, svc_review *out, sf_error *e);
static sf_status no_review(sf_error *e);
static sf_status fetch_page(db_conn *c, arena *a, int64_t product_id, svc_review_sort sort,
                            int64_t after_id, int32_t after_rating, int64_t after_us, int max_rows,
                            svc_review_page *out, int64_t **us, sf_error *e);

sf_status svc_review_input_parse(arena *a, const char *body, size_t len, bool create,
                                 svc_review_input *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = json_parse_body(body, len, e);
    if (!j)
        return e->status;
    if (!json_is_object(j)) {
        json_decref(j);
        return sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        parse_field(a, key, v, out, e);
    }
    json_decref(j);
    if (create && !out->set_rating && e->status == SF_OK)
        sf_field_fail(e, "rating", "is required: an integer from 1 to 5");
    if (!create && !out->set_rating && !out->set_title && !out->set_body && e->status == SF_OK)
        sf_field_fail(e, "body", "must change at least one of rating, title, body");
    if (create && e->status == SF_OK) {
        if (!out->set_title)
            out->title = "";
        if (!out->set_body)
            out->body = "";
    }
    return e->status;
}

sf_status svc_reviews_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                           const char *slug, svc_review_sort sort, const char *cursor, int limit,
                           svc_review_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_review_product_row p = {0};
    sf_status s = q_review_product(c, &(q_review_product_params){.slug = slug}, &p, e);
    if (s == SF_NOT_FOUND) {
        sf_error_clear(e);
        s = sf_fail(e, SF_NOT_FOUND, "not-found", "No such product.");
    }
    /* The cursor carries the last row's "rating:created_us" and id, bound to this
     * product (fingerprint) and this sort (sort byte). */
    int64_t after_id = 0, after_us = 0;
    long after_rating = 0;
    const char *key = NULL;
    if (s == SF_OK && cursor) {
        char *end = NULL;
        bool ok = svc_cursor_decode(a, cursor_key, cursor, REVIEW_CURSOR_SORT + (int)sort,
                                    (uint64_t)p.id, &key, &after_id) &&
                  key;
        if (ok) {
            after_rating = strtol(key, &end, 10);
            ok = *end == ':' && after_rating >= 1 && after_rating <= 5;
        }
        if (ok) {
            after_us = strtoll(end + 1, &end, 10);
            ok = *end == '\0' && after_id > 0;
        }
        if (!ok) {
            sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
            s = SF_INVALID;
        }
    }
    int64_t *us = NULL;
    if (s == SF_OK)
        s = fetch_page(c, a, p.id, sort, after_id, (int32_t)after_rating, after_us, limit + 1, out,
                       &us, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    out->rating_count = p.rating_count;
    out->rating_total = p.rating_total;
    /* One extra row says whether another page exists. */
    if (out->n > (size_t)limit) {
        out->n = (size_t)limit;
        const db_review *last = &out->items[out->n - 1].r;
        out->next_cursor = svc_cursor_encode(
            a, cursor_key, REVIEW_CURSOR_SORT + (int)sort, (uint64_t)p.id,
            arena_sprintf(a, "%d:%lld", (int)last->rating, (long long)us[out->n - 1]), last->id);
    }
    return SF_OK;
}

sf_status svc_review_create(db_pool *pool, arena *a, const auth_principal *who, const char *slug,
                            const svc_review_input *in, svc_review *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    q_review_product_row p = {0};
    q_review_insert_row row = {0};
    /* verified_purchase counts the author's orders: first make theirs the guest orders
     * placed with their verified e-mail (as /v1/me/orders does), so a guest buyer who
     * signs in and reviews before opening their orders still gets the badge. */
    long claimed = 0;
    sf_status s = db_guest_orders_claim_by_sub(c, who->sub, &claimed, e);
    if (s == SF_OK)
        s = customer_id(c, who, &cid, e);
    if (s == SF_OK && (s = q_review_product(c, &(q_review_product_params){.slug = slug}, &p, e)) ==
                          SF_NOT_FOUND) {
        sf_error_clear(e);
        s = sf_fail(e, SF_NOT_FOUND, "not-found", "No such product.");
    }
    if (s != SF_OK) {
        db_pool_release(pool, c);
        return s;
    }
    s = q_review_insert(c,
                        &(q_review_insert_params){.product_id = p.id,
                                                  .customer_id = cid,
                                                  .rating = in->rating,
                                                  .title = in->title,
                                                  .body = in->body},
                        &row, e);
    if (s == SF_NOT_FOUND) {
        /* ON CONFLICT DO NOTHING inserted nothing: this customer's review exists. */
        sf_error_clear(e);
        q_review_id_by_author_row prior = {0};
        q_review_id_by_author(
            c, &(q_review_id_by_author_params){.product_id = p.id, .customer_id = cid}, &prior, e);
        sf_error_clear(e);
        s = sf_fail(e, SF_CONFLICT, "conflict",
                    "You have already reviewed this product (review %lld); edit it with PATCH "
                    "/v1/me/reviews/%lld instead.",
                    (long long)prior.id, (long long)prior.id);
    }
    if (s == SF_OK)
        s = read_review(c, a, row.id, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_review_get_own(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                             svc_review *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    sf_status s = customer_id(c, who, &cid, e);
    if (s == SF_OK)
        s = read_review(c, a, id, out, e);
    if (s == SF_OK && out->r.customer_id != cid)
        s = no_review(e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_review_update(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                            const svc_review_input *in, svc_review *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    long rows = 0;
    sf_status s = customer_id(c, who, &cid, e);
    if (s == SF_OK)
        s = q_review_update_own(
            c,
            &(q_review_update_own_params){.rating = in->rating,
                                          .rating_is_null = !in->set_rating,
                                          .title = in->set_title ? in->title : NULL,
                                          .body = in->set_body ? in->body : NULL,
                                          .id = id,
                                          .customer_id = cid},
            &rows, e);
    if (s == SF_OK && rows == 0)
        s = no_review(e);
    if (s == SF_OK)
        s = read_review(c, a, id, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_review_delete(db_pool *pool, const auth_principal *who, int64_t id, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t cid = 0;
    long rows = 0;
    sf_status s = customer_id(c, who, &cid, e);
    if (s == SF_OK)
        s = q_review_delete_own(c, &(q_review_delete_own_params){.id = id, .customer_id = cid},
                                &rows, e);
    if (s == SF_OK && rows == 0)
        s = no_review(e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_review_set_hidden(db_pool *pool, arena *a, int64_t id, bool hidden, svc_review *out,
                                sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    long rows = 0;
    sf_status s =
        q_review_set_hidden(c, &(q_review_set_hidden_params){.hidden = hidden, .id = id}, &rows, e);
    /* No row changed: either it is already in that state (fine, idempotent) or it does
     * not exist; read_review tells them apart. */
    if (s == SF_OK)
        s = read_review(c, a, id, out, e);
    db_pool_release(pool, c);
    return s;
}

sf_status svc_admin_reviews_list(db_pool *pool, const unsigned char cursor_key[32], arena *a,
                                 int hidden, int64_t product_id, const char *cursor, int limit,
                                 svc_review_page *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    char fpbuf[48];
    snprintf(fpbuf, sizeof fpbuf, "%d|%lld", hidden, (long long)product_id);
    uint64_t fp = fnv1a64(fpbuf, strlen(fpbuf));
    int64_t before = 0;
    const char *unused = NULL;
    if (cursor && (!svc_cursor_decode(a, cursor_key, cursor, ADMIN_REVIEW_CURSOR_SORT, fp, &unused,
                                      &before) ||
                   before <= 0)) {
        sf_field_fail(e, "cursor", "is malformed, expired, or from a different query");
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    q_admin_reviews_page_row *rows = NULL;
    size_t n = 0;
    sf_status s = q_admin_reviews_page(c, a,
                                       &(q_admin_reviews_page_params){.hidden = hidden > 0,
                                                                      .hidden_is_null = hidden < 0,
                                                                      .product_id = product_id,
                                                                      .before_id = before,
                                                                      .max_rows = limit + 1},
                                       &rows, &n, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    out->items = arena_calloc(a, (n ? n : 1) * sizeof *out->items);
    for (size_t i = 0; i < n; i++)
        out->items[i] = (svc_review){.r = rows[i].review, .author_name = rows[i].author_name};
    out->n = n;
    if (out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->next_cursor = svc_cursor_encode(a, cursor_key, ADMIN_REVIEW_CURSOR_SORT, fp, "",
                                             out->items[out->n - 1].r.id);
    }
    return SF_OK;
}

/* --- static helpers ----------------------------------------------------------------- */

/* The three orders are three statements (each walks its index); their rows have the
 * same columns, copied into svc_review plus the keyset's created_us. */
static sf_status fetch_page(db_conn *c, arena *a, int64_t product_id, svc_review_sort sort,
                            int64_t after_id, int32_t after_rating, int64_t after_us, int max_rows,
                            svc_review_page *out, int64_t **us, sf_error *e)
{
    size_t n = 0;
    sf_status s;
#define COPY_ROWS(rows)                                                                            \
    do {                                                                                           \
        out->items = arena_calloc(a, (n ? n : 1) * sizeof *out->items);                            \
        *us = arena_calloc(a, (n ? n : 1) * sizeof **us);                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            out->items[i] =                                                                        \
                (svc_review){.r = (rows)[i].review, .author_name = (rows)[i].author_name};         \
            (*us)[i] = (rows)[i].created_us;                                                       \
        }                                                                                          \
        out->n = n;                                                                                \
    } while (0)
    if (sort == SVC_REVIEW_HIGHEST) {
        q_reviews_page_highest_row *rows = NULL;
        s = q_reviews_page_highest(c, a,
                                   &(q_reviews_page_highest_params){.product_id = product_id,
                                                                    .after_id = after_id,
                                                                    .after_rating = after_rating,
                                                                    .after_us = after_us,
                                                                    .max_rows = max_rows},
                                   &rows, &n, e);
        if (s == SF_OK)
            COPY_ROWS(rows);
    } else if (sort == SVC_REVIEW_LOWEST) {
        q_reviews_page_lowest_row *rows = NULL;
        s = q_reviews_page_lowest(c, a,
                                  &(q_reviews_page_lowest_params){.product_id = product_id,
                                                                  .after_id = after_id,
                                                                  .after_rating = after_rating,
                                                                  .after_us = after_us,
                                                                  .max_rows = max_rows},
                                  &rows, &n, e);
        if (s == SF_OK)
            COPY_ROWS(rows);
    } else {
        q_reviews_page_newest_row *rows = NULL;
        s = q_reviews_page_newest(c, a,
                                  &(q_reviews_page_newest_params){.product_id = product_id,
                                                                  .after_id = after_id,
                                                                  .after_us = after_us,
                                                                  .max_rows = max_rows},
                                  &rows, &n, e);
        if (s == SF_OK)
            COPY_ROWS(rows);
    }
#undef COPY_ROWS
    return s;
}

static sf_status customer_id(db_conn *c, const auth_principal *who, int64_t *id, sf_error *e)
{
    return db_customer_id_by_sub(c, who->sub, id, e);
}

static sf_status read_review(db_conn *c, arena *a, int64_t id, svc_review *out, sf_error *e)
{
    q_review_get_row row;
    memset(&row, 0, sizeof row);
    sf_status s = q_review_get(c, a, &(q_review_get_params){.id = id}, &row, e);
    if (s == SF_NOT_FOUND)
        return no_review(e);
    if (s == SF_OK)
        *out = (svc_review){.r = row.review, .author_name = row.author_name};
    return s;
}

static sf_status no_review(sf_error *e)
{
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such review.");
}

static void parse_field(arena *a, const char *key, json_t *v, svc_review_input *p, sf_error *e)
{
    if (strcmp(key, "rating") == 0) {
        json_int_t r = json_is_integer(v) ? json_integer_value(v) : 0;
        if (r < 1 || r > 5) {
            sf_field_fail(e, "rating", "must be an integer from 1 to 5");
            return;
        }
        p->set_rating = true;
        p->rating = (int32_t)r;
    } else if (strcmp(key, "title") == 0) {
        p->set_title = parse_text(a, v, "title", SVC_REVIEW_TITLE_MAX, false, &p->title, e);
    } else if (strcmp(key, "body") == 0) {
        p->set_body = parse_text(a, v, "body", SVC_REVIEW_BODY_MAX, true, &p->body, e);
    } else {
        sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
    }
}

/* A string, trimmed, of at most max characters (empty is fine: a rating alone is a
 * review), that staff and shoppers can be shown safely. True when valid. */
static bool parse_text(arena *a, json_t *v, const char *field, size_t max, bool multiline,
                       const char **out, sf_error *e)
{
    *out = NULL;
    if (!json_is_string(v)) {
        sf_field_fail(e, field, "must be a string");
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (memchr(s, '\0', n)) {
        sf_field_fail(e, field, "must not contain NUL characters");
        return false;
    }
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (utf8_length(s, n) > max) {
        sf_field_fail(e, field, "must be at most %zu characters", max);
        return false;
    }
    *out = arena_strndup(a, s, n);
    return svc_text_safe(e, field, *out, multiline);
}
