/*
 * validate.c — one POST /v1/events event object -> a cs_event, or the list of what is
 * wrong with it (field + message), so a batch can store its good events and say which
 * others it refused and why.
 *
 * Strict on purpose: unknown fields are refused (a typo such as `evnet_type` would
 * otherwise silently lose data), and so is `user_id`, which only a verified token sets.
 * Limits follow the columns of 0009_clickstream.sql, counted in characters as
 * PostgreSQL's varchar(n) counts them.
 */
#include <stdio.h>
#include <string.h>

#include "storefront/clickstream.h"
#include "storefront/text.h"

typedef struct checker {
    arena *a;
    cs_field_error *errs;
    int n;
} checker;

const char *const cs_event_types[] = {"page_view",
                                      "product_view",
                                      "category_view",
                                      "search",
                                      "add_to_cart",
                                      "remove_from_cart",
                                      "wishlist_toggle",
                                      "checkout_start",
                                      "purchase",
                                      "click",
                                      "login",
                                      "logout",
                                      NULL};

static void fail(checker *k, const char *field, const char *message);
static const char *opt_string(checker *k, const json_t *obj, const char *key, size_t max_chars);
static bool type_valid(const char *t);
static void check_props(checker *k, const json_t *props, cs_event *ev);
static bool known_key(const char *key);

cs_time_window cs_time_window_at(int64_t now_ms, int max_age_days)
{
    cs_time_window w = {now_ms - (int64_t)max_age_days * 86400000LL, now_ms + CS_FUTURE_SKEW_MS};
    return w;
}

bool cs_uuid_canonical(const char *s, char out[37])
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char ch = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (ch != '-')
                return false;
        } else if (ch >= 'A' && ch <= 'F') {
            ch = (char)(ch - 'A' + 'a');
        } else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
            return false;
        }
        out[i] = ch;
    }
    out[36] = '\0';
    return true;
}

int cs_event_from_json(const json_t *obj, cs_time_window win, arena *a, cs_event *ev,
                       cs_field_error errs[CS_MAX_EVENT_ERRORS])
{
    checker k = {.a = a, .errs = errs};
    memset(ev, 0, sizeof *ev);
    ev->source = "web";
    if (!json_is_object(obj)) {
        fail(&k, "event", "must be a JSON object");
        return k.n;
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        if (strcmp(key, "user_id") == 0)
            fail(&k, "user_id", "is set from the Bearer token and cannot be sent");
        else if (!known_key(key))
            fail(&k, strlen(key) <= 64 ? arena_strdup(a, key) : "event",
                 strlen(key) <= 64 ? "is not a known event field" : "has an unknown field");
    }

    const json_t *id = json_object_get(obj, "event_id");
    if (!id)
        fail(&k, "event_id", "is required");
    else if (!json_is_string(id) || !cs_uuid_canonical(json_string_value(id), ev->event_id))
        fail(&k, "event_id", "must be a UUID (8-4-4-4-12 hexadecimal digits)");

    const json_t *type = json_object_get(obj, "event_type");
    if (!type)
        fail(&k, "event_type", "is required");
    else if (!json_is_string(type) || !type_valid(json_string_value(type)))
        fail(&k, "event_type",
             "must be page_view, product_view, category_view, search, add_to_cart, "
             "remove_from_cart, wishlist_toggle, checkout_start, purchase, click, login, "
             "logout or custom.<name> ([A-Za-z0-9_.-], at most 64 characters in all)");
    else
        ev->event_type = arena_strdup(a, json_string_value(type));

    const json_t *ts = json_object_get(obj, "timestamp");
    if (!ts) {
        fail(&k, "timestamp", "is required (Unix time in milliseconds)");
    } else if (!json_is_integer(ts)) {
        fail(&k, "timestamp", "must be an integer: Unix time in milliseconds");
    } else {
        int64_t t = (int64_t)json_integer_value(ts);
        if (t < win.min_ms)
            fail(&k, "timestamp", "is older than the server accepts (EVENTS_MAX_AGE_DAYS)");
        else if (t > win.max_ms)
            fail(&k, "timestamp", "is more than an hour ahead of the server's clock");
        else
            ev->time_ms = t;
    }

    ev->anonymous_id = opt_string(&k, obj, "anonymous_id", 128);
    ev->session_id = opt_string(&k, obj, "session_id", 128);
    ev->page_url = opt_string(&k, obj, "page_url", 2048);
    if (ev->page_url && strncmp(ev->page_url, "https://", 8) != 0 &&
        strncmp(ev->page_url, "http://", 7) != 0)
        fail(&k, "page_url", "must be an absolute http or https URL");
    ev->referrer = opt_string(&k, obj, "referrer", 2048);
    if (ev->referrer && !*ev->referrer)
        ev->referrer = NULL; /* document.referrer is "" when there is none */
    ev->sku = opt_string(&k, obj, "sku", 64);
    ev->order_number = opt_string(&k, obj, "order_number", 32);
    ev->search_query = opt_string(&k, obj, "search_query", 256);

    const json_t *pid = json_object_get(obj, "product_id");
    if (pid && !json_is_null(pid)) {
        if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
            json_integer_value(pid) > 9007199254740991LL)
            fail(&k, "product_id", "must be a positive integer below 2^53");
        else {
            ev->has_product_id = true;
            ev->product_id = (int64_t)json_integer_value(pid);
        }
    }
    const json_t *props = json_object_get(obj, "props");
    if (props && !json_is_null(props))
        check_props(&k, props, ev);
    return k.n;
}

static bool known_key(const char *key)
{
    static const char *const keys[] = {"event_id",   "event_type",   "timestamp",    "anonymous_id",
                                       "session_id", "page_url",     "referrer",     "product_id",
                                       "sku",        "order_number", "search_query", "props",
                                       NULL};
    for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static void fail(checker *k, const char *field, const char *message)
{
    if (k->n < CS_MAX_EVENT_ERRORS) {
        k->errs[k->n].field = field;
        k->errs[k->n].message = message;
        k->n++;
    }
}

/* An optional string of at most max_chars characters; null and absent are NULL. */
static const char *opt_string(checker *k, const json_t *obj, const char *key, size_t max_chars)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        fail(k, key, "must be a string");
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (utf8_length(s, len) > max_chars) {
        fail(k, key, arena_sprintf(k->a, "must be at most %zu characters", max_chars));
        return NULL;
    }
    return arena_strndup(k->a, s, len);
}

static bool type_valid(const char *t)
{
    for (int i = 0; cs_event_types[i]; i++)
        if (strcmp(cs_event_types[i], t) == 0)
            return true;
    if (strncmp(t, "custom.", 7) != 0)
        return false;
    size_t n = strlen(t);
    if (n == 7 || n > 64)
        return false;
    for (const char *p = t + 7; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return false;
    return true;
}

/* A flat object: <= 50 keys of 1..64 characters, string/number/boolean/null values,
 * strings at most 1 KiB of UTF-8. Stored as compact JSON (jsonb). */
static void check_props(checker *k, const json_t *props, cs_event *ev)
{
    if (!json_is_object(props)) {
        fail(k, "props", "must be a flat JSON object");
        return;
    }
    if (json_object_size(props) > CS_MAX_PROPS) {
        fail(k, "props", "must have at most 50 keys");
        return;
    }
    int before = k->n;
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)props, key, val)
    {
        size_t klen = strlen(key);
        if (klen == 0 || utf8_length(key, klen) > 64) {
            fail(k, "props", "keys must be 1 to 64 characters");
            continue;
        }
        const char *field = arena_sprintf(k->a, "props.%s", key);
        if (json_is_object(val) || json_is_array(val))
            fail(k, field, "must be a string, number, boolean or null (props are flat)");
        else if (json_is_string(val) && json_string_length(val) > CS_MAX_PROP_VALUE_BYTES)
            fail(k, field, "must be at most 1024 bytes");
    }
    if (k->n > before)
        return;
    char *s = json_dumps(props, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!s) {
        fail(k, "props", "could not be encoded");
        return;
    }
    ev->props_json = arena_strdup(k->a, s);
    free(s);
}
