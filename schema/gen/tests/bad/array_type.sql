-- expect: {file}:2: unknown column type 'text[]' for column tags (arrays are not supported)
CREATE TABLE t (id bigint PRIMARY KEY, tags text[]);
