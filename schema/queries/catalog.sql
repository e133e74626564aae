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
