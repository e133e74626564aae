-- expect: {file}:2: fx_bad: result column 2 is named `?column?`: give it a C identifier (AS name)
-- name: fx_bad :one
SELECT id, id + 1 FROM customers WHERE id = @id;
