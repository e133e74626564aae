/*
 * lexer.c — splits PostgreSQL DDL into tokens.
 *
 * Only as much of the SQL lexical grammar as it takes to skip anything safely: comments
 * (-- and nested slash-star), single-quoted strings with '' (and E'' backslash) escapes,
 * "quoted identifiers", and dollar-quoted bodies ($$...$$, $tag$...$tag$), so function
 * bodies and CHECK expressions can never be mistaken for statements. Every token keeps
 * its line and raw text, so DEFAULT expressions can be copied out as written.
 */
#include "sfgen.h"

#include <ctype.h>
#include <string.h>

typedef struct lexer {
    const char *file;
    const char *p;
    int line;
    bool space;
    token_list *out;
} lexer;

static void push(lexer *lx, tok_kind kind, const char *src, size_t len, char *low, int line);
static bool skip_space_and_comments(lexer *lx);
static void lex_string(lexer *lx, bool backslash);
static void lex_qident(lexer *lx);
static bool lex_dollar(lexer *lx);
static void lex_op(lexer *lx);
static bool is_ident_start(int c);
static bool is_ident_char(int c);
static bool is_op_char(int c);

void lex(const char *file, const char *text, token_list *out)
{
    lexer lx = {.file = file, .p = text, .line = 1, .out = out};
    out->file = file;
    for (;;) {
        lx.space = skip_space_and_comments(&lx) || lx.space;
        const char *p = lx.p;
        int c = (unsigned char)*p;
        if (!c)
            break;
        if ((c == 'e' || c == 'E') && p[1] == '\'') {
            lex_string(&lx, true);
        } else if (is_ident_start(c)) {
            const char *s = p;
            while (is_ident_char((unsigned char)*p))
                p++;
            char *low = xstrndup(s, (size_t)(p - s));
            for (char *q = low; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            push(&lx, TK_IDENT, s, (size_t)(p - s), low, lx.line);
            lx.p = p;
        } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)p[1]))) {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '.')
                p++;
            push(&lx, TK_NUMBER, s, (size_t)(p - s), xstrndup(s, (size_t)(p - s)), lx.line);
            lx.p = p;
        } else if (c == '\'') {
            lex_string(&lx, false);
        } else if (c == '"') {
            lex_qident(&lx);
        } else if (c == '$') {
            if (!lex_dollar(&lx))
                die_at(file, lx.line, "syntax error: stray '$'");
        } else if (strchr("(),;[].", c)) {
            push(&lx, TK_PUNCT, p, 1, xstrndup(p, 1), lx.line);
            lx.p++;
        } else if (is_op_char(c)) {
            lex_op(&lx);
        } else {
            die_at(file, lx.line, "syntax error: unexpected character '%c'", c);
        }
    }
    push(&lx, TK_EOF, lx.p, 0, xstrdup(""), lx.line);
}

static void push(lexer *lx, tok_kind kind, const char *src, size_t len, char *low, int line)
{
    token_list *o = lx->out;
    o->v = xrealloc(o->v, (o->n + 1) * sizeof *o->v);
    o->v[o->n++] = (token){
        .kind = kind, .src = src, .len = len, .low = low, .line = line, .space_before = lx->space};
    lx->space = false;
}

/* Returns true when anything was skipped. */
static bool skip_space_and_comments(lexer *lx)
{
    const char *p = lx->p;
    bool skipped = false;
    for (;;) {
        if (*p == '\n') {
            lx->line++;
            p++;
        } else if (isspace((unsigned char)*p)) {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            int start = lx->line, depth = 1; /* PostgreSQL block comments nest */
            p += 2;
            while (depth > 0) {
                if (!*p)
                    die_at(lx->file, start, "syntax error: unterminated /* comment");
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (p[0] == '*' && p[1] == '/') {
                    depth--;
                    p += 2;
                } else {
                    lx->line += *p++ == '\n';
                }
            }
        } else {
            break;
        }
        skipped = true;
    }
    lx->p = p;
    return skipped;
}

static void lex_string(lexer *lx, bool backslash)
{
    const char *s = lx->p, *p = lx->p + (backslash ? 2 : 1);
    int start = lx->line;
    sb val = {0};
    for (;;) {
        if (!*p)
            die_at(lx->file, start, "syntax error: unterminated string literal");
        if (*p == '\'' && p[1] == '\'') {
            sb_putn(&val, p, 1);
            p += 2;
        } else if (*p == '\'') {
            p++;
            break;
        } else if (backslash && *p == '\\' && p[1]) {
            sb_putn(&val, p + 1, 1);
            lx->line += p[1] == '\n';
            p += 2;
        } else {
            lx->line += *p == '\n';
            sb_putn(&val, p++, 1);
        }
    }
    if (!val.s)
        sb_puts(&val, "");
    push(lx, TK_STRING, s, (size_t)(p - s), val.s, start);
    lx->p = p;
}

static void lex_qident(lexer *lx)
{
    const char *s = lx->p, *p = lx->p + 1;
    int start = lx->line;
    sb val = {0};
    for (;;) {
        if (!*p)
            die_at(lx->file, start, "syntax error: unterminated quoted identifier");
        if (*p == '"' && p[1] == '"') {
            sb_putn(&val, p, 1);
            p += 2;
        } else if (*p == '"') {
            p++;
            break;
        } else {
            lx->line += *p == '\n';
            sb_putn(&val, p++, 1);
        }
    }
    if (!val.s)
        die_at(lx->file, start, "syntax error: empty quoted identifier");
    push(lx, TK_QIDENT, s, (size_t)(p - s), val.s, start);
    lx->p = p;
}

/* $1 parameters and $tag$...$tag$ bodies. False when '$' starts neither. */
static bool lex_dollar(lexer *lx)
{
    const char *s = lx->p, *p = lx->p + 1;
    if (isdigit((unsigned char)*p)) {
        while (isdigit((unsigned char)*p))
            p++;
        push(lx, TK_PARAM, s, (size_t)(p - s), xstrndup(s, (size_t)(p - s)), lx->line);
        lx->p = p;
        return true;
    }
    while (*p && *p != '$' && is_ident_char((unsigned char)*p))
        p++;
    if (*p != '$')
        return false;
    size_t taglen = (size_t)(p - s) + 1; /* "$tag$" */
    int start = lx->line;
    const char *body = p + 1, *q = body;
    for (;;) {
        if (!*q)
            die_at(lx->file, start, "syntax error: unterminated dollar-quoted string %.*s",
                   (int)taglen, s);
        if (*q == '$' && strncmp(q, s, taglen) == 0)
            break;
        lx->line += *q++ == '\n';
    }
    push(lx, TK_DOLLAR, s, (size_t)(q + taglen - s), xstrndup(body, (size_t)(q - body)), start);
    lx->p = q + taglen;
    return true;
}

static void lex_op(lexer *lx)
{
    const char *s = lx->p, *p = lx->p;
    /* An operator never swallows the start of a comment. */
    while (is_op_char((unsigned char)*p) && !(p[0] == '-' && p[1] == '-') &&
           !(p[0] == '/' && p[1] == '*'))
        p++;
    if (p == s)
        p++;
    push(lx, TK_OP, s, (size_t)(p - s), xstrndup(s, (size_t)(p - s)), lx->line);
    lx->p = p;
}

static bool is_ident_start(int c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool is_op_char(int c)
{
    return c && strchr("+-*/<>=~!@#%^&|`?:", c) != NULL;
}
