/*
 * main.c — sfgen, the ORM generator.
 *
 *   sfgen --out-dir DIR --source-root ROOT [--described FILE] [--crud LIST] MIGRATION.sql...
 *         [--queries QUERIES.sql...]
 *   sfgen --describe CONNINFO --described FILE --source-root ROOT MIGRATION.sql...
 *         --queries QUERIES.sql...
 *
 * Reads the migrations in the order given (CMake passes them sorted) and writes
 * DIR/storefront/db_gen.h, DIR/db_gen.c and DIR/migrations_embed.c; with --queries also
 * DIR/storefront/queries_gen.h and DIR/queries_gen.c, typed by the described FILE
 * (schema/queries/described.txt). --crud LIST (schema/queries/crud.list) names the tables
 * that get CRUD functions and JSON codecs; the others get their struct and decoder only
 * (what sfgen.embed uses). --describe instead asks PostgreSQL for the queries'
 * types and (re)writes FILE; it needs a server where the role may CREATE DATABASE
 * (describe.c). Paths in the output
 * are relative to ROOT and nothing depends on the time or the machine, so the output is
 * reproducible; files whose content did not change are not rewritten, so the build stays
 * incremental. Any error prints file:line and exits non-zero.
 */
#include "query.h"
#include "sfgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void) __attribute__((noreturn));
int __lsan_is_turned_off(void);
static char *relative_path(const char *path, const char *root);
static void read_crud_list(schema *s, const char *path, const char *shown);

int main(int argc, char **argv)
{
    const char *out_dir = NULL, *root = NULL, *described = NULL, *conninfo = NULL, *crud = NULL;
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strcmp(argv[first], "--out-dir") == 0 && first + 1 < argc)
            out_dir = argv[++first];
        else if (strcmp(argv[first], "--source-root") == 0 && first + 1 < argc)
            root = argv[++first];
        else if (strcmp(argv[first], "--described") == 0 && first + 1 < argc)
            described = argv[++first];
        else if (strcmp(argv[first], "--describe") == 0 && first + 1 < argc)
            conninfo = argv[++first];
        else if (strcmp(argv[first], "--crud") == 0 && first + 1 < argc)
            crud = argv[++first];
        else
            usage();
    }
    int end = first;
    while (end < argc && strcmp(argv[end], "--queries") != 0)
        end++;
    int qfirst = end < argc ? end + 1 : argc;
    if (!root || first == end || (!out_dir && !conninfo) || (qfirst < argc && !described) ||
        (conninfo && (!described || qfirst == argc)))
        usage();

    schema s = {0};
    int nfiles = end - first;
    char **texts = xcalloc((size_t)nfiles, sizeof *texts);
    size_t *lens = xcalloc((size_t)nfiles, sizeof *lens);
    s.files = xcalloc((size_t)nfiles, sizeof *s.files);
    query_set qs = {.migrations_hash = FNV_OFFSET};
    for (int i = 0; i < nfiles; i++) {
        const char *path = argv[first + i];
        s.files[s.nfiles++] = relative_path(path, root);
        texts[i] = read_file(path, &lens[i]);
        if (strlen(texts[i]) != lens[i])
            die("%s: contains a NUL byte", path);
        qs.migrations_hash = fnv1a(qs.migrations_hash, s.files[i], strlen(s.files[i]) + 1);
        qs.migrations_hash = fnv1a(qs.migrations_hash, texts[i], lens[i]);
        token_list toks = {0};
        lex(s.files[i], texts[i], &toks);
        parse_file(&s, &toks);
    }
    schema_validate(&s);
    if (crud)
        read_crud_list(&s, crud, relative_path(crud, root));
    for (int i = qfirst; i < argc; i++) {
        size_t len;
        char *text = read_file(argv[i], &len);
        queries_parse_file(&qs, &s, relative_path(argv[i], root), text);
    }

    if (conninfo) {
        describe_all(&qs, conninfo, &s, texts);
        queries_validate(&qs);
        sb d = {0};
        described_write(&qs, &d);
        write_if_changed(described, &d);
        return 0;
    }
    if (qfirst < argc) {
        size_t len;
        char *text = read_file(described, &len);
        described_read(&qs, &s, relative_path(described, root), text);
    }

    sb h = {0}, c = {0}, m = {0};
    emit_header(&s, &h);
    emit_source(&s, &c);
    emit_embed(&s, texts, lens, &m);
    write_if_changed(xprintf("%s/storefront/db_gen.h", out_dir), &h);
    write_if_changed(xprintf("%s/db_gen.c", out_dir), &c);
    write_if_changed(xprintf("%s/migrations_embed.c", out_dir), &m);
    if (qfirst < argc) {
        sb qh = {0}, qc = {0};
        emit_queries_header(&s, &qs, &qh);
        emit_queries_source(&s, &qs, &qc);
        write_if_changed(xprintf("%s/storefront/queries_gen.h", out_dir), &qh);
        write_if_changed(xprintf("%s/queries_gen.c", out_dir), &qc);
    }
    return 0;
}

/* sfgen is a short-lived build tool that never frees its model (everything lives until
 * exit). In the sanitizer build LeakSanitizer would call that a leak and fail the build, so
 * leak detection is off for this program only. LeakSanitizer asks this hook at exit; unlike
 * __asan_default_options it wins over an ASAN_OPTIONS=detect_leaks=1 from the environment
 * (SANITIZE=1 make test exports one for the server and tests). */
int __lsan_is_turned_off(void)
{
    return 1;
}

static void usage(void)
{
    fputs("usage: sfgen --out-dir DIR --source-root ROOT [--described FILE] [--crud LIST]\n"
          "             MIGRATION.sql...\n"
          "             [--queries QUERIES.sql...]\n"
          "       sfgen --describe CONNINFO --described FILE --source-root ROOT MIGRATION.sql...\n"
          "             --queries QUERIES.sql...\n",
          stderr);
    exit(2);
}

/* path relative to root when it lies under it, else path unchanged. */
static char *relative_path(const char *path, const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (strncmp(path, root, n) == 0 && path[n] == '/')
        return xstrdup(path + n + 1);
    return xstrdup(path);
}

/* --crud FILE: the tables that get generated CRUD and JSON codecs, one name per line
 * (# starts a comment); every other table gets its struct and row decoder only. */
static void read_crud_list(schema *s, const char *path, const char *shown)
{
    size_t len;
    char *text = read_file(path, &len);
    for (int i = 0; i < s->ntables; i++)
        s->tables[i]->no_crud = true;
    int lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char name[128];
        if (sscanf(line, "%127s", name) != 1)
            continue;
        bool found = false;
        for (int i = 0; i < s->ntables; i++)
            if (strcmp(s->tables[i]->name, name) == 0) {
                s->tables[i]->no_crud = false;
                found = true;
            }
        if (!found)
            die_at(shown, lineno, "no table `%s` in the migrations", name);
    }
}
