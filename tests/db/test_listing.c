/*
 * test_listing.c — the catalog listing of migration 0011 (product_listing, the facet
 * counters, search_query) against a real PostgreSQL, checked against plain SQL that is
 * obviously correct because it derives nothing: category subtrees by recursion over
 * `categories`, matches straight from `products`.
 *
 *   1. Property test: random catalogs, random filter/sort/limit combinations. Every page
 *      svc_products_list returns equals the plain query's next `limit` rows after the
 *      previous page's last row; walking next_cursor visits every match once, in order,
 *      also while products are inserted, re-priced and deleted between pages; the
 *      facets of the first page equal a recount. Iteration i uses seed BASE_SEED + i,
 *      printed on failure; LISTING_SEED=n runs that iteration alone.
 *   2. Derived data (products.category_ids, product_listing, listing_facet_counts, the
 *      search documents and lexicon, and the variant roll-up they copy from) equals a
 *      recomputation written here after every kind of catalog change, and the facets of
 *      every plain category page equal a recount.
 *   3. search_query(): typo correction, prefixes, joined spellings ("wifi" = "Wi-Fi")
 *      and accents.
 *
 * Works in a database of its own (sf_listing_test_<pid>, created from
 * STOREFRONT_TEST_DATABASE_URL, migrated with the embedded migrations, dropped after).
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "db/listing_fixture.h"
#include "db/scratch_db.h"
#include "storefront/admin.h"
#include "storefront/catalog.h"

#define ITERATIONS          30
#define BASE_SEED           20261204u
#define QUERIES_PER_CATALOG 12
#define MUTATING_QUERIES    3 /* the last ones of each catalog change it between pages */
#define MAX_PAGES           1000
#define SEARCH_CANDIDATES   100 /* catalog_queries.c: a relevance search ranks this many */
#define DERIVED_SEED        777u

/* What the property test did, printed at its end: a test that walks nothing passes too. */
static struct {
    int walks, relevance_walks, pages, changes, facet_checks;
} stats;

typedef struct visit_list {
    int64_t *ids;
    char **keys;
    size_t n, cap;
} visit_list;

typedef struct query_buf {
    char category[16], brand[16], q[32];
} query_buf;

typedef struct param_buf {
    char min[24], max[24], after_id[24], limit[24];
} param_buf;

/* The category tree as it is now: ids, parents (0 for a root), number of children. */
typedef struct tree {
    int64_t id[64], parent[64], kids[64];
    int n;
} tree;

/* A sort as the plain query writes it. */
typedef struct sort_def {
    const char *col, *dir, *op, *type;
} sort_def;

static void run(const char *url);
static void test_property(fix_ctx *t);
static void run_iteration(fix_ctx *t, uint64_t seed);
static void random_query(fix_ctx *t, svc_product_query *q, query_buf *b);
static void describe_query(const svc_product_query *q, char *out, size_t n);
static const sort_def *sort_def_of(int sort);
static void filter_params(const svc_product_query *q, param_buf *b, const char *params[8]);
static PGresult *oracle(fix_ctx *t, const svc_product_query *q, const char *after_key,
                        int64_t after_id, long limit);
static void walk(fix_ctx *t, const svc_product_query *spec, bool mutate, const char *label);
static void walk_relevance(fix_ctx *t, const svc_product_query *spec, const char *label);
static bool same_page(const svc_product_page *out, const PGresult *want, int limit,
                      const char *label, int page);
static void mutate_catalog(fix_ctx *t, const svc_product_query *spec, const visit_list *visited,
                           visit_list *changed);
static void check_walk_under_changes(fix_ctx *t, const svc_product_query *spec,
                                     const PGresult *start, const visit_list *visited,
                                     const visit_list *changed, const char *label);
static void check_facets(fix_ctx *t, const svc_product_query *q, const db_product_facets *f,
                         const char *label);
static void test_derived(fix_ctx *t);
static void step(fix_ctx *t, const char *label, const char *sql);
static void check_derived(fix_ctx *t, const char *label);
static void expect_no_rows(fix_ctx *t, const char *label, const char *what, const char *sql);
static void check_plain_facets(fix_ctx *t, const char *label);
static void move_categories(fix_ctx *t);
static bool load_tree(fix_ctx *t, tree *out);
static int64_t root_of(const tree *tr, int i);
static void test_search(fix_ctx *t);
static void visit_add(visit_list *l, int64_t id, const char *key);
static size_t visit_count(const visit_list *l, int64_t id);
static void visit_free(visit_list *l);
static char *pg_text_array(char *const *items, size_t n);
static char *pg_id_array(const int64_t *ids, size_t n);
static int cmp_str(const void *x, const void *y);
static int cmp_id(const void *x, const void *y);
static double seconds_since(const struct timespec *t0);

int main(void)
{
    const char *base = getenv("STOREFRONT_TEST_DATABASE_URL");
    if (!base || !*base) {
        fprintf(stderr, "test_listing: STOREFRONT_TEST_DATABASE_URL is not set; it must name a "
                        "PostgreSQL database whose role may CREATE DATABASE\n");
        return 1;
    }
    PGconn *admin = PQconnectdb(base);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "test_listing: cannot connect: %s", PQerrorMessage(admin));
        PQfinish(admin);
        return 1;
    }
    char dbname[64];
    snprintf(dbname, sizeof dbname, "sf_listing_test_%ld", (long)getpid());
    char *url = make_database(admin, base, dbname);
    bool migrated = url && sf_migrate(url, stdout) == 0;
    CHECK(migrated);
    if (migrated)
        run(url);
    free(url);
    drop_database(admin, dbname);
    PQfinish(admin);
    return check_done();
}

static void run(const char *url)
{
    fix_ctx t = {.pg = PQconnectdb(url)};
    /* Sort keys come back as text: both sides must print timestamps the same way. */
    bool connected = PQstatus(t.pg) == CONNECTION_OK &&
                     fix_exec(&t, "SET TIME ZONE 'UTC'; SET client_min_messages = warning");
    CHECK(connected);
    if (!connected) {
        PQfinish(t.pg);
        return;
    }
    db_pool_config cfg = {
        .conninfo = url, .size = 1, .acquire_timeout_ms = 5000, .application_name = "test_listing"};
    t.pool = db_pool_new(&cfg);
    memset(t.cursor_key, 0x5a, sizeof t.cursor_key);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    test_property(&t);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("property test: %.1f s\n", seconds_since(&t0));
    if (!getenv("LISTING_SEED")) {
        test_derived(&t);
        test_search(&t);
        printf("derived data and search: %.1f s\n", seconds_since(&t1));
    }
    db_pool_free(t.pool);
    PQfinish(t.pg);
}

/* --- 1. the listing against the plain query ------------------------------------- */

static void test_property(fix_ctx *t)
{
    const char *only = getenv("LISTING_SEED");
    if (only) {
        run_iteration(t, strtoull(only, NULL, 10));
        return;
    }
    for (int i = 0; i < ITERATIONS; i++)
        run_iteration(t, BASE_SEED + (uint64_t)i);
    printf("property test: %d walks (%d by relevance), %d pages, %d catalog changes between "
           "pages, %d facet checks\n",
           stats.walks, stats.relevance_walks, stats.pages, stats.changes, stats.facet_checks);
    /* The random choices must keep reaching every kind of walk. */
    CHECK(stats.relevance_walks > 0 && stats.changes > 0 && stats.pages > stats.walks);
}

/* One random catalog and QUERIES_PER_CATALOG walks over it; stops at the first failing
 * walk, whose seed and query are printed. */
static void run_iteration(fix_ctx *t, uint64_t seed)
{
    int failed = check_failed;
    t->rng = seed;
    int nproducts = 50 + fix_rand(t, 251);
    if (!fix_build_catalog(t, nproducts)) {
        fprintf(stderr, "seed %" PRIu64 ": the catalog could not be built\n", seed);
        return;
    }
    /* The products must say what the price roll-up says of their variants. */
    CHECK(fix_scalar(t, "SELECT count(*) FROM products p CROSS JOIN LATERAL (SELECT"
                        " min(v.price_amount) AS price, bool_or(v.stock > 0) AS in_stock"
                        " FROM product_variants v WHERE v.product_id = p.id AND v.active) r"
                        " WHERE (p.price_amount, p.in_stock) IS DISTINCT FROM"
                        " (r.price, r.in_stock)") == 0);
    /* Before the walks, so a crash still names its catalog. */
    printf("seed %" PRIu64 ": %d products, %d categories\n", seed, nproducts, t->ncat);
    fflush(stdout);
    for (int k = 0; k < QUERIES_PER_CATALOG && check_failed == failed; k++) {
        svc_product_query q;
        query_buf qb;
        random_query(t, &q, &qb);
        bool mutate = k >= QUERIES_PER_CATALOG - MUTATING_QUERIES;
        char label[512], desc[400];
        describe_query(&q, desc, sizeof desc);
        snprintf(label, sizeof label, "seed %" PRIu64 " (%d products) query %d%s: %s", seed,
                 nproducts, k, mutate && q.sort != DB_SORT_RELEVANCE ? " with changes" : "", desc);
        if (q.sort == DB_SORT_RELEVANCE)
            walk_relevance(t, &q, label);
        else
            walk(t, &q, mutate, label);
        if (check_failed > failed)
            fprintf(stderr, "FAILED %s\n  rerun this catalog alone: LISTING_SEED=%" PRIu64 "\n",
                    label, seed);
    }
}

static void random_query(fix_ctx *t, svc_product_query *q, query_buf *b)
{
    static const int sorts[] = {DB_SORT_NEWEST, DB_SORT_PRICE, DB_SORT_PRICE_DESC, DB_SORT_NAME};
    static const char *const texts[] = {"keyboard", "mouse",   "wireles", "gaming laptop",
                                        "usb-c",    "wifi",    "keybord", "pro",
                                        "acme",     "ultra d", "hub"};
    memset(q, 0, sizeof *q);
    q->featured = q->in_stock = -1;
    q->min_price = q->max_price = -1;
    if (fix_rand(t, 2)) {
        snprintf(b->category, sizeof b->category, "c%d", 1 + fix_rand(t, t->ncat));
        q->category = b->category;
    }
    if (fix_rand(t, 4) == 0) {
        snprintf(b->brand, sizeof b->brand, "b%d", 1 + fix_rand(t, FIX_BRANDS));
        q->brand = b->brand;
    }
    if (fix_rand(t, 5) == 0)
        q->status = fix_statuses[fix_rand(t, 4)];
    if (fix_rand(t, 5) == 0)
        q->featured = fix_rand(t, 2);
    if (fix_rand(t, 5) == 0)
        q->in_stock = fix_rand(t, 2);
    if (fix_rand(t, 5) == 0)
        q->min_price = fix_random_price(t);
    if (fix_rand(t, 5) == 0)
        q->max_price = fix_random_price(t);
    if (q->min_price >= 0 && q->max_price >= 0 && q->min_price > q->max_price) {
        int64_t lo = q->max_price;
        q->max_price = q->min_price;
        q->min_price = lo;
    }
    q->sort = sorts[fix_rand(t, 4)];
    if (fix_rand(t, 6) == 0) {
        /* A search box: words, or a SKU (p<n>-1 is the first variant of product p<n>). */
        if (fix_rand(t, 4) == 0)
            snprintf(b->q, sizeof b->q, "P%d-1", 1 + fix_rand(t, 50));
        else
            snprintf(b->q, sizeof b->q, "%s", texts[fix_rand(t, sizeof texts / sizeof *texts)]);
        q->q = b->q;
        if (fix_rand(t, 2))
            q->sort = DB_SORT_RELEVANCE;
    }
    q->limit = 1 + fix_rand(t, 25);
}

static void describe_query(const svc_product_query *q, char *out, size_t n)
{
    static const char *const names[] = {
        [DB_SORT_RELEVANCE] = "relevance", [DB_SORT_PRICE] = "price",
        [DB_SORT_PRICE_DESC] = "-price",   [DB_SORT_NEWEST] = "newest",
        [DB_SORT_NAME] = "name",
    };
    snprintf(out, n,
             "q=%s category=%s brand=%s status=%s featured=%d in_stock=%d min_price=%lld "
             "max_price=%lld sort=%s limit=%d",
             q->q ? q->q : "-", q->category ? q->category : "-", q->brand ? q->brand : "-",
             q->status ? q->status : "-", q->featured, q->in_stock, (long long)q->min_price,
             (long long)q->max_price, names[q->sort], q->limit);
}

static const sort_def *sort_def_of(int sort)
{
    static const sort_def price = {"price_amount", "", ">", "bigint"},
                          price_desc = {"price_amount", " DESC", "<", "bigint"},
                          newest = {"created_at", " DESC", "<", "timestamptz"},
                          name = {"name", "", ">", "text"};
    switch (sort) {
    case DB_SORT_PRICE: return &price;
    case DB_SORT_PRICE_DESC: return &price_desc;
    case DB_SORT_NAME: return &name;
    default: return &newest;
    }
}

/* $1..$8 of the plain queries: category, brand, status, featured, in_stock, min and max
 * price, search text; SQL NULL = no filter. */
static void filter_params(const svc_product_query *q, param_buf *b, const char *params[8])
{
    snprintf(b->min, sizeof b->min, "%lld", (long long)q->min_price);
    snprintf(b->max, sizeof b->max, "%lld", (long long)q->max_price);
    params[0] = q->category;
    params[1] = q->brand;
    params[2] = q->status;
    params[3] = q->featured < 0 ? NULL : q->featured ? "t" : "f";
    params[4] = q->in_stock < 0 ? NULL : q->in_stock ? "t" : "f";
    params[5] = q->min_price < 0 ? NULL : b->min;
    params[6] = q->max_price < 0 ? NULL : b->max;
    params[7] = q->q;
}

/* The category subtree by recursion, and every filter spelled out on `products`. A
 * search matches the text (search_query() is the definition of a match) or, like the
 * listing, the SKU of an active variant typed into the box. */
#define PLAIN_SUBTREE                                                                              \
    "WITH RECURSIVE sub(id) AS (SELECT id FROM categories WHERE slug = $1"                         \
    " UNION SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)"
#define PLAIN_WHERE                                                                                \
    " WHERE p.active"                                                                              \
    " AND ($1::text IS NULL OR EXISTS (SELECT 1 FROM product_categories pc"                        \
    "  JOIN sub ON sub.id = pc.category_id WHERE pc.product_id = p.id))"                           \
    " AND ($2::text IS NULL OR b.slug = $2)"                                                       \
    " AND ($3::text IS NULL OR p.status::text = $3)"                                               \
    " AND ($4::boolean IS NULL OR p.featured = $4)"                                                \
    " AND ($5::boolean IS NULL OR p.in_stock = $5)"                                                \
    " AND ($6::bigint IS NULL OR p.price_amount >= $6)"                                            \
    " AND ($7::bigint IS NULL OR p.price_amount <= $7)"                                            \
    " AND ($8::text IS NULL OR p.search @@ search_query($8) OR EXISTS (SELECT 1"                   \
    "  FROM product_variants v WHERE v.product_id = p.id AND v.active"                             \
    "  AND upper(v.sku) = upper(btrim($8))))"

/* The matches of q in q's sort order, as (id, sort key text), strictly after
 * (after_key, after_id) when after_key is set, at most limit rows (-1: all). */
static PGresult *oracle(fix_ctx *t, const svc_product_query *q, const char *after_key,
                        int64_t after_id, long limit)
{
    const sort_def *s = sort_def_of(q->sort);
    char sql[4096];
    snprintf(sql, sizeof sql,
             PLAIN_SUBTREE " SELECT p.id, p.%s::text FROM products p JOIN brands b ON"
                           " b.id = p.brand_id" PLAIN_WHERE
                           " AND ($10::bigint IS NULL OR (p.%s, p.id) %s ($9::%s, $10::bigint))"
                           " ORDER BY p.%s%s, p.id%s LIMIT $11::bigint",
             s->col, s->col, s->op, s->type, s->col, s->dir, s->dir);
    param_buf b = {0};
    const char *params[11];
    filter_params(q, &b, params);
    snprintf(b.after_id, sizeof b.after_id, "%lld", (long long)after_id);
    snprintf(b.limit, sizeof b.limit, "%ld", limit);
    params[8] = after_key;
    params[9] = after_key ? b.after_id : NULL;
    params[10] = limit < 0 ? NULL : b.limit;
    return fix_query(t, sql, 11, params);
}

/* Walks every page of spec through the service. Each page must equal the plain query's
 * next rows after the previous page's last row at that moment, and next_cursor must be
 * there exactly when more rows follow. Without changes the pages together are the plain
 * query's whole answer, in order; with changes (mutate) see check_walk_under_changes. */
static void walk(fix_ctx *t, const svc_product_query *spec, bool mutate, const char *label)
{
    PGresult *start = oracle(t, spec, NULL, 0, -1);
    if (!start)
        return;
    stats.walks++;
    arena *a = arena_new(0);
    visit_list visited = {0}, changed = {0};
    const char *cursor = NULL, *last_key = NULL;
    int64_t last_id = 0;
    bool ok = true;
    for (int page = 0; ok && page < MAX_PAGES; page++) {
        svc_product_query q = *spec;
        q.cursor = cursor;
        q.facets = page == 0;
        stats.pages++;
        svc_product_page out;
        sf_error e;
        sf_error_clear(&e);
        sf_status s = svc_products_list(t->pool, t->cursor_key, a, &q, &out, &e);
        CHECK(s == SF_OK);
        if (s != SF_OK) {
            fprintf(stderr, "  page %d: %s: %s\n", page, sf_status_name(s), e.detail);
            ok = false;
            break;
        }
        PGresult *want = oracle(t, spec, last_key, last_id, spec->limit + 1);
        ok = want && same_page(&out, want, spec->limit, label, page);
        PQclear(want);
        if (ok && page == 0)
            check_facets(t, spec, &out.facets, label);
        for (size_t i = 0; i < out.n; i++)
            visit_add(&visited, out.items[i].id, out.items[i].sort_key);
        if (!ok || !out.next_cursor)
            break;
        last_key = out.items[out.n - 1].sort_key;
        last_id = out.items[out.n - 1].id;
        cursor = out.next_cursor;
        if (mutate)
            mutate_catalog(t, spec, &visited, &changed);
    }
    if (ok && !mutate) {
        /* Already implied by the pages, but this is the property a shopper sees. */
        size_t n = (size_t)PQntuples(start);
        bool same = visited.n == n;
        for (size_t i = 0; same && i < n; i++)
            same = visited.ids[i] == atoll(PQgetvalue(start, (int)i, 0));
        CHECK(same);
        if (!same)
            fprintf(stderr, "  the walk visited %zu products, the plain query has %zu\n", visited.n,
                    n);
    } else if (ok) {
        check_walk_under_changes(t, spec, start, &visited, &changed, label);
    }
    PQclear(start);
    visit_free(&visited);
    visit_free(&changed);
    arena_free(a);
}

/* out (limit rows at most) against want (the plain query's next limit + 1 rows). */
static bool same_page(const svc_product_page *out, const PGresult *want, int limit,
                      const char *label, int page)
{
    size_t wn = (size_t)PQntuples(want);
    size_t expect = wn > (size_t)limit ? (size_t)limit : wn;
    bool ok = out->n == expect && (out->next_cursor != NULL) == (wn > (size_t)limit);
    for (size_t i = 0; ok && i < expect; i++)
        ok = out->items[i].id == atoll(PQgetvalue(want, (int)i, 0)) && out->items[i].sort_key &&
             strcmp(out->items[i].sort_key, PQgetvalue(want, (int)i, 1)) == 0;
    CHECK(ok);
    if (!ok) {
        fprintf(stderr, "  %s\n  page %d: got %zu rows (next_cursor %s):", label, page, out->n,
                out->next_cursor ? "set" : "none");
        for (size_t i = 0; i < out->n && i < 12; i++)
            fprintf(stderr, " %lld[%s]", (long long)out->items[i].id,
                    out->items[i].sort_key ? out->items[i].sort_key : "NULL");
        fprintf(stderr, "\n  the plain query has %zu more:", wn);
        for (size_t i = 0; i < wn && i < 12; i++)
            fprintf(stderr, " %s[%s]", PQgetvalue(want, (int)i, 0), PQgetvalue(want, (int)i, 1));
        fputc('\n', stderr);
    }
    return ok;
}

/* Between two pages (half the time): a few products added, one re-priced through its
 * variants, or one deleted. Re-priced and deleted products go into *changed. */
static void mutate_catalog(fix_ctx *t, const svc_product_query *spec, const visit_list *visited,
                           visit_list *changed)
{
    if (fix_rand(t, 2))
        return;
    int op = fix_rand(t, 3);
    if (op == 0) {
        int n = 1 + fix_rand(t, 3);
        CHECK(fix_add_products(t, "w", t->next_slug, n) == n);
        stats.changes++;
        t->next_slug += n;
        return;
    }
    PGresult *r = fix_query(t, "SELECT id FROM products ORDER BY id", 0, NULL);
    int n = r ? PQntuples(r) : 0;
    bool by_price = spec->sort == DB_SORT_PRICE || spec->sort == DB_SORT_PRICE_DESC;
    for (int tries = 0; n > 0 && tries < 10; tries++) {
        int64_t id = atoll(PQgetvalue(r, fix_rand(t, n), 0));
        /* A product already shown and then re-priced moves, in a price sort, to a new
         * place that may lie ahead of the cursor, and keyset paging rightly shows it
         * again there. Only products not shown yet are re-priced in price sorts. */
        if (op == 1 && by_price && visit_count(visited, id) > 0)
            continue;
        char idtext[24], price[24];
        snprintf(idtext, sizeof idtext, "%lld", (long long)id);
        snprintf(price, sizeof price, "%lld", (long long)fix_random_price(t));
        const char *params[] = {idtext, price};
        PQclear(op == 1 ? fix_query(t,
                                    "UPDATE product_variants SET price_amount = $2::bigint"
                                    " WHERE product_id = $1::bigint",
                                    2, params)
                        : fix_query(t, "DELETE FROM products WHERE id = $1::bigint", 1, params));
        visit_add(changed, id, NULL);
        stats.changes++;
        break;
    }
    PQclear(r);
}

/* A walk while the catalog changed: no product twice, every product that matched at the
 * start and was not touched visited exactly once, and the sort keys in order. */
static void check_walk_under_changes(fix_ctx *t, const svc_product_query *spec,
                                     const PGresult *start, const visit_list *visited,
                                     const visit_list *changed, const char *label)
{
    int64_t *sorted = malloc(sizeof *sorted * (visited->n + 1));
    memcpy(sorted, visited->ids, sizeof *sorted * visited->n);
    qsort(sorted, visited->n, sizeof *sorted, cmp_id);
    for (size_t i = 1; i < visited->n; i++) {
        CHECK(sorted[i] != sorted[i - 1]);
        if (sorted[i] == sorted[i - 1])
            fprintf(stderr, "  %s\n  product %lld visited twice\n", label, (long long)sorted[i]);
    }
    free(sorted);
    for (int i = 0; i < PQntuples(start); i++) {
        int64_t id = atoll(PQgetvalue(start, i, 0));
        size_t seen = visit_count(visited, id);
        if (visit_count(changed, id) == 0) {
            CHECK(seen == 1);
            if (seen != 1)
                fprintf(stderr, "  %s\n  untouched product %lld visited %zu times\n", label,
                        (long long)id, seen);
        }
    }
    const sort_def *s = sort_def_of(spec->sort);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT k::%s AS k, id, lag(k::%s) OVER w AS pk,"
             " lag(id) OVER w AS pid FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY"
             " AS u(k, id, o) WINDOW w AS (ORDER BY o)) x"
             " WHERE pid IS NOT NULL AND NOT ((k, id) %s (pk, pid))",
             s->type, s->type, s->op);
    char *keys = pg_text_array(visited->keys, visited->n);
    char *ids = pg_id_array(visited->ids, visited->n);
    const char *params[] = {keys, ids};
    PGresult *r = fix_query(t, sql, 2, params);
    CHECK(r && strcmp(PQgetvalue(r, 0, 0), "0") == 0);
    if (r && strcmp(PQgetvalue(r, 0, 0), "0") != 0)
        fprintf(stderr, "  %s\n  %s steps against the sort order\n", label, PQgetvalue(r, 0, 0));
    PQclear(r);
    free(keys);
    free(ids);
}

/* A relevance search: pages in strictly falling (score, id), no product twice, and while
 * the matches fit the candidate bound, exactly the plain query's matches. */
static void walk_relevance(fix_ctx *t, const svc_product_query *spec, const char *label)
{
    PGresult *all = oracle(t, spec, NULL, 0, -1);
    if (!all)
        return;
    stats.walks++;
    stats.relevance_walks++;
    arena *a = arena_new(0);
    visit_list visited = {0};
    const char *cursor = NULL;
    bool ok = true;
    for (int page = 0; ok && page < MAX_PAGES; page++) {
        svc_product_query q = *spec;
        q.cursor = cursor;
        q.facets = page == 0;
        stats.pages++;
        svc_product_page out;
        sf_error e;
        sf_error_clear(&e);
        sf_status s = svc_products_list(t->pool, t->cursor_key, a, &q, &out, &e);
        ok = s == SF_OK && out.n <= (size_t)spec->limit && (out.n > 0 || !out.next_cursor);
        CHECK(ok);
        if (!ok) {
            fprintf(stderr, "  %s\n  page %d: %s %s, %zu rows\n", label, page, sf_status_name(s),
                    e.detail, out.n);
            break;
        }
        if (page == 0)
            check_facets(t, spec, &out.facets, label);
        for (size_t i = 0; i < out.n; i++)
            visit_add(&visited, out.items[i].id, out.items[i].sort_key);
        if (!out.next_cursor)
            break;
        cursor = out.next_cursor;
    }
    for (size_t i = 1; ok && i < visited.n; i++) {
        const char *k0 = visited.keys[i - 1] ? visited.keys[i - 1] : "",
                   *k1 = visited.keys[i] ? visited.keys[i] : "";
        double s0 = strtod(k0, NULL), s1 = strtod(k1, NULL);
        bool down = s1 < s0 || (s1 == s0 && visited.ids[i] < visited.ids[i - 1]);
        CHECK(down);
        if (!down) {
            fprintf(stderr, "  %s\n  position %zu: %lld[%s] after %lld[%s]\n", label, i,
                    (long long)visited.ids[i], k1, (long long)visited.ids[i - 1], k0);
            ok = false;
        }
    }
    size_t n = (size_t)PQntuples(all);
    if (ok && n <= SEARCH_CANDIDATES) {
        int64_t *got = malloc(sizeof *got * (visited.n + 1));
        int64_t *want = malloc(sizeof *want * (n + 1));
        memcpy(got, visited.ids, sizeof *got * visited.n);
        for (size_t i = 0; i < n; i++)
            want[i] = atoll(PQgetvalue(all, (int)i, 0));
        qsort(got, visited.n, sizeof *got, cmp_id);
        qsort(want, n, sizeof *want, cmp_id);
        bool same = visited.n == n && memcmp(got, want, sizeof *got * n) == 0;
        CHECK(same);
        if (!same)
            fprintf(stderr, "  %s\n  the search visited %zu products, the plain query has %zu\n",
                    label, visited.n, n);
        free(got);
        free(want);
    }
    PQclear(all);
    visit_free(&visited);
    arena_free(a);
}

/* The facets of the plain query's matches, one line per count: "0 <category slug> n"
 * (a category counts the products in it or below it), "1 <brand slug> n", and
 * "2 <band min, 7 digits> n" for each of the documented price bands, empty ones too. */
static const char *const plain_facets_sql =
    PLAIN_SUBTREE ", closure(cat, anc) AS (SELECT id, id FROM categories"
                  " UNION SELECT cl.cat, c.parent_id FROM closure cl JOIN categories c"
                  " ON c.id = cl.anc WHERE c.parent_id IS NOT NULL),"
                  " m AS MATERIALIZED (SELECT p.id, p.brand_id, p.price_amount FROM products p"
                  " JOIN brands b ON b.id = p.brand_id" PLAIN_WHERE "),"
                  " bands(lo, hi) AS (VALUES (0::bigint, 2500::bigint), (2500, 5000),"
                  " (5000, 10000), (10000, 25000), (25000, 50000), (50000, 100000),"
                  " (100000, 200000), (200000, NULL)),"
                  " lines(l) AS ("
                  " SELECT format('0 %s %s', c.slug, count(*)) FROM m CROSS JOIN LATERAL"
                  " (SELECT DISTINCT cl.anc FROM product_categories pc JOIN closure cl"
                  " ON cl.cat = pc.category_id WHERE pc.product_id = m.id) x"
                  " JOIN categories c ON c.id = x.anc GROUP BY c.slug"
                  " UNION ALL SELECT format('1 %s %s', b.slug, count(*)) FROM m"
                  " JOIN brands b ON b.id = m.brand_id GROUP BY b.slug"
                  " UNION ALL SELECT format('2 %s %s', lpad(bands.lo::text, 7, '0'),"
                  " count(m.id)) FROM bands LEFT JOIN m ON m.price_amount >= bands.lo"
                  " AND (bands.hi IS NULL OR m.price_amount < bands.hi) GROUP BY bands.lo)"
                  " SELECT coalesce(string_agg(l, ';' ORDER BY l COLLATE \"C\"), ''),"
                  " (SELECT count(*) FROM m) FROM lines";

/* f against a recount of q's matches. A category page (or the whole catalog) with no
 * other filter is read from the counters (counted = -1); anything else counts every
 * match here, as our catalogs are far below the sample bound. */
static void check_facets(fix_ctx *t, const svc_product_query *q, const db_product_facets *f,
                         const char *label)
{
    stats.facet_checks++;
    char **lines = calloc(f->n + 1, sizeof *lines);
    for (size_t i = 0; i < f->n; i++) {
        const db_facet *x = &f->items[i];
        strbuf b = {0};
        if (x->kind == DB_FACET_PRICE)
            sb_printf(&b, "2 %07lld %lld", (long long)x->min, (long long)x->count);
        else
            sb_printf(&b, "%d %s %lld", (int)x->kind, x->slug ? x->slug : "NULL",
                      (long long)x->count);
        lines[i] = b.s;
    }
    qsort(lines, f->n, sizeof *lines, cmp_str);
    strbuf got = {0};
    sb_printf(&got, "%s", "");
    for (size_t i = 0; i < f->n; i++)
        sb_printf(&got, "%s%s", i ? ";" : "", lines[i] ? lines[i] : "");
    param_buf b = {0};
    const char *params[8];
    filter_params(q, &b, params);
    PGresult *r = fix_query(t, plain_facets_sql, 8, params);
    if (r) {
        bool same = strcmp(got.s, PQgetvalue(r, 0, 0)) == 0;
        CHECK(same);
        if (!same)
            fprintf(stderr, "  %s\n  facets: %s\n  recount: %s\n", label, got.s,
                    PQgetvalue(r, 0, 0));
        bool plain = !q->q && !q->brand && !q->status && q->featured < 0 && q->in_stock < 0 &&
                     q->min_price < 0 && q->max_price < 0;
        int64_t counted = plain ? -1 : atoll(PQgetvalue(r, 0, 1));
        CHECK(f->exact && f->counted == counted);
        if (!f->exact || f->counted != counted)
            fprintf(stderr, "  %s\n  facets counted %lld (exact %d), expected %lld\n", label,
                    (long long)f->counted, f->exact, (long long)counted);
    }
    PQclear(r);
    for (size_t i = 0; i < f->n; i++)
        free(lines[i]);
    free(lines);
    sb_free(&got);
}

/* --- 2. derived data against a recomputation ---------------------------------------- */

static void test_derived(fix_ctx *t)
{
    t->rng = DERIVED_SEED;
    if (!fix_build_catalog(t, 120))
        return;
    check_derived(t, "a random catalog, loaded in bulk");
    step(t, "one product inserted, then its variants and a category, one statement each",
         "INSERT INTO products (slug, name, brand_id, status, featured, created_at)"
         " VALUES ('x-single', 'Ergonomic Mouse', 2, 'new', true, '2026-03-01 12:00:00+00');"
         "INSERT INTO product_variants (product_id, sku, name, price_amount, stock)"
         " SELECT id, 'X-SINGLE-1', 'Black', 5999, 4 FROM products WHERE slug = 'x-single';"
         "INSERT INTO product_variants (product_id, sku, name, price_amount, stock)"
         " SELECT id, 'X-SINGLE-2', 'White', 2999, 0 FROM products WHERE slug = 'x-single';"
         "INSERT INTO product_categories (product_id, category_id) SELECT p.id, c.id"
         " FROM products p, categories c WHERE p.slug = 'x-single'"
         " AND c.id = (SELECT max(id) FROM categories WHERE parent_id IS NOT NULL)");
    step(t, "several products, variants and categories inserted, one multi-row statement each",
         "INSERT INTO products (slug, name, brand_id, status, active) VALUES"
         " ('x-m1', 'Desk Lamp', 1, 'hot', true), ('x-m2', 'Desk Lamp Mini', 3, 'new', true),"
         " ('x-m3', 'Cable Tidy', 4, 'regular', false), ('x-m4', 'Monitor Arm', 5, 'sale', true);"
         "INSERT INTO product_variants (product_id, sku, name, price_amount, stock)"
         " SELECT p.id, v.sku, 'V', v.price, v.stock FROM (VALUES ('x-m1', 'XM1-A', 1999, 2),"
         " ('x-m1', 'XM1-B', 26000, 0), ('x-m2', 'XM2-A', 5000, 0), ('x-m3', 'XM3-A', 700, 9),"
         " ('x-m4', 'XM4-A', 120000, 1)) v(slug, sku, price, stock)"
         " JOIN products p ON p.slug = v.slug;"
         "INSERT INTO product_categories (product_id, category_id) SELECT p.id, c.id"
         " FROM products p JOIN categories c ON (c.id + p.id) % 4 = 0 WHERE p.slug LIKE 'x-m%'");
    CHECK(fix_add_products(t, "y", 1, 8) == 8);
    check_derived(t, "random products added in bulk");
    step(t, "prices changed through the variants, across band edges",
         "UPDATE product_variants SET price_amount = price_amount * 3 + 1000 WHERE product_id IN"
         " (SELECT id FROM products WHERE active ORDER BY id LIMIT 15)");
    step(t, "the cheapest variant deactivated",
         "UPDATE product_variants SET active = false WHERE id IN (SELECT DISTINCT ON (product_id)"
         " id FROM product_variants WHERE product_id IN (SELECT product_id FROM product_variants"
         " GROUP BY 1 HAVING count(*) > 1) ORDER BY product_id, price_amount, id LIMIT 8)");
    step(t, "a variant deleted",
         "DELETE FROM product_variants WHERE id IN (SELECT max(id) FROM product_variants"
         " GROUP BY product_id HAVING count(*) > 1 ORDER BY 1 LIMIT 6)");
    step(t, "stock down to zero (in_stock off)",
         "UPDATE product_variants SET stock = 0 WHERE product_id IN (SELECT id FROM products"
         " WHERE in_stock AND active ORDER BY id LIMIT 8)");
    step(t, "stock back above zero (in_stock on)",
         "UPDATE product_variants SET stock = 5 WHERE product_id IN (SELECT id FROM products"
         " WHERE NOT in_stock AND active ORDER BY id DESC LIMIT 8)");
    step(t, "status changed",
         "UPDATE products SET status = CASE status WHEN 'sale' THEN 'hot' ELSE 'sale' END"
         "::product_status WHERE id % 4 = 0");
    step(t, "renamed", "UPDATE products SET name = 'Zeta ' || name WHERE id % 5 = 1");
    step(t, "featured toggled", "UPDATE products SET featured = NOT featured WHERE id % 3 = 0");
    step(t, "deactivated", "UPDATE products SET active = false WHERE id % 6 = 2");
    step(t, "reactivated", "UPDATE products SET active = true WHERE id % 12 = 2");
    step(t, "moved to another brand",
         "UPDATE products SET brand_id = brand_id % 5 + 1"
         " WHERE id % 7 = 0");
    step(t, "description only (nothing listed changes)",
         "UPDATE products SET description = 'Now with more ports'");
    step(t, "categories added to products",
         "INSERT INTO product_categories (product_id, category_id) SELECT p.id, c.id"
         " FROM products p CROSS JOIN categories c WHERE p.id % 9 = 0 AND c.id % 4 = 1"
         " ON CONFLICT DO NOTHING");
    step(t, "categories taken from products",
         "DELETE FROM product_categories WHERE (product_id + category_id) % 4 = 0");
    step(t, "a product's category changed in place (UPDATE product_categories)",
         "UPDATE product_categories pc SET category_id = (SELECT max(id) FROM categories)"
         " WHERE pc.product_id IN (SELECT id FROM products ORDER BY id LIMIT 6)"
         " AND pc.category_id = (SELECT min(category_id) FROM product_categories m"
         "  WHERE m.product_id = pc.product_id)"
         " AND NOT EXISTS (SELECT 1 FROM product_categories o WHERE o.product_id = pc.product_id"
         "  AND o.category_id = (SELECT max(id) FROM categories))");
    step(t, "a variant moved to another product",
         "UPDATE product_variants SET product_id = (SELECT id FROM products WHERE slug ="
         " 'x-single') WHERE product_id = (SELECT id FROM products WHERE slug = 'p3')");
    move_categories(t);
    step(t, "categories renamed (no move)",
         "UPDATE categories SET name = name || ' Plus' WHERE id % 2 = 0");
    step(t, "a leaf category with products deleted",
         "DELETE FROM categories WHERE id = (SELECT c.id FROM categories c WHERE NOT EXISTS"
         " (SELECT 1 FROM categories k WHERE k.parent_id = c.id) AND EXISTS (SELECT 1"
         " FROM product_categories pc WHERE pc.category_id = c.id) ORDER BY c.id LIMIT 1)");
    step(t, "an inner category deleted after its children moved up, in one transaction",
         "BEGIN; CREATE TEMP TABLE doomed ON COMMIT DROP AS SELECT c.id, c.parent_id"
         " FROM categories c WHERE EXISTS (SELECT 1 FROM categories k WHERE k.parent_id = c.id)"
         " ORDER BY c.id DESC LIMIT 1;"
         "UPDATE categories SET parent_id = (SELECT parent_id FROM doomed)"
         " WHERE parent_id = (SELECT id FROM doomed);"
         "DELETE FROM categories WHERE id = (SELECT id FROM doomed); COMMIT");
    step(t, "products deleted", "DELETE FROM products WHERE slug IN ('p2', 'x-m1', 'y3')");
    step(t, "many products deleted in one statement", "DELETE FROM products WHERE id % 10 = 3");
    step(t, "a brand renamed", "UPDATE brands SET name = 'Zephyrine' WHERE id = 2");
    CHECK(fix_scalar(t, "SELECT count(*) FROM products WHERE brand_id = 2") > 0);
    CHECK(fix_scalar(t, "SELECT count(*) FROM products WHERE brand_id = 2"
                        " AND NOT search @@ search_query('zephyrine')") == 0);
    step(t, "several kinds of change in one transaction",
         "BEGIN;"
         "UPDATE product_variants SET price_amount = price_amount + 2500 WHERE product_id % 2 = 0;"
         "UPDATE categories SET parent_id = NULL WHERE id = (SELECT min(id) FROM categories"
         " WHERE parent_id IS NOT NULL);"
         "UPDATE products SET active = NOT active WHERE id % 11 = 0;"
         "DELETE FROM product_categories WHERE product_id % 13 = 0;"
         "INSERT INTO product_categories (product_id, category_id) SELECT p.id, c.id"
         " FROM products p, categories c WHERE p.id % 13 = 0 AND c.id % 5 = 2;"
         "UPDATE products SET name = 'Alpha ' || name, status = 'new' WHERE id % 8 = 1;"
         "COMMIT");
    step(t, "a rolled-back transaction",
         "BEGIN; DELETE FROM products WHERE id % 2 = 0; UPDATE categories SET parent_id = NULL;"
         " ROLLBACK");
    step(t, "every product deleted", "DELETE FROM products");
    CHECK(fix_scalar(t, "SELECT count(*) FROM product_listing") == 0);
}

static bool load_tree(fix_ctx *t, tree *out)
{
    memset(out, 0, sizeof *out);
    PGresult *r = fix_query(t,
                            "SELECT c.id, coalesce(c.parent_id, 0), (SELECT count(*) FROM"
                            " categories k WHERE k.parent_id = c.id) FROM categories c ORDER BY 1",
                            0, NULL);
    if (!r)
        return false;
    for (int i = 0; i < PQntuples(r) && i < 64; i++) {
        out->id[i] = atoll(PQgetvalue(r, i, 0));
        out->parent[i] = atoll(PQgetvalue(r, i, 1));
        out->kids[i] = atoll(PQgetvalue(r, i, 2));
        out->n = i + 1;
    }
    PQclear(r);
    return true;
}

static int64_t root_of(const tree *tr, int i)
{
    int64_t cur = tr->id[i], up = tr->parent[i];
    for (int guard = 0; up && guard < 64; guard++) {
        cur = up;
        up = 0;
        for (int j = 0; j < tr->n; j++)
            if (tr->id[j] == cur)
                up = tr->parent[j];
    }
    return cur;
}

/* Category tree moves, picked from the tree as it is: a subtree moved under another
 * tree's root, a category moved to the top, and two leaves moved in one statement. */
static void move_categories(fix_ctx *t)
{
    tree tr;
    char sql[256];
    if (!load_tree(t, &tr))
        return;
    /* Preferably an inner category, so a whole subtree gets new ancestors. */
    int mover = -1;
    for (int i = 0; i < tr.n; i++)
        if (tr.parent[i] && (mover < 0 || (tr.kids[i] > 0 && tr.kids[mover] == 0)))
            mover = i;
    if (mover >= 0) {
        int64_t root = root_of(&tr, mover), target = 0;
        for (int i = 0; i < tr.n && !target; i++)
            if (!tr.parent[i] && tr.id[i] != root)
                target = tr.id[i];
        if (target) {
            snprintf(sql, sizeof sql, "UPDATE categories SET parent_id = %lld WHERE id = %lld",
                     (long long)target, (long long)tr.id[mover]);
            step(t, "a subtree moved under another category", sql);
        }
        snprintf(sql, sizeof sql, "UPDATE categories SET parent_id = NULL WHERE id = %lld",
                 (long long)tr.id[mover]);
        step(t, "a category moved to the top", sql);
    }
    /* Two leaves under a root that is neither's parent: leaves, so no cycle can form. */
    if (!load_tree(t, &tr))
        return;
    int a = -1, b = -1;
    for (int i = 0; i < tr.n; i++) {
        if (tr.kids[i] || !tr.parent[i])
            continue;
        if (a < 0)
            a = i;
        else if (b < 0)
            b = i;
    }
    if (a < 0 || b < 0)
        return;
    int64_t target = 0;
    for (int i = 0; i < tr.n && !target; i++)
        if (!tr.parent[i] && tr.id[i] != tr.parent[a] && tr.id[i] != tr.parent[b])
            target = tr.id[i];
    if (target) {
        snprintf(sql, sizeof sql, "UPDATE categories SET parent_id = %lld WHERE id IN (%lld, %lld)",
                 (long long)target, (long long)tr.id[a], (long long)tr.id[b]);
        step(t, "two categories moved in one statement", sql);
    }
}

/* Runs one catalog change and checks everything derived from the catalog. After a
 * failed check the derived data is rebuilt, so each later step is judged on its own. */
static void step(fix_ctx *t, const char *label, const char *sql)
{
    int failed = check_failed;
    if (fix_exec(t, sql))
        check_derived(t, label);
    else
        fprintf(stderr, "  the step \"%s\" failed\n", label);
    if (check_failed > failed) {
        fprintf(stderr, "  (derived data rebuilt before the next step)\n");
        fix_exec(t, "SELECT products_category_ids_refresh(ARRAY(SELECT id FROM products));"
                    "UPDATE products p SET price_amount = r.price, in_stock = r.in_stock"
                    " FROM (SELECT p2.id, coalesce(min(v.price_amount), 0) AS price,"
                    " coalesce(bool_or(v.stock > 0), false) AS in_stock FROM products p2"
                    " LEFT JOIN product_variants v ON v.product_id = p2.id AND v.active"
                    " GROUP BY p2.id) r WHERE r.id = p.id"
                    " AND (p.price_amount, p.in_stock) IS DISTINCT FROM (r.price, r.in_stock);"
                    "SELECT catalog_search_rebuild()");
    }
}

/* Every category's ancestors (itself included) by recursion over `categories`, then
 * each product's categories with all their ancestors as a sorted array (pa.ids). One
 * row per product, materialized: every check below is a scan of it, whatever plan the
 * statistics of the moment suggest. */
#define RECOMPUTE_CTE                                                                              \
    "WITH RECURSIVE closure(cat, anc) AS (SELECT id, id FROM categories"                           \
    " UNION SELECT cl.cat, c.parent_id FROM closure cl JOIN categories c ON c.id = cl.anc"         \
    " WHERE c.parent_id IS NOT NULL),"                                                             \
    " pa AS MATERIALIZED (SELECT p.*, ARRAY(SELECT DISTINCT cl.anc FROM product_categories pc"     \
    " JOIN closure cl ON cl.cat = pc.category_id WHERE pc.product_id = p.id ORDER BY 1) AS ids"    \
    " FROM products p)"

/* listing_facet_counts' bands: the greatest documented lower bound not above the price. */
#define BAND_OF_PRICE                                                                              \
    "(SELECT max(lo) FROM unnest('{0,2500,5000,10000,25000,50000,100000,200000}'::bigint[]) lo"    \
    " WHERE lo <= pa.price_amount)"

static void check_derived(fix_ctx *t, const char *label)
{
    expect_no_rows(t, label, "products.category_ids differs from the recursive ancestors",
                   RECOMPUTE_CTE " SELECT pa.id::text, format('has %s, want %s', pa.category_ids,"
                                 " pa.ids) FROM pa WHERE pa.category_ids IS DISTINCT FROM pa.ids"
                                 " ORDER BY pa.id");
    /* A row per list key of each active product: 0 (the catalog) and its categories. */
    expect_no_rows(t, label, "product_listing differs from the recomputation",
                   RECOMPUTE_CTE
                   ", want AS (SELECT k AS list_key, pa.id AS product_id, pa.brand_id,"
                   " pa.status, pa.featured, pa.in_stock, pa.price_amount, pa.created_at,"
                   " pa.name::text FROM pa CROSS JOIN LATERAL unnest(0 || pa.ids) k"
                   " WHERE pa.active),"
                   " have AS (SELECT list_key, product_id, brand_id, status, featured,"
                   " in_stock, price_amount, created_at, name::text FROM product_listing)"
                   " (SELECT 'missing', row_to_json(x)::text FROM (TABLE want EXCEPT ALL"
                   " TABLE have) x) UNION ALL (SELECT 'extra', row_to_json(y)::text"
                   " FROM (TABLE have EXCEPT ALL TABLE want) y)");
    /* Per list key: active products in each category (or below it), brand and band. A
     * stored count of 0 may stay; a negative one is as wrong as a missing one. */
    expect_no_rows(t, label, "listing_facet_counts differs from a recount",
                   RECOMPUTE_CTE
                   ", want AS (SELECT k AS list_key, 0 AS kind, c AS value, count(*) AS n"
                   " FROM pa CROSS JOIN LATERAL unnest(0 || pa.ids) k"
                   " CROSS JOIN LATERAL unnest(pa.ids) c WHERE pa.active GROUP BY 1, 2, 3"
                   " UNION ALL SELECT k, 1, pa.brand_id, count(*) FROM pa"
                   " CROSS JOIN LATERAL unnest(0 || pa.ids) k WHERE pa.active GROUP BY 1, 2, 3"
                   " UNION ALL SELECT k, 2, " BAND_OF_PRICE ", count(*) FROM pa"
                   " CROSS JOIN LATERAL unnest(0 || pa.ids) k WHERE pa.active GROUP BY 1, 2, 3),"
                   " have AS (SELECT list_key, kind::int, value, n FROM listing_facet_counts"
                   " WHERE n <> 0)"
                   " (SELECT 'missing', row_to_json(x)::text FROM (TABLE want EXCEPT ALL"
                   " TABLE have) x) UNION ALL (SELECT 'extra', row_to_json(y)::text"
                   " FROM (TABLE have EXCEPT ALL TABLE want) y)");
    expect_no_rows(t, label, "a search document is stale (name A, brand B, description C)",
                   "SELECT p.id::text, p.name FROM products p JOIN brands b ON b.id = p.brand_id"
                   " WHERE p.search IS DISTINCT FROM"
                   " setweight(to_tsvector('english', sf_search_normalize(p.name)), 'A') ||"
                   " setweight(to_tsvector('english', sf_search_normalize(b.name)), 'B') ||"
                   " setweight(to_tsvector('english', sf_search_normalize(p.description)), 'C')"
                   " ORDER BY p.id");
    /* The lexicon holds the stems (letters only) of every document and name; words may
     * stay after their product goes, so only missing ones count. */
    expect_no_rows(t, label, "a catalog word is missing from search_lexicon",
                   "SELECT w, '' FROM (SELECT sf_lexicon_words(p.search) w FROM products p"
                   " UNION SELECT sf_lexicon_words(to_tsvector('english',"
                   " sf_search_normalize(b.name))) FROM brands b"
                   " UNION SELECT sf_lexicon_words(to_tsvector('english',"
                   " sf_search_normalize(c.name))) FROM categories c) x"
                   " WHERE NOT EXISTS (SELECT 1 FROM search_lexicon l WHERE l.word = x.w)");
    /* Every lexeme of every product's name_search, and nothing else (0013). */
    expect_no_rows(t, label, "search_postings differs from the products' name_search",
                   "WITH want AS (SELECT w::text AS word, p.id AS product_id FROM products p,"
                   " unnest(tsvector_to_array(p.name_search)) w),"
                   " have AS (SELECT word::text, product_id FROM search_postings)"
                   " (SELECT 'missing', row_to_json(x)::text FROM (TABLE want EXCEPT ALL"
                   " TABLE have) x) UNION ALL (SELECT 'extra', row_to_json(y)::text"
                   " FROM (TABLE have EXCEPT ALL TABLE want) y)");
    expect_no_rows(t, label,
                   "products.price_amount / in_stock differ from the active variants (0001)",
                   "SELECT p.id::text, format('price %s in_stock %s; variants say %s %s',"
                   " p.price_amount, p.in_stock, r.price, r.in_stock) FROM products p"
                   " CROSS JOIN LATERAL (SELECT coalesce(min(v.price_amount), 0) AS price,"
                   " coalesce(bool_or(v.stock > 0), false) AS in_stock FROM product_variants v"
                   " WHERE v.product_id = p.id AND v.active) r"
                   " WHERE (p.price_amount, p.in_stock) IS DISTINCT FROM (r.price, r.in_stock)"
                   " ORDER BY p.id");
    check_plain_facets(t, label);
}

/* The facets of the whole catalog and of every category page, with no other filter. */
static void check_plain_facets(fix_ctx *t, const char *label)
{
    PGresult *r = fix_query(t, "SELECT slug FROM categories ORDER BY id", 0, NULL);
    if (!r)
        return;
    for (int i = -1; i < PQntuples(r); i++) {
        svc_product_query q = {.category = i < 0 ? NULL : PQgetvalue(r, i, 0),
                               .featured = -1,
                               .in_stock = -1,
                               .min_price = -1,
                               .max_price = -1,
                               .sort = DB_SORT_NEWEST,
                               .limit = 1,
                               .facets = true};
        arena *a = arena_new(0);
        svc_product_page out;
        sf_error e;
        sf_error_clear(&e);
        sf_status s = svc_products_list(t->pool, t->cursor_key, a, &q, &out, &e);
        CHECK(s == SF_OK && out.has_facets);
        char where[256];
        snprintf(where, sizeof where, "after \"%s\", category %s", label,
                 q.category ? q.category : "(whole catalog)");
        if (s == SF_OK)
            check_facets(t, &q, &out.facets, where);
        else
            fprintf(stderr, "  %s: %s %s\n", where, sf_status_name(s), e.detail);
        arena_free(a);
    }
    PQclear(r);
}

/* sql returns (key, detail) rows that should not exist; prints the first few. */
static void expect_no_rows(fix_ctx *t, const char *label, const char *what, const char *sql)
{
    PGresult *r = fix_query(t, sql, 0, NULL);
    if (!r) {
        fprintf(stderr, "  after \"%s\": the check \"%s\" failed to run\n", label, what);
        return;
    }
    int n = PQntuples(r);
    CHECK(n == 0);
    if (n > 0) {
        fprintf(stderr, "  after \"%s\": %s (%d rows), e.g.:\n", label, what, n);
        for (int i = 0; i < n && i < 5; i++)
            fprintf(stderr, "    %s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    }
    PQclear(r);
}

/* --- 3. search_query() ------------------------------------------------------------ */

static void test_search(fix_ctx *t)
{
    if (!fix_reset(t) ||
        !fix_exec(t, "INSERT INTO brands (slug, name) VALUES ('akko', 'Akko'),"
                     " ('netgear', 'Netgear'), ('anker', 'Anker'), ('msi', 'MSI'),"
                     " ('logi', 'Logitech');"
                     "INSERT INTO products (slug, name, brand_id) SELECT v.slug, v.name, b.id"
                     " FROM (VALUES ('mech-kb', 'Mechanical Keyboard K8', 'logi'),"
                     " ('laptop', 'Gaming Laptop 15', 'msi'),"
                     " ('router', 'Nighthawk AX5400 Wi-Fi 6E Router', 'netgear'),"
                     " ('hub', 'USB-C Hub 7-in-1', 'anker'),"
                     " ('gpu', 'GeForce RTX 4060 Ventus', 'msi'),"
                     " ('akko-kb', 'Bàn phím cơ Akko 3068B', 'akko'),"
                     " ('mouse', 'Wireless Mouse', 'logi')) v(slug, name, brand)"
                     " JOIN brands b ON b.slug = v.brand"))
        return;
    static const struct {
        const char *q, *expect;
    } cases[] = {
        {"keybord", "mech-kb"},    {"laptp", "laptop"},     {"mechanicl keyboard", "mech-kb"},
        {"mech", "mech-kb"},       {"wifi", "router"},      {"Wi-Fi", "router"},
        {"usb c", "hub"},          {"usbc", "hub"},         {"rtx4060", "gpu"},
        {"rtx 4060", "gpu"},       {"ban phim", "akko-kb"}, {"bàn phím", "akko-kb"},
        {"BAN PHIM CO", "akko-kb"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *params[] = {cases[i].q};
        PGresult *r =
            fix_query(t,
                      "SELECT coalesce(string_agg(slug, ' ' ORDER BY slug), '') FROM products"
                      " WHERE search @@ search_query($1)",
                      1, params);
        if (!r)
            continue;
        const char *got = PQgetvalue(r, 0, 0);
        /* The expected product, and not the distractor that shares no word with it. */
        bool found = false;
        char copy[256];
        snprintf(copy, sizeof copy, "%s", got);
        for (char *w = strtok(copy, " "); w; w = strtok(NULL, " "))
            found = found || strcmp(w, cases[i].expect) == 0;
        bool ok = found && !strstr(got, "mouse");
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  search_query('%s') found [%s], expected %s\n", cases[i].q, got,
                    cases[i].expect);
        PQclear(r);
    }
    /* Through the service: a typo still ranks the product first. */
    svc_product_query q = {.q = "mechanicl keybord",
                           .featured = -1,
                           .in_stock = -1,
                           .min_price = -1,
                           .max_price = -1,
                           .sort = DB_SORT_RELEVANCE,
                           .limit = 5};
    arena *a = arena_new(0);
    svc_product_page out;
    sf_error e;
    sf_error_clear(&e);
    CHECK(svc_products_list(t->pool, t->cursor_key, a, &q, &out, &e) == SF_OK);
    CHECK(out.n >= 1 && strcmp(out.items[0].slug, "mech-kb") == 0);
    arena_free(a);
}

/* --- helpers ---------------------------------------------------------------------- */

static void visit_add(visit_list *l, int64_t id, const char *key)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int64_t *ids = realloc(l->ids, sizeof *ids * cap);
        char **keys = ids ? realloc(l->keys, sizeof *keys * cap) : NULL;
        if (ids)
            l->ids = ids;
        if (!ids || !keys)
            return;
        l->keys = keys;
        l->cap = cap;
    }
    l->ids[l->n] = id;
    l->keys[l->n] = key ? strdup(key) : NULL;
    l->n++;
}

static size_t visit_count(const visit_list *l, int64_t id)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->ids[i] == id;
    return n;
}

static void visit_free(visit_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->keys[i]);
    free(l->ids);
    free(l->keys);
    memset(l, 0, sizeof *l);
}

/* A text[] literal: every element quoted, " and \ escaped. */
static char *pg_text_array(char *const *items, size_t n)
{
    strbuf b = {0};
    sb_printf(&b, "{");
    for (size_t i = 0; i < n; i++) {
        sb_printf(&b, "%s\"", i ? "," : "");
        for (const char *s = items[i] ? items[i] : ""; *s; s++)
            sb_printf(&b, "%s%c", *s == '"' || *s == '\\' ? "\\" : "", *s);
        sb_printf(&b, "\"");
    }
    sb_printf(&b, "}");
    return b.s;
}

static char *pg_id_array(const int64_t *ids, size_t n)
{
    strbuf b = {0};
    sb_printf(&b, "{");
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    sb_printf(&b, "}");
    return b.s;
}

static int cmp_str(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}
