/*
 * addresses.c — the signed-in customer's address book: input validation, the default
 * rules and the 50-address cap (see addresses.h).
 *
 * Every change runs in one transaction that first locks the caller's customer row
 * (db_customer_lock_by_sub). That one lock, always taken first, serializes changes to
 * one customer's addresses: concurrent "make this the default" requests queue instead
 * of racing into the one-default unique index (no 500, no deadlock), and the count
 * check of the cap cannot be overtaken. Different customers never wait on each other.
 * Single-row reads and writes use the generated db_address_* functions.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storefront/addresses.h"
#include "storefront/db_addresses.h"
#include "storefront/jsonutil.h"
#include "storefront/text.h"
#include "storefront/validate.h"

typedef sf_status (*tx_step)(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e);

typedef struct change_arg {
    int64_t id;
    const svc_address_input *in;
    db_address *out;
} change_arg;

static sf_status in_customer_tx(db_pool *pool, arena *a, const auth_principal *who, tx_step step,
                                void *arg, sf_error *e);
static sf_status create_step(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e);
static sf_status update_step(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e);
static sf_status delete_step(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e);
static void apply_input(db_address *row, const svc_address_input *in);
static void parse_field(arena *a, const char *key, json_t *v, svc_address_input *p, sf_error *e);
static bool parse_text(arena *a, json_t *v, const char *field, size_t max, bool nullable,
                       const char **out, sf_error *e);
static void parse_phone(arena *a, json_t *v, svc_address_input *p, sf_error *e);
static void parse_postal_code(arena *a, json_t *v, svc_address_input *p, sf_error *e);
static void parse_country(arena *a, json_t *v, svc_address_input *p, sf_error *e);
static int by_default_then_newest(const void *x, const void *y);
static const char *now_rfc3339(arena *a);

/* --- input ------------------------------------------------------------------------ */

sf_status svc_address_input_parse(arena *a, const char *body, size_t len, bool create,
                                  svc_address_input *out, sf_error *e)
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
    if (create) {
        if (!out->set_line1)
            sf_field_fail(e, "line1", "is required");
        if (!out->set_city)
            sf_field_fail(e, "city", "is required");
        if (!out->set_country)
            sf_field_fail(e, "country", "is required");
    }
    return e->status;
}

/* --- operations ------------------------------------------------------------------- */

sf_status svc_addresses_list(db_pool *pool, arena *a, const auth_principal *who, db_address **items,
                             size_t *n, sf_error *e)
{
    *items = NULL;
    *n = 0;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id;
    sf_status s = db_customer_id_by_sub(c, who->sub, &customer_id, e);
    if (s == SF_OK)
        s = db_address_list_by_customer_id(c, a, customer_id, NULL, SVC_ADDRESS_MAX, items, n, e);
    db_pool_release(pool, c);
    if (s == SF_NOT_FOUND) {
        /* No customer row (yet): nobody has addresses before their first request. */
        sf_error_clear(e);
        return SF_OK;
    }
    if (s == SF_OK && *n > 1)
        qsort(*items, *n, sizeof **items, by_default_then_newest);
    return s;
}

sf_status svc_address_get(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                          db_address *out, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id;
    sf_status s = db_customer_id_by_sub(c, who->sub, &customer_id, e);
    if (s == SF_OK)
        s = svc_address_get_owned(c, a, customer_id, id, out, e);
    else if (s == SF_NOT_FOUND)
        s = (sf_error_clear(e), sf_fail(e, SF_NOT_FOUND, "not-found", "No such address."));
    db_pool_release(pool, c);
    return s;
}

sf_status svc_address_create(db_pool *pool, arena *a, const auth_principal *who,
                             const svc_address_input *in, db_address *out, sf_error *e)
{
    change_arg arg = {.in = in, .out = out};
    return in_customer_tx(pool, a, who, create_step, &arg, e);
}

sf_status svc_address_update(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                             const svc_address_input *in, db_address *out, sf_error *e)
{
    change_arg arg = {.id = id, .in = in, .out = out};
    return in_customer_tx(pool, a, who, update_step, &arg, e);
}

sf_status svc_address_delete(db_pool *pool, arena *a, const auth_principal *who, int64_t id,
                             sf_error *e)
{
    change_arg arg = {.id = id};
    return in_customer_tx(pool, a, who, delete_step, &arg, e);
}

/* --- transaction steps ------------------------------------------------------------ */

/* BEGIN, lock the caller's customer row, run step, COMMIT (ROLLBACK on any error). */
static sf_status in_customer_tx(db_pool *pool, arena *a, const auth_principal *who, tx_step step,
                                void *arg, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    int64_t customer_id = 0;
    sf_status s = db_begin(c, e);
    if (s == SF_OK)
        s = db_customer_lock_by_sub(c, who->sub, &customer_id, e);
    if (s == SF_OK)
        s = step(c, a, customer_id, arg, e);
    if (s == SF_OK)
        s = db_commit(c, e);
    if (s != SF_OK)
        db_rollback(c);
    db_pool_release(pool, c);
    return s;
}

static sf_status create_step(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e)
{
    change_arg *ca = arg;
    int n;
    sf_status s = db_address_count(c, customer_id, &n, e);
    if (s != SF_OK)
        return s;
    if (n >= SVC_ADDRESS_MAX)
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "You already have %d addresses, the most one customer may keep; delete "
                       "one first.",
                       SVC_ADDRESS_MAX);
    /* The first address is the default whatever the request says; a later one takes
     * over the default only when asked to. */
    bool make_default = n == 0 || (ca->in->set_is_default && ca->in->is_default);
    if (make_default && n > 0 && (s = db_address_clear_default(c, customer_id, 0, e)) != SF_OK)
        return s;
    db_address row = {
        .customer_id = customer_id,
        .name_is_null = true,
        .phone_is_null = true,
        .line2_is_null = true,
        .region_is_null = true,
        .postal_code_is_null = true,
    };
    apply_input(&row, ca->in);
    row.is_default = make_default;
    row.is_default_is_set = true;
    return db_address_insert(c, a, &row, ca->out, e);
}

static sf_status update_step(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e)
{
    change_arg *ca = arg;
    db_address row;
    sf_status s = svc_address_get_owned(c, a, customer_id, ca->id, &row, e);
    if (s != SF_OK)
        return s;
    if (ca->in->set_is_default && ca->in->is_default && !row.is_default) {
        if ((s = db_address_clear_default(c, customer_id, row.id, e)) != SF_OK)
            return s;
        row.is_default = true;
    } else if (ca->in->set_is_default && !ca->in->is_default && row.is_default) {
        /* Switching the default off would leave the customer without one. */
        return sf_fail(e, SF_CONFLICT, "conflict",
                       "This is the default address; to change that, set is_default on "
                       "another address.");
    }
    apply_input(&row, ca->in);
    row.updated_at = (char *)now_rfc3339(a);
    return db_address_update(c, a, &row, ca->out, e);
}

static sf_status delete_step(db_conn *c, arena *a, int64_t customer_id, void *arg, sf_error *e)
{
    change_arg *ca = arg;
    db_address row;
    sf_status s = svc_address_get_owned(c, a, customer_id, ca->id, &row, e);
    if (s == SF_OK)
        s = db_address_delete(c, row.id, e);
    if (s == SF_OK && row.is_default)
        s = db_address_promote_newest(c, customer_id, e);
    return s;
}

/* The address with this id when it belongs to the customer. Someone else's address
 * answers exactly like a missing one, so ids reveal nothing about other customers. */
sf_status svc_address_get_owned(db_conn *c, arena *a, int64_t customer_id, int64_t id,
                                db_address *out, sf_error *e)
{
    sf_status s = db_address_get(c, a, id, out, e);
    if (s == SF_OK && out->customer_id == customer_id)
        return SF_OK;
    if (s != SF_OK && s != SF_NOT_FOUND)
        return s;
    sf_error_clear(e);
    return sf_fail(e, SF_NOT_FOUND, "not-found", "No such address.");
}

static void apply_input(db_address *row, const svc_address_input *in)
{
#define APPLY_OPTIONAL(f)                                                                          \
    if (in->set_##f) {                                                                             \
        row->f = (char *)in->f;                                                                    \
        row->f##_is_null = in->f == NULL;                                                          \
    }
    APPLY_OPTIONAL(name)
    APPLY_OPTIONAL(phone)
    APPLY_OPTIONAL(line2)
    APPLY_OPTIONAL(region)
    APPLY_OPTIONAL(postal_code)
#undef APPLY_OPTIONAL
    if (in->set_line1)
        row->line1 = (char *)in->line1;
    if (in->set_city)
        row->city = (char *)in->city;
    if (in->set_country)
        row->country = (char *)in->country;
}

/* --- field parsers ---------------------------------------------------------------- */

static void parse_field(arena *a, const char *key, json_t *v, svc_address_input *p, sf_error *e)
{
    if (strcmp(key, "name") == 0) {
        p->set_name = parse_text(a, v, "name", 100, true, &p->name, e);
        /* A blank name is a mistake, not a way to clear it (null is). */
        if (p->set_name && json_is_string(v) && !p->name) {
            p->set_name = false;
            sf_field_fail(e, "name", "must be 1 to 100 characters, or null");
        }
    } else if (strcmp(key, "line1") == 0) {
        p->set_line1 = parse_text(a, v, "line1", 200, false, &p->line1, e);
    } else if (strcmp(key, "line2") == 0) {
        p->set_line2 = parse_text(a, v, "line2", 200, true, &p->line2, e);
    } else if (strcmp(key, "city") == 0) {
        p->set_city = parse_text(a, v, "city", 100, false, &p->city, e);
    } else if (strcmp(key, "region") == 0) {
        p->set_region = parse_text(a, v, "region", 100, true, &p->region, e);
    } else if (strcmp(key, "phone") == 0) {
        parse_phone(a, v, p, e);
    } else if (strcmp(key, "postal_code") == 0) {
        parse_postal_code(a, v, p, e);
    } else if (strcmp(key, "country") == 0) {
        parse_country(a, v, p, e);
    } else if (strcmp(key, "is_default") == 0) {
        if (json_is_boolean(v)) {
            p->set_is_default = true;
            p->is_default = json_is_true(v);
        } else {
            sf_field_fail(e, "is_default", "must be true or false");
        }
    } else {
        sf_field_fail(e, arena_strndup(a, key, strnlen(key, 60)), "is not a known field");
    }
}

/* A trimmed string of at most max characters without control characters. Required
 * fields (nullable false) need at least one character and refuse null; for optional
 * ones null and a blank string both clear the field (*out = NULL). True when valid. */
static bool parse_text(arena *a, json_t *v, const char *field, size_t max, bool nullable,
                       const char **out, sf_error *e)
{
    *out = NULL;
    if (json_is_null(v) && nullable)
        return true;
    if (json_is_null(v)) {
        sf_field_fail(e, field, "is required and cannot be null");
        return false;
    }
    if (!json_is_string(v)) {
        sf_field_fail(e, field, nullable ? "must be a string or null" : "must be a string");
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t chars = utf8_length(s, n);
    if (chars > max || (chars == 0 && !nullable)) {
        sf_field_fail(e, field, "must be %s%zu characters", nullable ? "at most " : "1 to ", max);
        return false;
    }
    *out = n ? arena_strndup(a, s, n) : NULL;
    /* Staff print these on parcels: no control, invisible or bidi-override characters. */
    return svc_text_safe(e, field, *out, false);
}

static void parse_phone(arena *a, json_t *v, svc_address_input *p, sf_error *e)
{
    if (json_is_null(v)) {
        p->set_phone = true;
        p->phone = NULL;
        return;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    size_t n = s ? strlen(s) : 0;
    bool ok = s && n >= 8 && n <= 16 && s[0] == '+' && s[1] >= '1' && s[1] <= '9' &&
              strspn(s + 1, "0123456789") == n - 1;
    if (!ok) {
        sf_field_fail(e, "phone", "must be an E.164 number such as +14155550123, or null");
        return;
    }
    p->set_phone = true;
    p->phone = arena_strdup(a, s);
}

static void parse_postal_code(arena *a, json_t *v, svc_address_input *p, sf_error *e)
{
    const char *s;
    if (!parse_text(a, v, "postal_code", 20, true, &s, e))
        return;
    if (s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -") !=
                 strlen(s)) {
        sf_field_fail(e, "postal_code", "may contain only letters, digits, spaces and dashes");
        return;
    }
    p->set_postal_code = true;
    p->postal_code = s;
}

static void parse_country(arena *a, json_t *v, svc_address_input *p, sf_error *e)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || !svc_country_valid(s)) {
        sf_field_fail(e, "country", "must be an ISO 3166-1 alpha-2 country code such as US or VN");
        return;
    }
    p->set_country = true;
    p->country = arena_strdup(a, s);
}

/* --- small helpers ---------------------------------------------------------------- */

static int by_default_then_newest(const void *x, const void *y)
{
    const db_address *l = x, *r = y;
    if (l->is_default != r->is_default)
        return l->is_default ? -1 : 1;
    return l->id > r->id ? -1 : l->id < r->id;
}

static const char *now_rfc3339(arena *a)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    return arena_sprintf(a, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         ts.tv_nsec / 1000);
}
