/*
 * util.c — the generator's plumbing: a growable string buffer, allocation that dies
 * instead of returning NULL (sfgen is a build tool; there is nothing to recover), error
 * exits with file:line, and file I/O that leaves unchanged outputs untouched so the
 * build stays incremental.
 */
#include "sfgen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void make_parent_dirs(const char *path);

void sb_putn(sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_puts(sb *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_printf(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    char *tmp = xcalloc((size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_putn(b, tmp, (size_t)n);
    free(tmp);
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xcalloc(n + 1, 1);
    memcpy(p, s, n);
    return p;
}

char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    char *p = xcalloc((size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void die_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void die(const char *fmt, ...)
{
    va_list ap;
    fputs("sfgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    sb b = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_putn(&b, buf, n);
    if (ferror(f))
        die("cannot read %s: %s", path, strerror(errno));
    fclose(f);
    if (!b.s)
        sb_puts(&b, "");
    if (len)
        *len = b.len;
    return b.s;
}

/* mkdir -p for every directory above path. */
static void make_parent_dirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            die("cannot create directory %s: %s", p, strerror(errno));
        *s = '/';
    }
    free(p);
}

void write_if_changed(const char *path, const sb *b)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        size_t len;
        char *old = read_file(path, &len);
        bool same = len == b->len && memcmp(old, b->s, len) == 0;
        free(old);
        if (same)
            return;
    }
    make_parent_dirs(path);
    char *tmp = xprintf("%s.tmp", path);
    f = fopen(tmp, "wb");
    if (!f)
        die("cannot write %s: %s", tmp, strerror(errno));
    if (fwrite(b->s, 1, b->len, f) != b->len || fclose(f) != 0)
        die("cannot write %s: %s", tmp, strerror(errno));
    /* Rename so a concurrent compile never sees a half-written file. */
    if (rename(tmp, path) != 0)
        die("cannot rename %s: %s", tmp, strerror(errno));
    free(tmp);
}
