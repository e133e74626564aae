/*
 * test_sqlbuf.c — sql_frag, which assembles the catalog's run-time statements from the
 * :fragment constants of schema/queries/catalog.sql: slots, parameters numbered in order
 * and shared within one fragment, string literals left alone, and every way it must
 * refuse (an unknown slot or parameter, too many parameters, too much text).
 */
#include <string.h>

#include "check.h"
#include "db/sqlbuf.h"
#include "storefront/queries_gen.h"

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_assembly(void)
{
    sql_buf b = {.len = 0};
    sql_frag(&b, "SELECT x FROM t WHERE a = @a AND b = @b OR a2 = @a", NULL,
             KV("a", "1", "b", "2"));
    sql_frag(&b, "AND {t}.c = @a ORDER BY {col}{dir}", KV("t", "l", "col", "name", "dir", " DESC"),
             KV("a", "3"));
    CHECK_STR(b.text,
              "SELECT x FROM t WHERE a = $1 AND b = $2 OR a2 = $1 AND l.c = $3 ORDER BY name DESC");
    CHECK(b.nparams == 3 && !b.overflow);
    CHECK_STR(b.params[0], "1");
    CHECK_STR(b.params[1], "2");
    CHECK_STR(b.params[2], "3");

    /* @@ is an operator, text in quotes is data, a NULL value binds SQL NULL. */
    sql_buf s = {.len = 0};
    sql_frag(&s, "WHERE d @@ q AND note = '{not a slot} @nor_a_param' AND n = @n", NULL,
             KV("n", NULL));
    CHECK_STR(s.text, "WHERE d @@ q AND note = '{not a slot} @nor_a_param' AND n = $1");
    CHECK(s.nparams == 1 && s.params[0] == NULL && !s.overflow);
}

static void test_refusals(void)
{
    sql_buf b = {.len = 0};
    sql_frag(&b, "ORDER BY {col}", KV("other", "x"), NULL);
    CHECK(b.overflow);

    sql_buf p = {.len = 0};
    sql_frag(&p, "WHERE a = @missing", NULL, KV("a", "1"));
    CHECK(p.overflow);

    sql_buf many = {.len = 0};
    for (int i = 0; i < SQL_BUF_PARAMS + 1; i++)
        sql_frag(&many, "AND a = @a", NULL, KV("a", "1"));
    CHECK(many.overflow && many.nparams == SQL_BUF_PARAMS);

    sql_buf big = {.len = 0};
    char chunk[1001];
    memset(chunk, 'x', 1000);
    chunk[1000] = '\0';
    for (int i = 0; i < 8; i++)
        sql_frag(&big, chunk, NULL, NULL);
    CHECK(big.overflow && big.len == sizeof big.text - 1);
}

/* The real fragments assemble into a statement with the product_row shape's columns. */
static void test_catalog_fragments(void)
{
    sql_buf b = {.len = 0};
    sql_frag(&b, q_frag_frag_select, NULL, NULL);
    sql_frag(&b, q_frag_product_row_columns, NULL, NULL);
    sql_frag(&b, q_frag_list_walk, KV("col", "created_at"), NULL);
    sql_frag(&b, q_frag_list_key_category, NULL, KV("category", "mice"));
    sql_frag(&b, q_frag_list_page, KV("col", "created_at", "dir", " DESC", "limit", "21"), NULL);
    CHECK(!b.overflow && b.nparams == 1);
    CHECK(strncmp(b.text, "SELECT p.id, p.slug,", 20) == 0);
    CHECK(strstr(b.text, "l.created_at::text AS sort_key FROM (SELECT l.product_id") != NULL);
    CHECK(strstr(b.text, "slug = $1") != NULL && strstr(b.text, "LIMIT 21) l") != NULL);
    CHECK(strchr(b.text, '{') == NULL && strchr(b.text, '@') == NULL);
}

int main(void)
{
    test_assembly();
    test_refusals();
    test_catalog_fragments();
    return check_done();
}
