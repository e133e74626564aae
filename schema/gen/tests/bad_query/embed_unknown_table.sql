-- expect: {file}:4: sfgen.embed(table [alias]): no table `nope` in the migrations
-- name: fx_bad :one
SELECT 1 AS one,
       sfgen.embed(nope)
  FROM customers;
