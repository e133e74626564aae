-- expect: {file}:3: syntax error: expected IDENTITY or (expression) STORED
CREATE TABLE t (
    id bigint GENERATED ALWAYS AS STORED PRIMARY KEY
);
