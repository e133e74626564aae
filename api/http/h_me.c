/*
 * h_me.c — GET /v1/me and PATCH /v1/me: the signed-in person's profile. Identity
 * fields (sub, username, groups) come from the verified token; email, email_verified
 * and name are copied from Cognito (profile_sync.c; an ID token's own email wins); the
 * profile fields (display name, phone, marketing opt-in) are theirs to change.
 */
#include "http/http.h"
#include "storefront/customers.h"

static void write_me(http_ctx *c, const db_customer *row);

void h_me_get(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    db_customer row;
    if (svc_customer_ensure(c->app->pool, c->a, &c->principal, &row, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    write_me(c, &row);
}

void h_me_patch(http_ctx *c)
{
    sf_error e;
    sf_error_clear(&e);
    const char *body;
    size_t len;
    if (!http_json_body_or_problem(c, &body, &len))
        return;
    svc_profile_patch patch;
    db_customer row;
    if (svc_profile_patch_parse(c->a, body, len, &patch, &e) != SF_OK ||
        svc_customer_update_profile(c->app->pool, c->a, &c->principal, &patch, &row, &e) != SF_OK) {
        http_send_error(c, &e);
        return;
    }
    /* A person who changed their profile may have changed their e-mail or name in
     * Cognito too: copy them again. A failure leaves the answer as the patch made it. */
    http_profile_refresh(c, &row);
    write_me(c, &row);
}

static void write_me(http_ctx *c, const db_customer *row)
{
    jw w;
    jw_init(&w, 1024);
    jw_obj_begin(&w);
    http_write_customer_fields(&w, row, &c->principal);
    jw_obj_end(&w);
    http_send_json(c, 200, &w);
}

void http_write_customer_fields(jw *w, const db_customer *row, const auth_principal *p)
{
    jw_key(w, "id");
    jw_int(w, row->id);
    jw_key(w, "sub");
    jw_str(w, row->cognito_sub);
    jw_key(w, "username");
    jw_str(w, p ? p->username : row->username);
    jw_key(w, "email");
    jw_str(w, p && p->email[0] ? p->email : (row->email_is_null ? NULL : row->email));
    jw_key(w, "email_verified");
    if (row->email_verified_is_null)
        jw_null(w);
    else
        jw_bool(w, row->email_verified);
    jw_key(w, "name");
    jw_str(w, row->name_is_null ? NULL : row->name);
    jw_key(w, "profile_synced_at");
    jw_str(w, row->profile_synced_at_is_null ? NULL : row->profile_synced_at);
    if (p) {
        jw_key(w, "groups");
        jw_arr_begin(w);
        for (int i = 0; i < p->ngroups; i++)
            jw_str(w, p->groups[i]);
        jw_arr_end(w);
        jw_key(w, "is_admin");
        jw_bool(w, p->is_admin);
    }
    jw_key(w, "display_name");
    jw_str(w, row->display_name_is_null ? NULL : row->display_name);
    jw_key(w, "phone");
    jw_str(w, row->phone_is_null ? NULL : row->phone);
    jw_key(w, "marketing_opt_in");
    jw_bool(w, row->marketing_opt_in);
    jw_key(w, "created_at");
    jw_str(w, row->created_at);
    jw_key(w, "updated_at");
    jw_str(w, row->updated_at);
}
