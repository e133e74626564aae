// The typed client (@storefront/client, frontend-contract/client) bound to this build's API and session.
import { createStorefrontClient, unwrap, type Schemas } from '@storefront/client';
import { accessToken } from './auth';
import { config } from './config';

/** Anonymous calls (catalog, guest cart). */
export const publicApi = createStorefrontClient({ baseUrl: config.apiBaseUrl });
/** Calls as the signed-in shopper: the bearer token is asked from Amplify per request. */
export const meApi = createStorefrontClient({ baseUrl: config.apiBaseUrl, getToken: () => accessToken() });

export { unwrap };
export type { Schemas };

const GUEST_CART = 'storefront.guestCart';
export const guestCartId = {
  get: (): string | null => localStorage.getItem(GUEST_CART),
  set: (id: string): void => localStorage.setItem(GUEST_CART, id),
  clear: (): void => localStorage.removeItem(GUEST_CART),
};

export function money(m: Schemas['Money']): string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency })
    .format(m.amount / 10 ** digits);
}
