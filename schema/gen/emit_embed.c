/*
 * emit_embed.c — writes migrations_embed.c, the migration files compiled into the binary,
 * and the C string escaping every emitter shares.
 *
 * Each file becomes one array initialised from concatenated string literals, one piece per
 * source line (long lines split), so the output stays readable and diffable. C only
 * promises 4095 characters per literal and MSVC stops at 65535 bytes; GCC and Clang have no
 * limit, but a migration larger than 64 KiB is emitted as a byte list instead, which no
 * compiler limits.
 */
#include "emit.h"

#include <string.h>

#define LITERAL_MAX 65535 /* bytes in one literal after concatenation */
#define PIECE_MAX   96    /* source bytes per literal piece */

static void emit_literal(const char *text, size_t len, sb *o);
static void emit_bytes(const char *text, size_t len, sb *o);
static const char *base_name(const char *path);

void emit_embed(const schema *s, char *const *texts, const size_t *lens, sb *o)
{
    emit_banner(s, o);
    sb_puts(o, " *\n"
               " * The migrations compiled into the binary (see storefront/migrations.h), so a\n"
               " * deployed server carries exactly the schema it was built against.\n"
               " */\n"
               "#include \"storefront/migrations.h\"\n");
    for (int i = 0; i < s->nfiles; i++) {
        sb_printf(o, "\n/* %s */\nstatic const char migration_%d[] =", s->files[i], i);
        if (lens[i] > LITERAL_MAX)
            emit_bytes(texts[i], lens[i], o);
        else
            emit_literal(texts[i], lens[i], o);
        sb_puts(o, ";\n");
    }
    sb_puts(o, "\nconst sf_migration sf_migrations[] = {\n");
    for (int i = 0; i < s->nfiles; i++) {
        sb_puts(o, "    {.name = \"");
        const char *b = base_name(s->files[i]);
        c_escape(o, b, strlen(b));
        sb_printf(o, "\", .sql = migration_%d, .sql_len = %zu},\n", i, lens[i]);
    }
    sb_printf(o, "};\n\nconst size_t sf_migrations_count = %d;\n", s->nfiles);
}

static void emit_literal(const char *text, size_t len, sb *o)
{
    if (len == 0) {
        sb_puts(o, " \"\"");
        return;
    }
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && end - i < PIECE_MAX && text[end] != '\n')
            end++;
        if (end < len && text[end] == '\n' && end - i < PIECE_MAX)
            end++; /* the newline ends the piece */
        sb_puts(o, "\n    \"");
        c_escape(o, text + i, end - i);
        sb_puts(o, "\"");
        i = end;
    }
}

static void emit_bytes(const char *text, size_t len, sb *o)
{
    sb_puts(o, " {");
    for (size_t i = 0; i <= len; i++) {
        if (i % 12 == 0)
            sb_puts(o, "\n   ");
        sb_printf(o, " 0x%02x,", i < len ? (unsigned char)text[i] : 0);
    }
    sb_puts(o, "\n}");
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void c_escape(sb *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\': sb_puts(out, "\\\\"); break;
        case '"': sb_puts(out, "\\\""); break;
        case '\n': sb_puts(out, "\\n"); break;
        case '\t': sb_puts(out, "\\t"); break;
        case '\r': sb_puts(out, "\\r"); break;
        case '?': sb_puts(out, i > 0 && s[i - 1] == '?' ? "\\?" : "?"); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                sb_putn(out, (const char *)&c, 1);
            else
                sb_printf(out, "\\%03o", c);
        }
    }
}

void emit_sql_literal(sb *out, const char *sql, int indent)
{
    const int width = 96 - indent - 2;
    size_t n = strlen(sql), i = 0;
    int col = 0;
    sb_puts(out, "\"");
    while (i < n) {
        /* The next word and the space before it travel together. */
        size_t end = i + 1;
        while (end < n && sql[end] != ' ')
            end++;
        if (col > 0 && col + (int)(end - i) > width) {
            sb_printf(out, "\"\n%*s\"", indent, "");
            col = 0;
        }
        size_t before = out->len;
        c_escape(out, sql + i, end - i);
        col += (int)(out->len - before);
        i = end;
    }
    sb_puts(out, "\"");
}

void emit_wrapped(sb *o, const char *text, int cont, const char *end)
{
    const int width = 100;
    int col = 0;
    const char *p = text;
    while (*p) {
        /* The next ", "-separated item, separator included. */
        const char *q = strstr(p, ", ");
        size_t n = q ? (size_t)(q - p) + 2 : strlen(p);
        int item = (int)(q ? n - 1 : n); /* the trailing space may end a line */
        if (col > cont && col + item > width) {
            o->len -= o->s[o->len - 1] == ' '; /* no trailing blank */
            o->s[o->len] = '\0';
            sb_printf(o, "\n%*s", cont, "");
            col = cont;
        }
        sb_putn(o, p, n);
        col += (int)n;
        p += n;
    }
    sb_puts(o, end);
}
