/*
 * fixture_db_test.c — runs the golden output (generated from tests/fixture_*.sql) against
 * a real PostgreSQL, so the generator features the catalog does not use are exercised for
 * real, not only diffed as text: a text primary key and text keyset cursor, a nullable
 * column with a DEFAULT (NULL must stay expressible), a reserved-word column ("order"),
 * a stored generated column, enum labels added by ALTER TYPE and labels with quotes, a
 * key made of every column (no update), and a text foreign key. Then the named queries of
 * tests/queries/fixture.sql: every kind, nullable parameters and columns, enums, arrays
 * both ways (with text that needs quoting), a float, a table embedded with
 * sfgen.embed, an unexpected NULL refused.
 *
 * Reads STOREFRONT_TEST_DATABASE_URL and fails when it is unset. Works in its own schema,
 * dropped at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "storefront/db_gen.h"
#include "storefront/migrations.h"
#include "storefront/queries_gen.h"

static bool exec_sql(db_conn *c, const char *sql);
static void test_text_key(db_conn *c, arena *a);
static void test_nullable_default(db_conn *c, arena *a);
static void test_orders(db_conn *c, arena *a);
static void test_queries(db_conn *c, arena *a);

int main(void)
{
    const char *url = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!url || !*url) {
        fprintf(stderr, "fixture_db_test: STOREFRONT_TEST_DATABASE_URL is not set\n");
        return 1;
    }
    sf_error e;
    sf_error_clear(&e);
    db_conn *c = db_conn_open(url, NULL, 10000, &e);
    if (!c) {
        fprintf(stderr, "fixture_db_test: cannot connect: %s\n", e.detail);
        return 1;
    }
    char sql[256];
    long pid = (long)getpid();
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; DROP SCHEMA IF EXISTS gen_fixture_%ld CASCADE; "
             "CREATE SCHEMA gen_fixture_%ld; SET search_path = gen_fixture_%ld",
             pid, pid, pid);
    bool ok = exec_sql(c, sql);
    for (size_t i = 0; ok && i < sf_migrations_count; i++)
        ok = exec_sql(c, sf_migrations[i].sql);
    CHECK(ok);
    if (ok) {
        arena *a = arena_new(0);
        test_text_key(c, a);
        test_nullable_default(c, a);
        test_orders(c, a);
        test_queries(c, a);
        arena_free(a);
    }
    snprintf(sql, sizeof sql, "DROP SCHEMA gen_fixture_%ld CASCADE", pid);
    CHECK(exec_sql(c, sql));
    db_conn_close(c);
    return check_done();
}

static bool exec_sql(db_conn *c, const char *sql)
{
    PGresult *r = PQexec(db_conn_pg(c), sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "fixture_db_test: %s", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static void test_text_key(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    const char *codes[] = {"USD", "EUR", "JPY"};
    for (int i = 0; i < 3; i++) {
        db_currency in = {.code = (char *)codes[i], .name = "x", .note_is_null = true}, out;
        CHECK(db_currency_insert(c, a, &in, &out, &e) == SF_OK);
        CHECK(out.minor_units == 2 && out.note_is_null);
    }
    db_currency *items;
    size_t n;
    CHECK(db_currency_list(c, a, NULL, 2, &items, &n, &e) == SF_OK);
    CHECK(n == 2 && strcmp(items[0].code, "EUR") == 0 && strcmp(items[1].code, "JPY") == 0);
    CHECK(db_currency_list(c, a, "JPY", 2, &items, &n, &e) == SF_OK);
    CHECK(n == 1 && strcmp(items[0].code, "USD") == 0);

    db_currency got;
    CHECK(db_currency_get(c, a, "JPY", &got, &e) == SF_OK);
    got.minor_units = 0;
    got.note = "no minor unit";
    got.note_is_null = false;
    CHECK(db_currency_update(c, a, &got, &got, &e) == SF_OK);
    CHECK(got.minor_units == 0);
    CHECK_STR(got.note, "no minor unit");
    CHECK(db_currency_delete(c, "JPY", &e) == SF_OK);
    CHECK(db_currency_delete(c, "JPY", &e) == SF_NOT_FOUND);
    CHECK_STR(e.detail, "currency not found");
}

static void test_nullable_default(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    /* vip is `boolean NULL DEFAULT (1 > 2)`: unset -> the default, set + null -> NULL. */
    db_customer in = {.email = "Ann@Example.com"}, out, null_vip;
    in.external_id = "6f1c2b8e-3a4d-4e5f-8a9b-0c1d2e3f4a5b";
    in.birthday_is_null = in.feeling_is_null = in.nickname_is_null = true;
    CHECK(db_customer_insert(c, a, &in, &out, &e) == SF_OK);
    CHECK(out.id >= 1000); /* START WITH 1000 */
    CHECK(!out.vip_is_null && !out.vip);
    CHECK_STR(out.display, "ann@example.com"); /* generated column, read back */
    CHECK_STR(out.profile, "{}");
    CHECK_STR(out.balance, "0.00");

    in.email = "bob@example.com";
    in.external_id_is_null = true;
    in.vip_is_set = in.vip_is_null = true;
    in.feeling = DB_MOOD_IT_S;
    in.feeling_is_null = false;
    CHECK(db_customer_insert(c, a, &in, &null_vip, &e) == SF_OK);
    CHECK(null_vip.vip_is_null && null_vip.external_id_is_null);
    CHECK_STR(db_mood_str(null_vip.feeling), "it's");

    /* Update with vip unset keeps the stored NULL; set it keeps nothing. */
    db_customer up = null_vip;
    up.vip_is_set = false;
    up.vip_is_null = false;
    up.vip = true;
    CHECK(db_customer_update(c, a, &up, &up, &e) == SF_OK);
    CHECK(up.vip_is_null);
    up.vip_is_null = false;
    up.vip = true;
    CHECK(db_customer_update(c, a, &up, &up, &e) == SF_OK);
    CHECK(!up.vip_is_null && up.vip);

    db_customer got;
    CHECK(db_customer_get_by_external_id(c, a, "6f1c2b8e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", &got, &e) ==
          SF_OK);
    CHECK(got.id == out.id);
    CHECK(db_customer_get_by_email(c, a, "bob@example.com", &got, &e) == SF_OK);

    json_t *j = db_customer_to_json(&got);
    CHECK_STR(json_string_value(json_object_get(j, "feeling")), "it's");
    CHECK(json_is_object(json_object_get(j, "profile")));
    json_object_set_new(j, "feeling", json_string("what?"));
    sf_error_clear(&e);
    CHECK(db_customer_from_json(a, j, &got, &e) == SF_INVALID);
    bool seen_mood = false, seen_display = false;
    for (int i = 0; i < e.nfields; i++) {
        seen_mood |= strcmp(e.fields[i].message, "must be one of: a-b, it's, what?\?!") == 0;
        seen_display |= strcmp(e.fields[i].field, "display") == 0 &&
                        strcmp(e.fields[i].message, "is read-only") == 0;
    }
    CHECK(seen_mood && seen_display);
    json_decref(j);
}

static void test_orders(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    db_customer cu = {.email = "orders@example.com"}, cuo;
    cu.external_id_is_null = cu.birthday_is_null = cu.feeling_is_null = true;
    cu.nickname_is_null = true;
    CHECK(db_customer_insert(c, a, &cu, &cuo, &e) == SF_OK);

    db_order o = {.customer_id = cuo.id, .currency = "EUR", .total = 500, .order = 7}, oo, o2;
    o.order_is_set = true;
    o.placed_at = "2026-01-02T03:04:05Z";
    CHECK(db_order_insert(c, a, &o, &oo, &e) == SF_OK);
    CHECK(oo.status == DB_ORDER_STATUS_PENDING && oo.order == 7);
    /* The fixture's BEFORE INSERT trigger overwrites placed_at with now(). */
    CHECK(oo.placed_at && strcmp(oo.placed_at, "2026-01-02T03:04:05Z") != 0);
    CHECK_STR(oo.notes, "");
    o.status = DB_ORDER_STATUS_CANCELLED; /* added by ALTER TYPE in the second migration */
    o.status_is_set = true;
    CHECK(db_order_insert(c, a, &o, &o2, &e) == SF_OK);
    CHECK(o2.status == DB_ORDER_STATUS_CANCELLED);

    db_order *orders;
    size_t n;
    CHECK(db_order_list_by_currency(c, a, "EUR", NULL, 10, &orders, &n, &e) == SF_OK);
    CHECK(n == 2);
    CHECK(db_order_list_by_customer_id(c, a, cuo.id, &oo.id, 10, &orders, &n, &e) == SF_OK);
    CHECK(n == 1 && orders[0].id == o2.id);

    const char *tags[] = {"gift", "rush", "fragile"};
    for (int i = 0; i < 3; i++) {
        db_order_tag t = {.order_id = oo.id, .tag = (char *)tags[i]}, to;
        CHECK(db_order_tag_insert(c, a, &t, &to, &e) == SF_OK);
    }
    db_order_tag *ts;
    CHECK(db_order_tag_list(c, a, NULL, NULL, 2, &ts, &n, &e) == SF_OK);
    CHECK(n == 2 && strcmp(ts[0].tag, "fragile") == 0 && strcmp(ts[1].tag, "gift") == 0);
    CHECK(db_order_tag_list(c, a, &oo.id, "gift", 2, &ts, &n, &e) == SF_OK);
    CHECK(n == 1 && strcmp(ts[0].tag, "rush") == 0);
    CHECK(db_order_tag_delete(c, oo.id, "rush", &e) == SF_OK);
    CHECK(db_order_tag_delete(c, oo.id, "rush", &e) == SF_NOT_FOUND);

    db_order_line l = {.order_id = oo.id, .line_no = 1, .sku = "A"}, lo;
    CHECK(db_order_line_insert(c, a, &l, &lo, &e) == SF_OK);
    CHECK(lo.quantity == 1);
    l.quantity = 0; /* CHECK (quantity > 0) */
    l.quantity_is_set = true;
    l.line_no = 2;
    CHECK(db_order_line_insert(c, a, &l, &lo, &e) == SF_INVALID);
}

static void test_queries(db_conn *c, arena *a)
{
    sf_error e;
    sf_error_clear(&e);
    q_fx_customer_insert_row ins;
    CHECK(q_fx_customer_insert(c, a,
                               &(q_fx_customer_insert_params){.email = "Q@Example.com",
                                                              .vip = true,
                                                              .feeling = DB_MOOD_IT_S,
                                                              .birthday = "2000-02-29"},
                               &ins, &e) == SF_OK);
    CHECK(ins.id > 0 && strncmp(ins.marker, "c", 1) == 0);
    q_fx_customer_insert_row ins2;
    CHECK(q_fx_customer_insert(c, a,
                               &(q_fx_customer_insert_params){.email = "n@example.com",
                                                              .vip_is_null = true,
                                                              .feeling_is_null = true},
                               &ins2, &e) == SF_OK);

    q_fx_customer_get_row g;
    CHECK(q_fx_customer_get(c, a, &(q_fx_customer_get_params){.id = ins.id}, &g, &e) == SF_OK);
    CHECK_STR(g.email, "Q@Example.com");
    CHECK_STR(g.display, "q@example.com"); /* the generated column */
    CHECK_STR(g.birthday, "2000-02-29");
    CHECK(!g.vip_is_null && g.vip && !g.feeling_is_null && g.feeling == DB_MOOD_IT_S);
    CHECK(g.external_id == NULL);
    CHECK(q_fx_customer_get(c, a, &(q_fx_customer_get_params){.id = ins2.id}, &g, &e) == SF_OK);
    CHECK(g.vip_is_null && g.feeling_is_null && g.birthday == NULL);
    CHECK(q_fx_customer_get(c, a, &(q_fx_customer_get_params){.id = -1}, &g, &e) == SF_NOT_FOUND);
    sf_error_clear(&e);

    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        db_order o = {.customer_id = ins.id, .currency = "EUR", .total = 100 * (i + 1)}, oo;
        CHECK(db_order_insert(c, a, &o, &oo, &e) == SF_OK);
        ids[i] = oo.id;
    }
    /* Tags that need quoting in an array literal come back intact. */
    const char *tags[] = {"a,b", "say \"hi\"", "back\\slash", "NULL", "{x}"};
    for (int i = 0; i < 5; i++)
        CHECK(q_fx_tag_add(c, &(q_fx_tag_add_params){.order_id = ids[0], .tag = tags[i]}, &e) ==
              SF_OK);
    long rows = -1;
    CHECK(q_fx_order_set_status(c, a,
                                &(q_fx_order_set_status_params){
                                    .status = DB_ORDER_STATUS_PAID, .ids = ids, .ids_n = 2},
                                &rows, &e) == SF_OK);
    CHECK(rows == 2);
    CHECK(q_fx_order_set_status(c, a,
                                &(q_fx_order_set_status_params){
                                    .status = DB_ORDER_STATUS_PAID, .ids = ids, .ids_n = 2},
                                &rows, &e) == SF_OK);
    CHECK(rows == 0);

    const char *statuses[] = {"paid", "pending"};
    q_fx_orders_by_customer_row *v;
    size_t n;
    CHECK(q_fx_orders_by_customer(c, a,
                                  &(q_fx_orders_by_customer_params){.customer_id = ins.id,
                                                                    .statuses = statuses,
                                                                    .statuses_n = 2,
                                                                    .min_total_is_null = true},
                                  &v, &n, &e) == SF_OK);
    CHECK(n == 3 && v[0].id == ids[2] && v[0].status == DB_ORDER_STATUS_PENDING);
    CHECK(v[0].n == 3 && v[0].first_sku == NULL && v[0].tags == NULL && v[0].tags_n == 0);
    CHECK(v[2].id == ids[0] && v[2].status == DB_ORDER_STATUS_PAID && v[2].tags_n == 5 &&
          v[2].tag_orders_n == 5 && v[2].tag_orders[4] == ids[0]);
    if (v[2].tags_n == 5) {
        /* ORDER BY tag in the C collation of the test database or not: compare as a set. */
        for (int i = 0; i < 5; i++) {
            bool found = false;
            for (size_t k = 0; k < 5; k++)
                found |= v[2].tags[k] && strcmp(v[2].tags[k], tags[i]) == 0;
            CHECK(found);
        }
    }
    CHECK(v[2].placed_at && strchr(v[2].placed_at, 'T') &&
          v[2].placed_at[strlen(v[2].placed_at) - 1] == 'Z');
    CHECK(q_fx_orders_by_customer(
              c, a,
              &(q_fx_orders_by_customer_params){
                  .customer_id = ins.id, .statuses = statuses, .statuses_n = 1, .min_total = 200},
              &v, &n, &e) == SF_OK);
    CHECK(n == 1 && v[0].id == ids[1] && v[0].total == 200);

    q_fx_stats_row st;
    CHECK(q_fx_stats(c, &st, &e) == SF_OK);
    CHECK(st.half > 0 && !st.any_vip_is_null && st.any_vip);

    q_fx_order_with_email_row we;
    CHECK(q_fx_order_with_email(c, a, &(q_fx_order_with_email_params){.id = ids[1]}, &we, &e) ==
          SF_OK);
    CHECK(we.order.id == ids[1] && we.order.total == 200 && we.order.customer_id == ins.id);
    CHECK(we.order.status == DB_ORDER_STATUS_PAID && we.order.order == 0);
    CHECK_STR(we.email, "Q@Example.com");

    /* A shape's decoder on a statement built at run time, and on one that drifted. */
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id, total, status FROM orders WHERE id = %lld",
             (long long)ids[0]);
    PGresult *r = PQexec(db_conn_pg(c), sql);
    q_fx_order_shape_row sh;
    CHECK(PQntuples(r) == 1 && q_fx_order_shape_decode(a, r, 0, &sh, &e));
    CHECK(sh.id == ids[0] && sh.total == 100 && sh.status == DB_ORDER_STATUS_PAID);
    PQclear(r);
    r = PQexec(db_conn_pg(c), "SELECT total, id, status FROM orders ORDER BY id");
    CHECK(PQntuples(r) >= 1 && !q_fx_order_shape_decode(a, r, 0, &sh, &e) &&
          e.status == SF_INTERNAL);
    PQclear(r);
    sf_error_clear(&e);

    /* A NULL where the description says NOT NULL is an error, never a silent 0. */
    q_fx_top_total_row top;
    CHECK(q_fx_top_total(c, &(q_fx_top_total_params){.customer_id = ins.id}, &top, &e) == SF_OK);
    CHECK(top.top == 300);
    CHECK(q_fx_top_total(c, &(q_fx_top_total_params){.customer_id = ins2.id}, &top, &e) ==
          SF_INTERNAL);
    sf_error_clear(&e);

    /* A table that only a CREATE query makes (describe ran it to type the next one). */
    CHECK(q_fx_scratch_create(c, &e) == SF_OK);
    q_fx_scratch_count_row sc;
    CHECK(q_fx_scratch_count(c, a, &sc, &e) == SF_OK);
    CHECK(sc.rows == 0 && sc.top == NULL);

    /* A :copy query starts the COPY; the rows streamed after it land in the table. */
    CHECK(q_fx_scratch_copy(c, &e) == SF_OK);
    PGconn *pg = db_conn_pg(c);
    const char lines[] = "1\tone\n2\t\\N\n";
    CHECK(PQputCopyData(pg, lines, (int)strlen(lines)) == 1);
    CHECK(PQputCopyEnd(pg, NULL) == 1);
    for (PGresult *res; (res = PQgetResult(pg));) {
        CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
        PQclear(res);
    }
    CHECK(q_fx_scratch_count(c, a, &sc, &e) == SF_OK);
    CHECK(sc.rows == 2 && sc.top && strcmp(sc.top, "one") == 0);
}
