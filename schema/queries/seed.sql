-- schema/queries/seed.sql — `storefront seed [--products N]` (api/db/seed.c, seed_bulk.c).
--
-- The sample catalog goes in with ordinary parameterized upserts keyed on slug / SKU:
-- the seed is idempotent (same rows, same ids on every run) and a re-run repairs sample
-- rows someone edited by hand. Upserts only write when a value differs, so a second run
-- creates no dead tuples and does not wake the rollup trigger. The synthetic products
-- are COPYed into temp tables and moved by one INSERT … SELECT per table (the bulk
-- section below).

-- Everything happens in one transaction under this lock: two concurrent seeds cannot
-- interleave (images have no natural key, so interleaving could duplicate them).
-- name: seed_lock :exec
SELECT pg_advisory_xact_lock(@key::bigint);

-- name: seed_tables_exist :one
SELECT to_regclass('products') IS NOT NULL AND to_regclass('product_variants') IS NOT NULL
   AND to_regclass('discount_codes') IS NOT NULL AS "exist!";

-- name: seed_brand :exec
INSERT INTO brands (slug, name, description, logo_url) VALUES (@slug, @name, @description, @logo_url)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
       logo_url = EXCLUDED.logo_url
 WHERE (brands.name, brands.description, brands.logo_url) IS DISTINCT FROM
       (EXCLUDED.name, EXCLUDED.description, EXCLUDED.logo_url);

-- parent_slug NULL = a top-level category; a parent is loaded before its children.
-- name: seed_category :exec
INSERT INTO categories (parent_id, slug, name, description, position)
VALUES ((SELECT id FROM categories WHERE slug = @parent_slug?), @slug, @name, @description,
        @position::int)
ON CONFLICT (slug) DO UPDATE SET parent_id = EXCLUDED.parent_id, name = EXCLUDED.name,
       description = EXCLUDED.description, position = EXCLUDED.position
 WHERE (categories.parent_id, categories.name, categories.description, categories.position)
       IS DISTINCT FROM (EXCLUDED.parent_id, EXCLUDED.name, EXCLUDED.description,
       EXCLUDED.position);

-- RETURNING gives no row when the conflict update is skipped (nothing changed), hence
-- the fallback SELECT. created_at is set once, on insert: relative to the start of
-- the (UTC) day so that "newest" is meaningful, and never moved by a re-run.
-- name: seed_product :one
WITH up AS (
    INSERT INTO products (slug, name, brand_id, description, status, featured, created_at)
    VALUES (@slug, @name, (SELECT id FROM brands WHERE slug = @brand), @description,
            @status::product_status, @featured::boolean,
            date_trunc('day', now()) - make_interval(mins => @age_minutes::int))
    ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, brand_id = EXCLUDED.brand_id,
           description = EXCLUDED.description, status = EXCLUDED.status,
           featured = EXCLUDED.featured, active = true, updated_at = now()
     WHERE (products.name, products.brand_id, products.description, products.status,
            products.featured, products.active) IS DISTINCT FROM (EXCLUDED.name,
            EXCLUDED.brand_id, EXCLUDED.description, EXCLUDED.status, EXCLUDED.featured, true)
    RETURNING id)
SELECT id AS "id!" FROM up UNION ALL SELECT id FROM products WHERE slug = @slug LIMIT 1;

-- name: seed_product_category :exec
INSERT INTO product_categories (product_id, category_id)
SELECT @product_id::bigint, id FROM categories WHERE slug = @category ON CONFLICT DO NOTHING;

-- Images have no natural key: (product, url) identifies one for the seed's purpose.
-- name: seed_image :exec
INSERT INTO product_images (product_id, url, alt, position)
SELECT @product_id::bigint, @url, @alt, @position::int
 WHERE NOT EXISTS (SELECT 1 FROM product_images WHERE product_id = @product_id::bigint
                      AND url = @url);

-- times_used is written on insert only: uses are checkout's business, and a re-run
-- must never hand spent uses back.
-- name: seed_discount :exec
INSERT INTO discount_codes (code, kind, percent_off, amount_off, currency, min_subtotal,
                            starts_at, ends_at, usage_limit, per_customer_limit, times_used,
                            active)
VALUES (@code, @kind::discount_kind, @percent_off?::int, @amount_off?::bigint, @currency?,
        @min_subtotal::bigint, @starts_at?::timestamptz, @ends_at?::timestamptz,
        @usage_limit?::int, @per_customer_limit?::int, @times_used::int, @active::boolean)
ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, percent_off = EXCLUDED.percent_off,
       amount_off = EXCLUDED.amount_off, currency = EXCLUDED.currency,
       min_subtotal = EXCLUDED.min_subtotal, starts_at = EXCLUDED.starts_at,
       ends_at = EXCLUDED.ends_at, usage_limit = EXCLUDED.usage_limit,
       per_customer_limit = EXCLUDED.per_customer_limit, active = EXCLUDED.active
 WHERE (discount_codes.kind, discount_codes.percent_off, discount_codes.amount_off,
        discount_codes.currency, discount_codes.min_subtotal, discount_codes.starts_at,
        discount_codes.ends_at, discount_codes.usage_limit, discount_codes.per_customer_limit,
        discount_codes.active) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.percent_off,
        EXCLUDED.amount_off, EXCLUDED.currency, EXCLUDED.min_subtotal, EXCLUDED.starts_at,
        EXCLUDED.ends_at, EXCLUDED.usage_limit, EXCLUDED.per_customer_limit, EXCLUDED.active);

-- compare_at NULL = not on sale.
-- name: seed_variant :exec
INSERT INTO product_variants (product_id, sku, name, options, price_amount, compare_at_amount,
                              stock, position)
VALUES (@product_id::bigint, @sku, @name, @options::jsonb, @price::bigint,
        @compare_at?::bigint, @stock::int, @position::int)
ON CONFLICT (sku) DO UPDATE SET product_id = EXCLUDED.product_id, name = EXCLUDED.name,
       options = EXCLUDED.options, price_amount = EXCLUDED.price_amount,
       compare_at_amount = EXCLUDED.compare_at_amount, stock = EXCLUDED.stock,
       position = EXCLUDED.position, active = true
 WHERE (product_variants.product_id, product_variants.name, product_variants.options,
        product_variants.price_amount, product_variants.compare_at_amount,
        product_variants.stock, product_variants.position, product_variants.active)
       IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.name, EXCLUDED.options,
       EXCLUDED.price_amount, EXCLUDED.compare_at_amount, EXCLUDED.stock, EXCLUDED.position,
       true);

-- After a bulk load, committed: fresh statistics, so the API's first queries get plans
-- for 100k rows rather than for an empty table. Best effort.
-- name: seed_analyze :exec
ANALYZE products, product_variants, product_images, product_categories;

-- --- the bulk loader (seed_bulk.c) ----------------------------------------------------
--
-- Settings for one big load, local to the caller's transaction (SET LOCAL needs no
-- privilege): the COPY text is UTF-8 whatever the client environment says; sorts,
-- hash joins and the triggers' transition tables stay in memory instead of spilling,
-- and so do the temp tables (temp_buffers must be set before the session's first
-- temp table, which is the first statement below that makes one).
-- name: seed_bulk_utf8 :exec
SET LOCAL client_encoding = 'UTF8';

-- name: seed_bulk_work_mem :exec
SET LOCAL work_mem = '256MB';

-- name: seed_bulk_temp_buffers :exec
SET LOCAL temp_buffers = '256MB';

-- The staging tables COPY fills, one per real table; n is the synthetic product's
-- number, which ties a product's rows together. Temp tables vanish at commit.
-- (`sfgen --describe` runs these CREATEs, so the statements below are typed against them.)
-- name: seed_bulk_tmp_products :exec
CREATE TEMP TABLE seed_tmp_products (n bigint, slug text, name text, brand text,
    description text, status text, featured boolean, age_minutes int, price bigint,
    compare_at bigint, in_stock boolean, image_url text, image_alt text) ON COMMIT DROP;

-- name: seed_bulk_tmp_variants :exec
CREATE TEMP TABLE seed_tmp_variants (n bigint, sku text, name text, options jsonb,
    price bigint, compare_at bigint, stock int, position int) ON COMMIT DROP;

-- name: seed_bulk_tmp_images :exec
CREATE TEMP TABLE seed_tmp_images (n bigint, url text, alt text, position int) ON COMMIT DROP;

-- name: seed_bulk_tmp_categories :exec
CREATE TEMP TABLE seed_tmp_categories (n bigint, category text) ON COMMIT DROP;

-- name: seed_bulk_tmp_ids :exec
CREATE TEMP TABLE seed_tmp_ids (n bigint, id bigint) ON COMMIT DROP;

-- The COPYs that fill the staging tables, columns in the order seed_bulk.c writes them.
-- name: seed_bulk_copy_products :copy
COPY seed_tmp_products (n, slug, name, brand, description, status, featured, age_minutes,
    price, compare_at, in_stock, image_url, image_alt) FROM STDIN;

-- name: seed_bulk_copy_variants :copy
COPY seed_tmp_variants (n, sku, name, options, price, compare_at, stock, position) FROM STDIN;

-- name: seed_bulk_copy_images :copy
COPY seed_tmp_images (n, url, alt, position) FROM STDIN;

-- name: seed_bulk_copy_categories :copy
COPY seed_tmp_categories (n, category) FROM STDIN;

-- Each category with its ancestors, as category_ids stores them.
-- name: seed_bulk_tmp_closure :exec
CREATE TEMP TABLE seed_tmp_closure ON COMMIT DROP AS
WITH RECURSIVE anc(slug, id) AS (
    SELECT slug, id FROM categories
    UNION
    SELECT a.slug, c.parent_id FROM anc a JOIN categories c ON c.id = a.id
     WHERE c.parent_id IS NOT NULL)
SELECT slug, id FROM anc;

-- How many of products first..last exist: one probe of the slug index each.
-- name: seed_bulk_existing :one
SELECT count(*) AS "n!" FROM generate_series(@first::bigint, @last::bigint) g
  JOIN products p ON p.slug = 'synthetic-' || g;

-- name: seed_bulk_truncate :exec
TRUNCATE seed_tmp_products, seed_tmp_variants, seed_tmp_images, seed_tmp_categories, seed_tmp_ids;

-- Temp tables are never auto-analyzed; without statistics the joins below would be
-- planned for a near-empty table.
-- name: seed_bulk_analyze_staged :exec
ANALYZE seed_tmp_products, seed_tmp_variants, seed_tmp_images, seed_tmp_categories;

-- name: seed_bulk_skip_existing :exec
DELETE FROM seed_tmp_products t USING products p WHERE p.slug = t.slug;

-- Ids follow arrival (created_at), as in a shop that has been adding products for a
-- year; the newest index then takes its entries in order, not at random. The derived
-- columns (price, in_stock, first image, category_ids with the ancestors) go in with
-- the row, so the triggers that keep them find nothing to change.
-- name: seed_bulk_products :execrows
INSERT INTO products (slug, name, brand_id, description, status, featured, price_amount,
                      compare_at_amount, in_stock, image_url, image_alt, category_ids,
                      created_at)
SELECT t.slug, t.name, b.id, t.description, t.status::product_status, t.featured, t.price,
       t.compare_at, t.in_stock, t.image_url, t.image_alt, coalesce(k.ids, '{}'),
       date_trunc('day', now()) - make_interval(mins => t.age_minutes)
  FROM seed_tmp_products t
  JOIN brands b ON b.slug = t.brand
  LEFT JOIN (SELECT tc.n, array_agg(DISTINCT cl.id ORDER BY cl.id) AS ids
               FROM seed_tmp_categories tc JOIN seed_tmp_closure cl ON cl.slug = tc.category
              GROUP BY tc.n) k ON k.n = t.n
 ORDER BY t.age_minutes DESC, t.n
ON CONFLICT (slug) DO NOTHING;

-- name: seed_bulk_map_ids :exec
INSERT INTO seed_tmp_ids SELECT t.n, p.id FROM seed_tmp_products t JOIN products p ON p.slug = t.slug;

-- name: seed_bulk_analyze_ids :exec
ANALYZE seed_tmp_ids;

-- name: seed_bulk_variants :exec
INSERT INTO product_variants (product_id, sku, name, options, price_amount, compare_at_amount,
                              stock, position)
SELECT i.id, v.sku, v.name, v.options, v.price, v.compare_at, v.stock, v.position
  FROM seed_tmp_variants v JOIN seed_tmp_ids i ON i.n = v.n
 ORDER BY i.id, v.position
ON CONFLICT (sku) DO NOTHING;

-- name: seed_bulk_images :exec
INSERT INTO product_images (product_id, url, alt, position)
SELECT i.id, m.url, m.alt, m.position FROM seed_tmp_images m JOIN seed_tmp_ids i ON i.n = m.n
 ORDER BY i.id, m.position;

-- name: seed_bulk_categories :exec
INSERT INTO product_categories (product_id, category_id)
SELECT i.id, k.id FROM seed_tmp_categories t JOIN seed_tmp_ids i ON i.n = t.n
  JOIN categories k ON k.slug = t.category
 ORDER BY i.id
ON CONFLICT DO NOTHING;
