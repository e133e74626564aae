/*
 * mail_template.c — the e-mail template renderer (see mail.h): {{name}} substitution and
 * {{#name}}…{{/name}} sections, with HTML escaping for HTML templates.
 *
 * Why not a template library: the templates are ours, few and small, and need only
 * these two forms; a renderer of ~150 lines has no dependency to keep up and refuses an
 * unknown name instead of printing nothing, so a typo in a template fails the unit test
 * rather than a customer's e-mail.
 *
 * The templates themselves live in templates/email and are compiled into the binary
 * (templates/email/embed.cmake generates the table below), so a deployed server needs no
 * template files and the e-mails cannot drift from the commit that is running.
 */
#include <string.h>

#include "storefront/mail.h"

/* Generated from the files in templates/email by templates/email/embed.cmake. */
typedef struct mail_embedded {
    const char *name;
    const char *text;
} mail_embedded;
extern const mail_embedded mail_embedded_templates[];
extern const size_t mail_embedded_templates_n;

typedef struct buf {
    arena *a;
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n);
static const mail_var *find(const mail_var *vars, size_t nvars, const char *name, size_t n);
static const char *render_into(buf *b, const char *tpl, const char *end, const mail_var *vars,
                               size_t nvars, bool html);

char *mail_template_render(arena *a, const char *tpl, const mail_var *vars, size_t nvars, bool html,
                           const char **bad)
{
    buf b = {.a = a};
    put(&b, "", 0);
    const char *why = render_into(&b, tpl, tpl + strlen(tpl), vars, nvars, html);
    if (bad)
        *bad = why;
    return why ? NULL : b.p;
}

char *mail_html_escape(arena *a, const char *s)
{
    buf b = {.a = a};
    put(&b, "", 0);
    for (; s && *s; s++) {
        switch (*s) {
        case '&': put(&b, "&amp;", 5); break;
        case '<': put(&b, "&lt;", 4); break;
        case '>': put(&b, "&gt;", 4); break;
        case '"': put(&b, "&quot;", 6); break;
        case '\'': put(&b, "&#39;", 5); break;
        default: put(&b, s, 1);
        }
    }
    return b.p;
}

const char *mail_template_source(const char *name)
{
    for (size_t i = 0; name && i < mail_embedded_templates_n; i++)
        if (strcmp(mail_embedded_templates[i].name, name) == 0)
            return mail_embedded_templates[i].text;
    return NULL;
}

/* Renders [tpl, end) into b; NULL on success, else why it failed. A section's content
 * is rendered recursively, so sections may nest (different names). */
static const char *render_into(buf *b, const char *tpl, const char *end, const mail_var *vars,
                               size_t nvars, bool html)
{
    const char *p = tpl;
    while (p < end) {
        const char *open = strstr(p, "{{");
        if (!open || open >= end) {
            put(b, p, (size_t)(end - p));
            return NULL;
        }
        put(b, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        if (!close || close > end)
            return "a {{ without its }}";
        const char *name = open + 2;
        bool section = *name == '#';
        if (*name == '/')
            return "a {{/name}} without its {{#name}}";
        if (section)
            name++;
        size_t n = (size_t)(close - name);
        const mail_var *v = find(vars, nvars, name, n);
        if (!v)
            return "an unknown {{name}}";
        if (!section) {
            const char *val = v->value ? v->value : "";
            if (html && v->html)
                put(b, v->html, strlen(v->html));
            else if (html) {
                const char *esc = mail_html_escape(b->a, val);
                put(b, esc, strlen(esc));
            } else
                put(b, val, strlen(val));
            p = close + 2;
            continue;
        }
        /* Find this section's {{/name}}. */
        char *tag = arena_sprintf(b->a, "{{/%.*s}}", (int)n, name);
        const char *stop = strstr(close + 2, tag);
        if (!stop || stop >= end)
            return "a {{#name}} without its {{/name}}";
        if (v->value && *v->value) {
            const char *why = render_into(b, close + 2, stop, vars, nvars, html);
            if (why)
                return why;
        }
        p = stop + strlen(tag);
    }
    return NULL;
}

static const mail_var *find(const mail_var *vars, size_t nvars, const char *name, size_t n)
{
    for (size_t i = 0; i < nvars; i++)
        if (strlen(vars[i].name) == n && memcmp(vars[i].name, name, n) == 0)
            return &vars[i];
    return NULL;
}

/* Appends s[0..n) and keeps b->p NUL-terminated; grows by doubling in the arena (the
 * old block stays until the arena is freed: e-mails are small). */
static void put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = arena_alloc(b->a, cap);
        if (b->len)
            memcpy(np, b->p, b->len);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}
