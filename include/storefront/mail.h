/*
 * mail.h — order e-mails (issue #12, docs/messages.md): the SES client (ses.c), the
 * template renderer (mail_template.c), the templates kept in templates/email/ and
 * embedded into the binary at build time (templates/email/embed.cmake), and the
 * order-event → e-mail renderer (mail_render.c). The sender thread is mailer.c
 * (svc_mailer_start in messages.h).
 */
#ifndef STOREFRONT_MAIL_H
#define STOREFRONT_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "storefront/arena.h"
#include "storefront/config.h"
#include "storefront/error.h"

/* --- SES (ses.c) ------------------------------------------------------------------ */

typedef struct ses_email {
    const char *from, *to, *subject, *text, *html; /* UTF-8; html may be NULL */
} ses_email;

/* What to do with an e-mail after one SendEmail attempt. */
typedef enum ses_outcome {
    SES_SENT,     /* 2xx: SES accepted it */
    SES_RETRY,    /* 429, 5xx, no answer (connect error, timeout): try again later */
    SES_REJECTED, /* any other 4xx: the message or the account is wrong; retrying won't help */
} ses_outcome;

typedef struct ses_result {
    ses_outcome outcome;
    long http_status; /* 0 when no answer came */
    char error[512];  /* empty when sent; else curl's error or SES's message */
} ses_result;

/* The SESv2 SendEmail JSON body for m (Simple content, UTF-8 charset), in a. */
char *ses_request_body(arena *a, const ses_email *m);

/* The outcome of an answer with this status (0 = no answer). */
ses_outcome ses_classify(long http_status);

/* POST {cfg->ses_endpoint}/v2/email/outbound-emails, signed with SigV4 ("aws:amz:
 * <region>:ses") and the AWS credentials in cfg; blocks at most ~15 s. Fills *out. */
void ses_send(const sf_config *cfg, const ses_email *m, ses_result *out);

/* --- templates (mail_template.c) ---------------------------------------------------- */

/* One {{name}}: `value` is plain text (HTML-escaped in HTML templates); `html`, when not
 * NULL, is used as it is in HTML templates instead (markup built by the caller from
 * escaped parts, e.g. the lines table). */
typedef struct mail_var {
    const char *name;
    const char *value;
    const char *html;
} mail_var;

/* Renders tpl: {{name}} is replaced by the variable's value (escaped when `html`);
 * {{#name}}…{{/name}} keeps its content only when the variable is not empty. NULL, with
 * *bad (if given) pointing to a static description, for an unknown variable or an
 * unbalanced section: templates are checked by tests/unit/test_mail_template.c. */
char *mail_template_render(arena *a, const char *tpl, const mail_var *vars, size_t nvars, bool html,
                           const char **bad);

/* s with & < > " ' as HTML entities, in a. */
char *mail_html_escape(arena *a, const char *s);

/* The embedded template "<name>" (e.g. "confirmation.subject.txt", "paid.html"); NULL
 * when there is none. The table is generated from templates/email/ at build time. */
const char *mail_template_source(const char *name);

/* --- order e-mails (mail_render.c) --------------------------------------------------- */

typedef struct mail_message {
    const char *subject, *text, *html;
} mail_message;

/* The e-mail for an outbox row: event_type (order.created, .paid, .shipped, .cancelled,
 * .refunded) picks the templates; payload is the row's JSON ({"object": <Order>, and for
 * refunds "refund": {...}}); the shop's name, address and URL come from cfg. Strings in a.
 * SF_INVALID for an unknown event type, a payload that is not an order, or a template
 * that does not render (the row can never be sent: the caller marks it failed). */
sf_status mail_render_order_event(arena *a, const sf_config *cfg, const char *event_type,
                                  const char *payload, mail_message *out, sf_error *e);

/* amount (minor units) of currency as "12.34 USD" (no decimals for JPY, KRW and the like). */
char *mail_format_money(arena *a, long long amount, const char *currency);

#endif
