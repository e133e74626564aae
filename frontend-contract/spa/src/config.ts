// Build-time configuration (Vite inlines import.meta.env.VITE_* at build time).
// docs/frontend.md lists every variable; make run and the journey test set them.
const env = import.meta.env;

function required(name: string, value: string | undefined): string {
  if (!value) throw new Error(`${name} is not set at build time (docs/frontend.md)`);
  return value;
}

export const config = {
  /** The API origin, e.g. https://api.example.com or http://127.0.0.1:8080. */
  apiBaseUrl: required('VITE_API_BASE_URL', env.VITE_API_BASE_URL as string | undefined).replace(/\/+$/, ''),
  cognito: {
    userPoolId: required('VITE_COGNITO_USER_POOL_ID', env.VITE_COGNITO_USER_POOL_ID as string | undefined),
    userPoolClientId: required('VITE_COGNITO_CLIENT_ID', env.VITE_COGNITO_CLIENT_ID as string | undefined),
    /** cognito-local (or any non-AWS endpoint); empty on AWS. */
    endpoint: (env.VITE_COGNITO_ENDPOINT as string | undefined) || undefined,
    /** USER_SRP_AUTH (AWS, default) or USER_PASSWORD_AUTH (cognito-local refuses SRP). */
    authFlow: ((env.VITE_COGNITO_AUTH_FLOW as string | undefined) || 'USER_SRP_AUTH') as
      'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH',
  },
  /** The Clickstream app id (one of the server's CLICKSTREAM_APP_IDS); empty = no clickstream. */
  clickstreamAppId: (env.VITE_CLICKSTREAM_APP_ID as string | undefined) || '',
  /** ISO country the checkout form starts with. */
  defaultCountry: (env.VITE_DEFAULT_COUNTRY as string | undefined) || 'DE',
};
