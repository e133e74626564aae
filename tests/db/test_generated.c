/*
 * test_generated.c — the generated data layer (sfgen output for the catalog migrations)
 * against a real PostgreSQL: defaults and identities on insert, get / get_by / update /
 * delete with their NOT_FOUND cases, unique and foreign key violations as SF_CONFLICT,
 * keyset lists (pages never overlap and cover every row, also with a composite key),
 * list_by_<fk>, and the JSON codecs with their validation errors.
 *
 * It builds its own schema from the embedded migrations (sf_migrations), so it checks the
 * very SQL the binary ships, and drops it at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "storefront/db_gen.h"
#include "storefront/migrations.h"

static bool setup_schema(db_conn *c, const char *schema);
static void drop_schema(db_conn *c, const char *schema);
static bool has_field_error(const sf_error *e, const char *field, const char *message);
static db_brand new_brand(const char *slug, const char *name);
static void test_brand_crud(db_conn *c, arena *a);
static void test_product_defaults(db_conn *c, arena *a);
static void test_list_keyset(db_conn *c, arena *a);
static void test_list_by_fk(db_conn *c, arena *a);
static void test_composite_key(db_conn *c, arena *a);
static void test_variant_jsonb(db_conn *c, arena *a);
static void test_json_round_trip(db_conn *c, arena *a);
static void test_from_json_errors(arena *a);

int main(void)
{
    const char *url = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "test_generated: STOREFRONT_TEST_DATABASE_URL is not set; this test "
                        "needs a PostgreSQL database (e.g. postgresql://postgres@127.0.0.1/x)\n");
        return 1;
    }
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, NULL, 10000, &e);
    if (!c) {
        fprintf(stderr, "test_generated: cannot connect: %s\n", e.detail);
        return 1;
    }
    char schema[64];
    snprintf(schema, sizeof schema, "gen_test_%ld", (long)getpid());
    if (setup_schema(c, schema)) {
        arena *a = arena_new(0);
        test_brand_crud(c, a);
        test_product_defaults(c, a);
        test_list_keyset(c, a);
        test_list_by_fk(c, a);
        test_composite_key(c, a);
        test_variant_jsonb(c, a);
        test_json_round_trip(c, a);
        test_from_json_errors(a);
        arena_free(a);
    }
    drop_schema(c, schema);
    db_conn_close(c);
    return check_done();
}

/* A fresh schema holding every embedded migration, first on the search_path. */
static bool setup_schema(db_conn *c, const char *schema)
{
    PGconn *pg = db_conn_pg(c);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE; "
             "CREATE SCHEMA %s; SET search_path = %s",
             schema, schema, schema);
    PGresult *r = PQexec(pg, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    CHECK(sf_migrations_count >= 1);
    for (size_t i = 0; ok && i < sf_migrations_count; i++) {
        CHECK(strlen(sf_migrations[i].sql) == sf_migrations[i].sql_len);
        r = PQexec(pg, sf_migrations[i].sql);
        /* A migration may end with a SELECT (e.g. a backfill call). */
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "migration %s failed: %s", sf_migrations[i].name,
                    PQresultErrorMessage(r));
        PQclear(r);
    }
    CHECK(ok);
    return ok;
}

static void drop_schema(db_conn *c, const char *schema)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    PGresult *r = PQexec(db_conn_pg(c), sql);
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
}

static bool has_field_error(const sf_error *e, const char *field, const char *message)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, field) == 0 && strcmp(e->fields[i].message, message) == 0)
            return true;
    fprintf(stderr, "  missing field error %s: %s; have:", field, message);
    for (int i = 0; i < e->nfields; i++)
        fprintf(stderr, " [%s: %s]", e->fields[i].field, e->fields[i].message);
    fputc('\n', stderr);
    return false;
}

static db_brand new_brand(const char *slug, const char *name)
{
    db_brand b = {0};
    b.slug = (char *)slug;
    b.name = (char *)name;
    b.logo_url_is_null = true;
    return b;
}

static void test_brand_crud(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_brand in = new_brand("acme", "Acme"), out, got;
    CHECK(db_brand_insert(c, a, &in, &out, &e) == SF_OK);
    CHECK(out.id > 0);
    CHECK_STR(out.slug, "acme");
    CHECK_STR(out.description, ""); /* DEFAULT '' applied */
    CHECK(out.logo_url_is_null && out.logo_url == NULL);
    CHECK(out.created_at && strchr(out.created_at, 'T') &&
          out.created_at[strlen(out.created_at) - 1] == 'Z');

    CHECK(db_brand_get(c, a, out.id, &got, &e) == SF_OK);
    CHECK_STR(got.name, "Acme");
    CHECK(db_brand_get_by_slug(c, a, "acme", &got, &e) == SF_OK);
    CHECK(got.id == out.id);
    CHECK(db_brand_get(c, a, out.id + 1000, &got, &e) == SF_NOT_FOUND);
    CHECK_STR(e.code, "not-found");
    CHECK(db_brand_get_by_slug(c, a, "nope", &got, &e) == SF_NOT_FOUND);

    sf_error_clear(&e);
    db_brand dup = new_brand("acme", "Another");
    CHECK(db_brand_insert(c, a, &dup, &got, &e) == SF_CONFLICT);

    /* Update: description unset keeps the stored value, logo set, name changed. */
    sf_error_clear(&e);
    db_brand up = out;
    up.name = "Acme Corp";
    up.description = "ignored";
    up.description_is_set = false;
    up.logo_url = "https://example.com/acme.png";
    up.logo_url_is_null = false;
    CHECK(db_brand_update(c, a, &up, &got, &e) == SF_OK);
    CHECK_STR(got.name, "Acme Corp");
    CHECK_STR(got.description, "");
    CHECK_STR(got.logo_url, "https://example.com/acme.png");
    up.description = "Makers of everything";
    up.description_is_set = true;
    up.logo_url_is_null = true;
    CHECK(db_brand_update(c, a, &up, &got, &e) == SF_OK);
    CHECK_STR(got.description, "Makers of everything");
    CHECK(got.logo_url_is_null);
    up.id = out.id + 1000;
    CHECK(db_brand_update(c, a, &up, &got, &e) == SF_NOT_FOUND);

    sf_error_clear(&e);
    CHECK(db_brand_delete(c, out.id, &e) == SF_OK);
    CHECK(db_brand_delete(c, out.id, &e) == SF_NOT_FOUND);
    CHECK_STR(e.detail, "brand not found");
    CHECK(db_brand_get(c, a, out.id, &got, &e) == SF_NOT_FOUND);
}

static void test_product_defaults(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_brand b = new_brand("defaults-brand", "Defaults"), bo;
    CHECK(db_brand_insert(c, a, &b, &bo, &e) == SF_OK);

    db_product p = {.slug = "plain", .name = "Plain", .brand_id = bo.id}, out;
    p.compare_at_amount_is_null = true;
    CHECK(db_product_insert(c, a, &p, &out, &e) == SF_OK);
    CHECK(out.id > 0);
    CHECK(out.status == DB_PRODUCT_STATUS_REGULAR);
    CHECK(!out.featured && out.active && !out.in_stock);
    CHECK(out.price_amount == 0 && out.rating_count == 0);
    CHECK(out.compare_at_amount_is_null);
    CHECK_STR(out.currency, "USD");
    CHECK(out.status_is_set && out.currency_is_set);

    db_product q = {.slug = "hot-one", .name = "Hot", .brand_id = bo.id}, qo;
    q.status = DB_PRODUCT_STATUS_HOT;
    q.status_is_set = true;
    q.currency = "EUR";
    q.currency_is_set = true;
    q.compare_at_amount = 1999;
    CHECK(db_product_insert(c, a, &q, &qo, &e) == SF_OK);
    CHECK(qo.status == DB_PRODUCT_STATUS_HOT);
    CHECK_STR(db_product_status_str(qo.status), "hot");
    CHECK_STR(qo.currency, "EUR");
    CHECK(!qo.compare_at_amount_is_null && qo.compare_at_amount == 1999);

    db_product bad = p;
    bad.slug = "orphan";
    bad.brand_id = bo.id + 100000;
    CHECK(db_product_insert(c, a, &bad, &qo, &e) == SF_CONFLICT); /* foreign key */
    sf_error_clear(&e);
    bad.brand_id = bo.id;
    bad.name = NULL; /* NOT NULL violated in the database */
    CHECK(db_product_insert(c, a, &bad, &qo, &e) == SF_INVALID);
}

static void test_list_keyset(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    for (int i = 0; i < 7; i++) {
        char slug[32];
        snprintf(slug, sizeof slug, "list-brand-%d", i);
        db_brand b = new_brand(arena_strdup(a, slug), "Listed"), out;
        CHECK(db_brand_insert(c, a, &b, &out, &e) == SF_OK);
    }
    PGresult *r = PQexec(db_conn_pg(c), "SELECT count(*) FROM brands");
    size_t total = (size_t)atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    CHECK(total >= 8);

    size_t seen = 0, pages = 0;
    int64_t last = 0;
    const int64_t *after = NULL;
    for (;;) {
        db_brand *items;
        size_t n;
        CHECK(db_brand_list(c, a, after, 3, &items, &n, &e) == SF_OK);
        if (n == 0)
            break;
        CHECK(n <= 3);
        for (size_t i = 0; i < n; i++) {
            CHECK(items[i].id > last); /* ascending, no overlap with earlier pages */
            last = items[i].id;
        }
        seen += n;
        pages++;
        after = &last;
        if (pages > 20)
            break;
    }
    CHECK(seen == total);
    CHECK(pages == (total + 2) / 3);

    db_brand *items;
    size_t n;
    CHECK(db_brand_list(c, a, NULL, -1, &items, &n, &e) == SF_INVALID);
    sf_error_clear(&e);
    CHECK(db_brand_list(c, a, NULL, 0, &items, &n, &e) == SF_OK && n == 0);
}

static void test_list_by_fk(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_brand b1 = new_brand("fk-one", "One"), b2 = new_brand("fk-two", "Two"), o1, o2;
    CHECK(db_brand_insert(c, a, &b1, &o1, &e) == SF_OK);
    CHECK(db_brand_insert(c, a, &b2, &o2, &e) == SF_OK);
    for (int i = 0; i < 5; i++) {
        db_product p = {.name = "P", .brand_id = i < 3 ? o1.id : o2.id}, out;
        p.slug = arena_sprintf(a, "fk-product-%d", i);
        p.compare_at_amount_is_null = true;
        CHECK(db_product_insert(c, a, &p, &out, &e) == SF_OK);
    }
    db_product *items;
    size_t n;
    CHECK(db_product_list_by_brand_id(c, a, o1.id, NULL, 2, &items, &n, &e) == SF_OK);
    CHECK(n == 2);
    int64_t after = n == 2 ? items[1].id : 0;
    CHECK(n == 2 && items[0].id < items[1].id && items[0].brand_id == o1.id);
    CHECK(db_product_list_by_brand_id(c, a, o1.id, &after, 2, &items, &n, &e) == SF_OK);
    CHECK(n == 1 && items[0].id > after && items[0].brand_id == o1.id);
    CHECK(db_product_list_by_brand_id(c, a, o2.id, NULL, 10, &items, &n, &e) == SF_OK);
    CHECK(n == 2);
    CHECK(db_product_list_by_brand_id(c, a, o2.id + 1000, NULL, 10, &items, &n, &e) == SF_OK);
    CHECK(n == 0 && items == NULL);
}

static void test_composite_key(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_category root = {.slug = "root", .name = "Root", .parent_id_is_null = true}, ro;
    CHECK(db_category_insert(c, a, &root, &ro, &e) == SF_OK);
    CHECK(ro.parent_id_is_null && ro.position == 0);
    db_category kids[3];
    for (int i = 0; i < 3; i++) {
        db_category k = {.name = "Kid", .parent_id = ro.id, .position = 3 - i};
        k.slug = arena_sprintf(a, "kid-%d", i);
        k.position_is_set = true;
        CHECK(db_category_insert(c, a, &k, &kids[i], &e) == SF_OK);
    }
    db_category *cats;
    size_t n;
    CHECK(db_category_list_by_parent_id(c, a, ro.id, NULL, 10, &cats, &n, &e) == SF_OK);
    CHECK(n == 3 && cats[0].position == 3 && !cats[0].parent_id_is_null);

    db_brand b = new_brand("pc-brand", "PC"), bo;
    CHECK(db_brand_insert(c, a, &b, &bo, &e) == SF_OK);
    db_product prods[2];
    for (int i = 0; i < 2; i++) {
        db_product p = {.name = "PC", .brand_id = bo.id, .compare_at_amount_is_null = true};
        p.slug = arena_sprintf(a, "pc-product-%d", i);
        CHECK(db_product_insert(c, a, &p, &prods[i], &e) == SF_OK);
    }
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 3; k++) {
            db_product_category pc = {.product_id = prods[i].id, .category_id = kids[k].id}, o;
            CHECK(db_product_category_insert(c, a, &pc, &o, &e) == SF_OK);
        }
    db_product_category got, dup = {.product_id = prods[0].id, .category_id = kids[0].id};
    CHECK(db_product_category_insert(c, a, &dup, &got, &e) == SF_CONFLICT);
    sf_error_clear(&e);
    CHECK(db_product_category_get(c, a, prods[1].id, kids[2].id, &got, &e) == SF_OK);
    CHECK(got.product_id == prods[1].id && got.category_id == kids[2].id);

    /* Pages of 4 over 6 rows keyed on (product_id, category_id). */
    db_product_category *rows;
    int64_t ap = 0, ac = 0, seen = 0, prev_p = 0, prev_c = 0;
    bool first = true, ordered = true;
    for (int page = 0; page < 5; page++) {
        CHECK(db_product_category_list(c, a, first ? NULL : &ap, first ? NULL : &ac, 4, &rows, &n,
                                       &e) == SF_OK);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            int64_t p = rows[i].product_id, k = rows[i].category_id;
            ordered = ordered && (p > prev_p || (p == prev_p && k > prev_c));
            prev_p = p;
            prev_c = k;
        }
        seen += (int64_t)n;
        ap = prev_p;
        ac = prev_c;
        first = false;
    }
    CHECK(ordered);
    CHECK(seen == 6);
    CHECK(db_product_category_list(c, a, &ap, NULL, 4, &rows, &n, &e) == SF_INVALID);
    sf_error_clear(&e);
    CHECK(db_product_category_list_by_category_id(c, a, kids[1].id, NULL, NULL, 10, &rows, &n,
                                                  &e) == SF_OK);
    CHECK(n == 2);

    CHECK(db_product_category_delete(c, prods[0].id, kids[0].id, &e) == SF_OK);
    CHECK(db_product_category_delete(c, prods[0].id, kids[0].id, &e) == SF_NOT_FOUND);
    CHECK(db_product_category_get(c, a, prods[0].id, kids[0].id, &got, &e) == SF_NOT_FOUND);
}

static void test_variant_jsonb(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_brand b = new_brand("variant-brand", "V"), bo;
    CHECK(db_brand_insert(c, a, &b, &bo, &e) == SF_OK);
    db_product p = {.slug = "tee", .name = "Tee", .brand_id = bo.id}, po;
    p.compare_at_amount_is_null = true;
    CHECK(db_product_insert(c, a, &p, &po, &e) == SF_OK);

    db_product_variant v = {.product_id = po.id, .sku = "TEE-M", .name = "M", .price_amount = 1500};
    v.compare_at_amount_is_null = true;
    v.options = "{\"size\": \"M\"}";
    v.options_is_set = true;
    db_product_variant vo, plain;
    CHECK(db_product_variant_insert(c, a, &v, &vo, &e) == SF_OK);
    CHECK_STR(vo.options, "{\"size\": \"M\"}");
    CHECK(vo.active && vo.stock == 0);
    v.sku = "TEE-X";
    v.options_is_set = false;
    CHECK(db_product_variant_insert(c, a, &v, &plain, &e) == SF_OK);
    CHECK_STR(plain.options, "{}"); /* DEFAULT '{}' */
    CHECK(db_product_variant_get_by_sku(c, a, "TEE-M", &plain, &e) == SF_OK);
    CHECK(plain.id == vo.id);
    CHECK(db_product_variant_insert(c, a, &v, &plain, &e) == SF_CONFLICT); /* sku unique */
    sf_error_clear(&e);

    json_t *j = db_product_variant_to_json(&vo);
    CHECK(json_is_object(json_object_get(j, "options")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "options"), "size")), "M");
    CHECK(json_integer_value(json_object_get(j, "price_amount")) == 1500);
    CHECK(json_is_null(json_object_get(j, "compare_at_amount")));
    json_decref(j);

    db_product_variant *items;
    size_t n;
    CHECK(db_product_variant_list_by_product_id(c, a, po.id, NULL, 10, &items, &n, &e) == SF_OK);
    CHECK(n == 2);
}

static void test_json_round_trip(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_product *items;
    size_t n;
    CHECK(db_product_list(c, a, NULL, 50, &items, &n, &e) == SF_OK);
    const db_product *hot = NULL;
    for (size_t i = 0; i < n; i++)
        if (items[i].status == DB_PRODUCT_STATUS_HOT)
            hot = &items[i];
    CHECK(hot != NULL);
    if (!hot)
        return;
    json_t *j = db_product_to_json(hot);
    CHECK(json_integer_value(json_object_get(j, "id")) == hot->id);
    CHECK_STR(json_string_value(json_object_get(j, "status")), "hot");
    CHECK(json_is_false(json_object_get(j, "featured")));
    CHECK(json_object_get(j, "search") == NULL); /* tsvector columns are not generated */

    db_product back;
    CHECK(db_product_from_json(a, j, &back, &e) == SF_INVALID); /* id is read-only */
    CHECK(has_field_error(&e, "id", "is read-only"));
    sf_error_clear(&e);
    json_object_del(j, "id");
    CHECK(db_product_from_json(a, j, &back, &e) == SF_OK);
    back.id = hot->id;
    json_t *again = db_product_to_json(&back);
    json_object_set_new(j, "id", json_integer(hot->id));
    CHECK(json_equal(j, again));
    CHECK(back.status_is_set && back.currency_is_set && !back.compare_at_amount_is_null);
    json_decref(again);
    json_decref(j);
}

static void test_from_json_errors(arena *a)
{
    sf_error e;
    db_product p;
    json_t *j;

    sf_error_clear(&e);
    j = json_array();
    CHECK(db_product_from_json(a, j, &p, &e) == SF_INVALID);
    json_decref(j);

    sf_error_clear(&e);
    j = json_pack("{s:s}", "colour", "red");
    CHECK(db_product_from_json(a, j, &p, &e) == SF_INVALID);
    CHECK(has_field_error(&e, "colour", "unknown field"));
    CHECK(has_field_error(&e, "slug", "is required"));
    CHECK(has_field_error(&e, "name", "is required"));
    CHECK(has_field_error(&e, "brand_id", "is required"));
    json_decref(j);

    /* 200 two-byte characters fit varchar(200); 201 do not. */
    char name[512] = "";
    for (int i = 0; i < 200; i++)
        strcat(name, "\xc3\xa9");
    sf_error_clear(&e);
    j = json_pack("{s:s, s:s, s:i, s:n, s:s}", "slug", "ok", "name", name, "brand_id", 1,
                  "compare_at_amount", "currency", "EUR");
    CHECK(db_product_from_json(a, j, &p, &e) == SF_OK);
    CHECK(p.compare_at_amount_is_null && p.currency_is_set && !p.status_is_set);
    strcat(name, "e");
    json_object_set_new(j, "name", json_string(name));
    CHECK(db_product_from_json(a, j, &p, &e) == SF_INVALID);
    CHECK(has_field_error(&e, "name", "must be at most 200 characters"));
    json_decref(j);

    sf_error_clear(&e);
    j = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:f, s:n}", "slug", "x", "name", "x",
                  "brand_id", (json_int_t)1, "currency", "US", "status", "bogus", "rating_count",
                  (json_int_t)2147483648LL, "featured", "yes", "price_amount", 1.5, "description");
    CHECK(db_product_from_json(a, j, &p, &e) == SF_INVALID);
    CHECK(has_field_error(&e, "currency", "must be exactly 3 characters"));
    CHECK(has_field_error(&e, "status", "must be one of: regular, new, hot, sale"));
    CHECK(has_field_error(&e, "rating_count", "must be between -2147483648 and 2147483647"));
    CHECK(has_field_error(&e, "featured", "must be a boolean"));
    CHECK(has_field_error(&e, "price_amount", "must be an integer"));
    CHECK(has_field_error(&e, "description", "must not be null"));
    json_decref(j);

    /* Strings built without jansson's checks: invalid UTF-8 and an embedded NUL. */
    sf_error_clear(&e);
    j = json_pack("{s:s, s:i}", "name", "x", "brand_id", 1);
    json_object_set_new(j, "slug", json_stringn_nocheck("\xff\xfe", 2));
    json_object_set_new(j, "description", json_stringn_nocheck("a\0b", 3));
    CHECK(db_product_from_json(a, j, &p, &e) == SF_INVALID);
    CHECK(has_field_error(&e, "slug", "must be valid UTF-8 without NUL characters"));
    CHECK(has_field_error(&e, "description", "must be valid UTF-8 without NUL characters"));
    json_decref(j);

    /* jsonb accepts any JSON and keeps its compact text. */
    sf_error_clear(&e);
    db_product_variant v;
    j = json_pack("{s:I, s:s, s:s, s:I, s:[i,i]}", "product_id", (json_int_t)1, "sku", "S", "name",
                  "N", "price_amount", (json_int_t)5, "options", 1, 2);
    CHECK(db_product_variant_from_json(a, j, &v, &e) == SF_OK);
    CHECK_STR(v.options, "[1,2]");
    CHECK(v.options_is_set);
    json_decref(j);
}
