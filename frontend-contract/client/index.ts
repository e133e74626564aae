// The Storefront API's typed client: openapi-fetch over the types generated from
// openapi.yaml (../types/storefront-api.d.ts). Nothing here is SPA-specific; a Node
// script, a test or another web app uses it the same way.
//
//   const api = createStorefrontClient({ baseUrl, getToken: async () => token });
//   const products = unwrap(await api.GET('/v1/products', { params: { query: { limit: 12 } } }));
//   await api.POST('/v1/checkout', { body, headers: idempotencyHeaders() });
//
// Every error answer of the API is application/problem+json (docs/errors.md): `unwrap`
// turns it into a thrown ApiProblem that carries the parsed Problem.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../types/storefront-api';

export type { components, paths };
export type Schemas = components['schemas'];
export type Problem = components['schemas']['Problem'];
export type StorefrontClient = Client<paths>;

/** True when `value` has the shape of an application/problem+json body. */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === 'string' && typeof v.title === 'string' && typeof v.status === 'number';
}

/**
 * An API answer that was not 2xx: `problem` is its problem+json body, or null when the
 * body was something else (a proxy's HTML page, a network error page).
 */
export class ApiProblem extends Error {
  readonly problem: Problem | null;
  readonly status: number;
  constructor(status: number, problem: Problem | null, fallback = 'HTTP error') {
    super(problem ? `${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`
      : `${status} ${fallback}`);
    this.name = 'ApiProblem';
    this.problem = problem;
    this.status = status;
  }
}

export function isApiProblem(err: unknown): err is ApiProblem {
  return err instanceof ApiProblem;
}

/**
 * The `data` of an openapi-fetch result, or a thrown ApiProblem for its `error`.
 * A non-2xx answer whose body is not problem+json still throws an ApiProblem (problem null).
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.error === undefined) return result.data as T;
  const err = result.error;
  throw new ApiProblem(result.response.status, isProblem(err) ? err : null,
    result.response.statusText || 'HTTP error');
}

/** A fresh Idempotency-Key header for POST /v1/checkout (reuse it when retrying the same checkout). */
export function idempotencyHeaders(key: string = crypto.randomUUID()): { 'Idempotency-Key': string } {
  return { 'Idempotency-Key': key };
}

export interface ClientOptions {
  /** The API's origin, e.g. https://api.example.com (no trailing /v1). */
  baseUrl: string;
  /**
   * The access token to send as `Authorization: Bearer …`, asked per request (so a
   * refreshed token is used at once); undefined = anonymous. A request that already has
   * an Authorization header keeps it.
   */
  getToken?: () => Promise<string | undefined> | string | undefined;
  fetch?: typeof fetch;
}

/** A middleware adding the bearer token of `getToken` to each request. */
export function bearerMiddleware(getToken: NonNullable<ClientOptions['getToken']>): Middleware {
  return {
    async onRequest({ request }) {
      if (request.headers.has('Authorization')) return request;
      const token = await getToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  };
}

export function createStorefrontClient(opts: ClientOptions): StorefrontClient {
  const client = createClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  if (opts.getToken) client.use(bearerMiddleware(opts.getToken));
  return client;
}
