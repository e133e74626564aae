-- schema/queries/catalog.sql — the catalog's fixed statements (api/db/catalog_queries.c,
-- db_catalog.h): suggestions, slug checks and product detail. The product list, search
-- and facets are assembled per filter combination in catalog_queries.c (each combination
-- its own prepared statement, so each gets a plan that uses the right index).

-- Suggestions: brands and categories whose names match every word (the last as a prefix,
-- typos corrected as in search), then products matching in name or brand, ranked among
-- the first 100 found the way search's name tier finds them (the postings of the query's
-- rarest term, at most 2000 read). kind: 0 brand, 1 category, 2 product.
-- name: catalog_suggestions :many
WITH q AS MATERIALIZED (SELECT search_query(@q) AS tsq),
s AS (
    (SELECT 0 AS kind, b.slug, b.name, NULL::text AS brand,
            row_number() OVER (ORDER BY b.name) AS ord
       FROM brands b, q
      WHERE to_tsvector('english', sf_search_normalize(b.name)) @@ q.tsq
      ORDER BY ord LIMIT 3)
    UNION ALL
    (SELECT 1, c.slug, c.name, NULL, row_number() OVER (ORDER BY length(c.name), c.name)
       FROM categories c, q
      WHERE to_tsvector('english', sf_search_normalize(c.name)) @@ q.tsq
      ORDER BY 5 LIMIT 3)
    UNION ALL
    (SELECT 2, p.slug, p.name, b.name,
            row_number() OVER (ORDER BY ts_rank(p.name_search, q.tsq, 32) DESC, p.id DESC)
       FROM (SELECT p.id
               FROM q CROSS JOIN LATERAL search_driver(q.tsq, 2000) d
               CROSS JOIN LATERAL (SELECT s.product_id FROM search_postings s
                                    WHERE s.word >= d.lo AND s.word < d.hi
                                    ORDER BY s.word DESC, s.product_id DESC LIMIT 2000) s
               JOIN products p ON p.id = s.product_id
              WHERE p.active AND p.name_search @@ q.tsq
              LIMIT 100) c
       JOIN products p ON p.id = c.id
       JOIN brands b ON b.id = p.brand_id, q
      ORDER BY 5 LIMIT @max_products::integer))
SELECT kind AS "kind!", slug AS "slug!", name AS "name!", brand AS "brand_name?"
  FROM s ORDER BY kind, ord;

-- name: category_slug_exists :one
SELECT 1 AS "one!" FROM categories WHERE slug = @slug;

-- name: brand_slug_exists :one
SELECT 1 AS "one!" FROM brands WHERE slug = @slug;

-- Product detail in one round trip: the product and its brand as their generated structs,
-- then its images, active variants and categories as JSON arrays in display order.
-- name: product_detail :one
SELECT sfgen.embed(products p), sfgen.embed(brands b),
       (SELECT coalesce(json_agg(json_build_object('id', i.id, 'url', i.url, 'alt', i.alt)
                        ORDER BY i.position, i.id), '[]')
          FROM product_images i WHERE i.product_id = p.id)::text AS "images!",
       (SELECT coalesce(json_agg(json_build_object('id', v.id, 'sku', v.sku, 'name', v.name,
                        'options', v.options::text, 'price', v.price_amount,
                        'compare_at', v.compare_at_amount, 'currency', v.currency,
                        'stock', v.stock) ORDER BY v.position, v.id), '[]')
          FROM product_variants v WHERE v.product_id = p.id AND v.active)::text AS "variants!",
       (SELECT coalesce(json_agg(json_build_object('id', c.id, 'slug', c.slug, 'name', c.name)
                        ORDER BY c.position, c.name, c.id), '[]')
          FROM product_categories pc JOIN categories c ON c.id = pc.category_id
         WHERE pc.product_id = p.id)::text AS "categories!"
  FROM products p JOIN brands b ON b.id = p.brand_id
 WHERE p.slug = @slug AND p.active;

-- The row of every product list, search and page (catalog_queries.c assembles those per
-- filter combination and ends them in these columns, named so): never run, it gives the
-- generated decoder, which checks the columns' names and count on every result.
-- name: product_row :shape
SELECT p.id, p.slug, p.name, p.status::text AS "status!", p.currency, b.id AS brand_id,
       b.slug AS brand_slug, b.name AS brand_name, p.price_amount, p.compare_at_amount,
       p.featured, p.in_stock, p.rating_count, p.rating_total, p.image_url, p.image_alt,
       p.created_at::text AS "sort_key!"
  FROM products p JOIN brands b ON b.id = p.brand_id;

-- The rows of a facets statement: kind 0 category, 1 brand, 2 price band (lo, hi; hi NULL
-- when open-ended), 3 how many matches were counted (-1: exact counters).
-- name: facet_row :shape
SELECT 0 AS "kind!", c.slug AS "slug?", c.name::text AS "name?", 0::bigint AS "count!",
       NULL::bigint AS lo, NULL::bigint AS hi
  FROM categories c;

-- ---------------------------------------------------------------------------------------
-- The product list, search and facets: fragments that catalog_queries.c assembles, one
-- per filter present, so each combination is its own prepared statement with a plan that
-- uses the right index (a single catch-all statement, "$1 IS NULL OR …", is planned once,
-- generically, and scans). {slot}s take trusted text (a column, DESC, a number); @params
-- are bound. See docs/architecture.md, "Catalog decisions".

-- The listed product's columns as the product_row shape names them; sort_key follows.
-- name: product_row_columns :fragment
p.id, p.slug, p.name, p.status::text AS status, p.currency, b.id AS brand_id,
b.slug AS brand_slug, b.name AS brand_name, p.price_amount, p.compare_at_amount,
p.featured, p.in_stock, p.rating_count, p.rating_total, p.image_url, p.image_alt,

-- name: frag_select :fragment
SELECT

-- Relevance, three tiers of candidates, each bounded: an exact SKU; every word in the
-- name or brand, found by walking the postings of the query's rarest term (at most 2000)
-- and checking the whole query on each product's small name_search vector; every word
-- anywhere (the GIN index on the full document), only when the name tier found fewer
-- than 100. Rank = tier + the name and brand's ts_rank normalised into [0, 1), so a tier
-- always outranks the one below and a cursor holds one number. The filters follow each
-- tier (product_filter_*).
-- name: search_named_tier :fragment
WITH q AS MATERIALIZED (SELECT search_query(@q) AS tsq, upper(btrim(@q)) AS sku),
named AS MATERIALIZED (SELECT p.id FROM q CROSS JOIN LATERAL search_driver(q.tsq, 2000) d
CROSS JOIN LATERAL (SELECT s.product_id FROM search_postings s WHERE s.word >= d.lo
AND s.word < d.hi ORDER BY s.word DESC, s.product_id DESC LIMIT 2000) s
JOIN products p ON p.id = s.product_id WHERE p.name_search @@ q.tsq

-- name: search_other_tiers :fragment
LIMIT 100), hit AS (SELECT id, max(tier) AS tier FROM (
(SELECT v.product_id AS id, 2 AS tier FROM product_variants v, q
WHERE upper(v.sku) = q.sku AND v.active)
UNION ALL SELECT id, 1 FROM named
UNION ALL (SELECT p.id, 0 FROM products p, q WHERE p.search @@ q.tsq
AND (SELECT count(*) FROM named) < 100

-- The SKU tier has not been filtered yet: the ranked rows are.
-- name: search_ranked :fragment
LIMIT 100)) u GROUP BY id),
r AS (SELECT h.id, (h.tier + ts_rank(p.name_search, q.tsq, 32))::real AS score
FROM hit h JOIN products p ON p.id = h.id, q WHERE true

-- name: search_select :fragment
) SELECT

-- name: search_from :fragment
r.score::text AS sort_key FROM r JOIN products p ON p.id = r.id
JOIN brands b ON b.id = p.brand_id WHERE true

-- name: search_order :fragment
ORDER BY r.score DESC, p.id DESC LIMIT {limit}

-- The other sorts walk the listing index of the sort column in order; only the page's
-- rows are joined to products.
-- name: list_walk :fragment
l.{col}::text AS sort_key FROM (SELECT l.product_id, l.{col} FROM product_listing l

-- A SKU typed into the box matches its product under every sort. The tsquery is a
-- sub-select so it is built once, not once per row the walk reads.
-- name: list_q :fragment
JOIN products s ON s.id = l.product_id AND (s.search @@ (SELECT search_query(@q))
OR s.id = ANY (ARRAY(SELECT v.product_id FROM product_variants v
WHERE upper(v.sku) = upper(btrim(@q)) AND v.active)))

-- The list key: a category's id (an unknown slug gives NULL, which matches nothing), or
-- 0, the whole catalog, as a literal so the planner can use the brand indexes, which
-- are partial on it.
-- name: list_key_category :fragment
WHERE l.list_key = (SELECT id FROM categories WHERE slug = @category)

-- name: list_key_all :fragment
WHERE l.list_key = 0

-- The limit is written into the text, not bound: with LIMIT $n the generic plan is
-- costed for 10 % of the rows, so PostgreSQL re-planned every execution at 100k products
-- (planning 1 ms, running 0.7 ms). Clients use a few page sizes.
-- name: list_page :fragment
ORDER BY l.{col}{dir}, l.product_id{dir} LIMIT {limit}) l
JOIN products p ON p.id = l.product_id JOIN brands b ON b.id = p.brand_id
ORDER BY l.{col}{dir}, l.product_id{dir}

-- Filters on a products row `p` (search candidates, sampled facets). category_ids holds
-- every category of the product with all their ancestors (kept by triggers,
-- GIN-indexed), so "this category and its descendants" is one containment test.
-- name: product_filter_active :fragment
AND p.active

-- name: product_filter_category :fragment
AND p.category_ids @> ARRAY[(SELECT id FROM categories WHERE slug = @category)]

-- brand, status, featured, in_stock and the price range, on the columns products and
-- product_listing share, of the row aliased {t}; {price} is the price expression.
-- name: filter_brand :fragment
AND {t}.brand_id = (SELECT id FROM brands WHERE slug = @brand)

-- name: filter_status :fragment
AND {t}.status = @status::product_status

-- name: filter_featured :fragment
AND {t}.featured = @featured::boolean

-- name: filter_in_stock :fragment
AND {t}.in_stock = @in_stock::boolean

-- name: filter_min_price :fragment
AND {price} >= @min_price::bigint

-- name: filter_max_price :fragment
AND {price} <= @max_price::bigint

-- Outside the price sorts the page must walk the sort's index and check the price on
-- each row, so the range is one opaque CASE: no index can take it, and the generic plan
-- estimates it at half the rows. Written as two comparisons (even on price_amount + 0,
-- which only hid the index), the generic plan costs a range with unknown bounds at 0.5 %
-- of the rows, expects the walk to need thousands of rows per page, and reads the
-- brand's whole bitmap and sorts it instead: 6,920 rows for a page of 20 at 100k
-- products, 69,709 (387 ms) at 1M.
-- name: filter_price_opaque_open :fragment
AND CASE WHEN true

-- name: filter_price_opaque_close :fragment
THEN true END

-- Rows strictly after the cursor's (sort key, id) in the page order: a row comparison
-- that the btree (list key, sort column, id) resolves as an index bound.
-- name: filter_keyset :fragment
AND ({key}, {id}) {cmp} (@after_key::{type}, @after_id::bigint)

-- Facets of a plain category page (or the whole catalog, {key} = 0::bigint): exact, from
-- the counters. Every price band is listed, empty ones with 0, so a price slider has
-- fixed steps. Row kind 3 with -1: exact.
-- name: facets_exact_category :fragment
WITH k AS (SELECT (SELECT id FROM categories WHERE slug = @category) AS key),

-- name: facets_exact_all :fragment
WITH k AS (SELECT 0::bigint AS key),

-- name: facets_exact :fragment
m AS (SELECT fc.kind, fc.value, fc.n FROM listing_facet_counts fc, k
WHERE fc.list_key = k.key AND fc.n > 0)
SELECT 0 AS kind, c.slug, c.name::text AS name, m.n AS count, NULL::bigint AS lo,
NULL::bigint AS hi FROM m JOIN categories c ON c.id = m.value WHERE m.kind = 0
UNION ALL SELECT 1, b.slug, b.name, m.n, NULL, NULL FROM m
JOIN brands b ON b.id = m.value WHERE m.kind = 1
UNION ALL SELECT 2, NULL, NULL, coalesce(m.n, 0), band.lo, band.hi
FROM (VALUES (0::bigint, 2500::bigint), (2500, 5000), (5000, 10000), (10000, 25000),
(25000, 50000), (50000, 100000), (100000, 200000), (200000, NULL)) AS band(lo, hi)
LEFT JOIN m ON m.kind = 2 AND m.value = band.lo
UNION ALL SELECT 3, NULL, NULL, -1, NULL, NULL ORDER BY 1, 5, 4 DESC, 2

-- Any other filter: count a sample of at most {sample} matches; row kind 3 says how many
-- were counted. With q, the sample is taken as search's name tier takes candidates:
-- walking the postings of the query's rarest term (at most 2000) and keeping the products
-- whose name and brand match (the small name_search vector: checking the whole document
-- would detoast it per row). Only when that finds too few does the GIN index on the
-- whole document run (matches in descriptions alone, an exact SKU): GIN hands over a
-- term's whole posting list before any LIMIT, 32k entries for a common word at 100k
-- products, 214k (216 ms) at 1M. Every sampled product is one the list shows, and a
-- sample of fewer than {sample} is all of them (the GIN branch then ran and found every
-- match). The filters follow each branch.
-- name: facets_sample_q_walk :fragment
WITH q AS MATERIALIZED (SELECT search_query(@q) AS tsq),
w AS MATERIALIZED (SELECT p.id, p.brand_id, p.price_amount, p.category_ids
FROM q CROSS JOIN LATERAL search_driver(q.tsq, 2000) d
CROSS JOIN LATERAL (SELECT s.product_id FROM search_postings s WHERE s.word >= d.lo
AND s.word < d.hi ORDER BY s.word DESC, s.product_id DESC LIMIT 2000) s
JOIN products p ON p.id = s.product_id WHERE p.name_search @@ q.tsq

-- name: facets_sample_q_rest :fragment
LIMIT {sample}), m AS MATERIALIZED (SELECT * FROM w UNION
(SELECT p.id, p.brand_id, p.price_amount, p.category_ids FROM products p, q
WHERE (SELECT count(*) FROM w) < {sample}
AND (p.search @@ q.tsq OR p.id = ANY (ARRAY(SELECT v.product_id FROM product_variants v
WHERE upper(v.sku) = upper(btrim(@q)) AND v.active)))

-- name: facets_sample_q_end :fragment
LIMIT {sample}) LIMIT {sample})

-- name: facets_sample :fragment
WITH m AS MATERIALIZED (SELECT p.id, p.brand_id, p.price_amount, p.category_ids
FROM products p WHERE true

-- name: facets_sample_end :fragment
LIMIT {sample})

-- A category's count includes its descendants (category_ids carries the ancestors), so
-- it equals what filtering by that category would return.
-- name: facets_count :fragment
SELECT 0 AS kind, c.slug, c.name::text AS name, count(*) AS count, NULL::bigint AS lo,
NULL::bigint AS hi
FROM m CROSS JOIN LATERAL unnest(m.category_ids) AS mc(id)
JOIN categories c ON c.id = mc.id GROUP BY c.slug, c.name
UNION ALL SELECT 1, b.slug, b.name, count(*), NULL, NULL FROM m
JOIN brands b ON b.id = m.brand_id GROUP BY b.slug, b.name
UNION ALL SELECT 2, NULL, NULL, count(m.id), band.lo, band.hi
FROM (VALUES (0::bigint, 2500::bigint), (2500, 5000), (5000, 10000), (10000, 25000),
(25000, 50000), (50000, 100000), (100000, 200000), (200000, NULL)) AS band(lo, hi)
LEFT JOIN m ON m.price_amount >= band.lo
AND (band.hi IS NULL OR m.price_amount < band.hi) GROUP BY band.lo, band.hi
UNION ALL SELECT 3, NULL, NULL, count(*), NULL, NULL FROM m
ORDER BY 1, 5, 4 DESC, 2
