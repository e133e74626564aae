-- expect: {file}:2: array column tags needs a DEFAULT
CREATE TABLE t (id bigint PRIMARY KEY, tags text[]);
