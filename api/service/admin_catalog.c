/*
 * admin_catalog.c — what the staff catalog services (admin_products.c, admin_variants.c,
 * admin_categories.c, admin_brands.c) share: slugs, the JSON field readers that name
 * every bad field, the one-transaction runner and the idempotent create.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storefront/admin_catalog.h"
#include "storefront/idempotency.h"
#include "storefront/jsonutil.h"
#include "storefront/text.h"
#include "storefront/validate.h"

typedef struct create_ctx {
    svc_admin_create_fn fn;
    void *ctx;
    svc_admin_doc doc;
} create_ctx;

static const char *fold_latin(const unsigned char *s, size_t *used);
static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e);

/* --- slugs ------------------------------------------------------------------------- */

/* Two-byte UTF-8 letters of Latin-1 Supplement and Latin Extended-A that have an
 * obvious ASCII spelling; anything else (CJK, symbols) becomes a separator. */
static const char *fold_latin(const unsigned char *s, size_t *used)
{
    static const char *const latin1[64] = {/* U+00C0 */ "a",
                                           "a",
                                           "a",
                                           "a",
                                           "a",
                                           "a",
                                           "ae",
                                           "c",
                                           "e",
                                           "e",
                                           "e",
                                           "e",
                                           "i",
                                           "i",
                                           "i",
                                           "i",
                                           /* U+00D0 */ "d",
                                           "n",
                                           "o",
                                           "o",
                                           "o",
                                           "o",
                                           "o",
                                           NULL,
                                           "o",
                                           "u",
                                           "u",
                                           "u",
                                           "u",
                                           "y",
                                           "th",
                                           "ss",
                                           /* U+00E0 */ "a",
                                           "a",
                                           "a",
                                           "a",
                                           "a",
                                           "a",
                                           "ae",
                                           "c",
                                           "e",
                                           "e",
                                           "e",
                                           "e",
                                           "i",
                                           "i",
                                           "i",
                                           "i",
                                           /* U+00F0 */ "d",
                                           "n",
                                           "o",
                                           "o",
                                           "o",
                                           "o",
                                           "o",
                                           NULL,
                                           "o",
                                           "u",
                                           "u",
                                           "u",
                                           "u",
                                           "y",
                                           "th",
                                           "y"};
    /* U+0100..U+017F: the base letter of each (Ā ā Ă ă Ą ą, Ć ć …, ſ). */
    static const char ext_a[] = "aaaaaa"
                                "cccccccc"
                                "dddd"
                                "eeeeeeeeee"
                                "gggggggg"
                                "hhhh"
                                "iiiiiiiiii"
                                "ii"
                                "jj"
                                "kkk"
                                "llllllllll"
                                "nnnnnnn"
                                "nn"
                                "oooooo"
                                "oo"
                                "rrrrrr"
                                "ssssssss"
                                "tttttt"
                                "uuuuuuuuuuuu"
                                "ww"
                                "yyy"
                                "zzzzzz"
                                "s";
    _Static_assert(sizeof ext_a == 129, "one letter per code point U+0100..U+017F");
    /* Single-letter strings "a", "b", … in one constant (no shared mutable buffer:
     * request threads call this concurrently). */
    static const char singles[] = "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0l\0m\0n\0o\0p\0q\0r\0s\0t\0u\0"
                                  "v\0w\0x\0y\0z";
    *used = 0;
    if (s[0] == 0xC3 && s[1] >= 0x80 && s[1] <= 0xBF) {
        *used = 2;
        return latin1[s[1] - 0x80];
    }
    if ((s[0] == 0xC4 || s[0] == 0xC5) && s[1] >= 0x80 && s[1] <= 0xBF) {
        unsigned cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        *used = 2;
        if (cp < 0x100 || cp - 0x100 >= sizeof ext_a - 1)
            return NULL;
        return &singles[(ext_a[cp - 0x100] - 'a') * 2];
    }
    return NULL;
}

char *svc_slugify(arena *a, const char *name)
{
    if (!name)
        return NULL;
    size_t n = strlen(name);
    char *out = arena_alloc(a, SVC_SLUG_MAX + 1);
    size_t k = 0;
    bool dash = false;
    for (size_t i = 0; i < n && k < SVC_SLUG_MAX;) {
        const unsigned char *s = (const unsigned char *)name + i;
        const char *add = NULL;
        char buf[2] = {0, 0};
        size_t used = 1;
        if (isalnum(s[0]) && s[0] < 0x80) {
            buf[0] = (char)tolower(s[0]);
            add = buf;
        } else if (s[0] >= 0x80) {
            add = i + 1 < n ? fold_latin(s, &used) : NULL;
            if (!used)
                used = utf8_seq_len(s, n - i) ? utf8_seq_len(s, n - i) : 1;
        }
        i += used;
        if (!add) {
            dash = k > 0;
            continue;
        }
        if (dash && k < SVC_SLUG_MAX)
            out[k++] = '-';
        dash = false;
        for (; *add && k < SVC_SLUG_MAX; add++)
            out[k++] = *add;
    }
    while (k > 0 && out[k - 1] == '-')
        k--;
    out[k] = '\0';
    return k ? out : NULL;
}

bool svc_slug_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SVC_SLUG_MAX || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok =
            (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && s[i + 1] != '-');
        if (!ok)
            return false;
    }
    return true;
}

/* --- field readers ----------------------------------------------------------------- */

bool svc_field_text(arena *a, sf_error *e, json_t *v, const char *field, size_t max, bool required,
                    bool multiline, const char **out)
{
    if (!json_is_string(v)) {
        sf_field_fail(e, field, "must be a string");
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (memchr(s, '\0', n)) {
        sf_field_fail(e, field, "must not contain NUL");
        return false;
    }
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    size_t chars = utf8_length(s, n);
    if (required && chars == 0) {
        sf_field_fail(e, field, "must not be empty");
        return false;
    }
    if (chars > max) {
        sf_field_fail(e, field, "must be at most %zu characters", max);
        return false;
    }
    char *copy = arena_strndup(a, s, n);
    if (!svc_text_safe(e, field, copy, multiline))
        return false;
    *out = copy;
    return true;
}

bool svc_field_int(sf_error *e, json_t *v, const char *field, int64_t min, int64_t max,
                   int64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        sf_field_fail(e, field, "must be an integer from %lld to %lld", (long long)min,
                      (long long)max);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool svc_field_bool(sf_error *e, json_t *v, const char *field, bool *out)
{
    if (!json_is_boolean(v)) {
        sf_field_fail(e, field, "must be true or false");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool svc_field_slug(sf_error *e, json_t *v, const char *field, const char **out)
{
    if (!json_is_string(v) || !svc_slug_valid(json_string_value(v))) {
        sf_field_fail(e, field,
                      "must be lower-case letters and digits separated by single dashes, at "
                      "most %d characters",
                      SVC_SLUG_MAX);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool svc_field_ids(arena *a, sf_error *e, json_t *v, const char *field, size_t max, int64_t **ids,
                   size_t *n)
{
    if (!json_is_array(v) || json_array_size(v) > max) {
        sf_field_fail(e, field, "must be an array of at most %zu ids", max);
        return false;
    }
    size_t count = json_array_size(v);
    int64_t *out = arena_alloc(a, (count ? count : 1) * sizeof *out);
    for (size_t i = 0; i < count; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_integer(x) || json_integer_value(x) < 1 ||
            json_integer_value(x) > 9007199254740991LL) {
            sf_field_fail(e, field, "must hold positive integer ids");
            return false;
        }
        out[i] = json_integer_value(x);
        for (size_t j = 0; j < i; j++) {
            if (out[j] == out[i]) {
                sf_field_fail(e, field, "must not repeat an id (%lld)", (long long)out[i]);
                return false;
            }
        }
    }
    *ids = out;
    *n = count;
    return true;
}

json_t *svc_admin_body(const char *body, size_t len, sf_error *e)
{
    json_t *j = json_parse_body(body, len, e);
    if (j && !json_is_object(j)) {
        json_decref(j);
        sf_fail(e, SF_INVALID, "bad-request", "The body must be a JSON object.");
        return NULL;
    }
    return j;
}

/* --- transactions and creates ------------------------------------------------------ */

sf_status svc_admin_tx(db_pool *pool, arena *a, svc_admin_step step, void *ctx, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = step(c, a, ctx, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    else
        db_rollback(c);
    db_pool_release(pool, c);
    return s;
}

static sf_status create_step(db_conn *c, arena *a, void *ctx, int64_t actor_id,
                             svc_idem_answer *out, sf_error *e)
{
    create_ctx *cc = ctx;
    sf_status s = cc->fn(c, a, cc->ctx, actor_id, &cc->doc, e);
    if (s == SF_OK) {
        out->status = 201;
        out->body = cc->doc.body;
    }
    return s;
}

sf_status svc_admin_create(db_pool *pool, arena *a, const auth_principal *who, const char *key,
                           const char *scope, const json_t *body, svc_admin_create_fn fn, void *ctx,
                           svc_admin_doc *out, sf_error *e)
{
    char hash[65];
    svc_idem_hash(scope, body, hash);
    create_ctx cc = {.fn = fn, .ctx = ctx};
    svc_idem_answer ans;
    memset(out, 0, sizeof *out);
    sf_status s = svc_idem_run(pool, a, who, key, hash, create_step, &cc, &ans, e);
    if (s != SF_OK)
        return s;
    out->body = ans.body;
    out->replayed = ans.replayed;
    /* A replay has only the stored body: its id and revision are in it. */
    json_t *j = json_loads(ans.body, 0, NULL);
    out->id = json_integer_value(json_object_get(j, "id"));
    out->revision = json_integer_value(json_object_get(j, "revision"));
    json_decref(j);
    return SF_OK;
}

sf_status svc_admin_stale(sf_error *e)
{
    return sf_fail(e, SF_CONFLICT, "precondition-failed",
                   "This resource changed since you read it (If-Match is stale): GET it "
                   "again and reapply your change.");
}

sf_status svc_admin_slug_taken(sf_error *e, const char *slug)
{
    return sf_fail(e, SF_CONFLICT, "conflict", "The slug \"%s\" is already taken.", slug);
}
