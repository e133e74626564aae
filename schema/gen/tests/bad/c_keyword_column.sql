-- expect: column t.int cannot be a C struct field name
CREATE TABLE t (id bigint PRIMARY KEY, "int" integer);
