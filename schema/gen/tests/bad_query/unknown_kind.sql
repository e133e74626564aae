-- expect: {file}:2: unknown kind `:first` (one, many, exec, execrows, shape, fragment, copy)
-- name: fx_bad :first
SELECT id FROM customers;
