// events.mjs — helpers of the clickstream ingestion tests: a server of our own (its own
// JWKS, so tokens carry a sub the test knows), event builders and table checks.
import { randomUUID } from 'node:crypto';
import { api } from './client.mjs';
import { sql } from './orders.mjs';
import { startServer, stopServer } from './server.mjs';
import { accessClaims, makeKey, sign, startJwks } from './tokens.mjs';

/** A valid event; fields in `over` replace or (undefined) drop the defaults. */
export function ev(over = {}) {
  const e = {
    event_id: randomUUID(), event_type: 'page_view', timestamp: Date.now(),
    anonymous_id: 'anon-1', session_id: 'sess-1', page_url: 'https://shop.example.com/', ...over,
  };
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  return e;
}

/** How many of these event ids are stored. */
export const storedCount = (ids) => (ids.length === 0 ? 0
  : Number(sql(`SELECT count(*) FROM events WHERE event_id IN (${ids.map((id) => `'${id}'`).join(',')})`)));

/** One stored row as a JSON object (props as text). */
export const storedRow = (id) => JSON.parse(sql(`SELECT row_to_json(e) FROM events e WHERE event_id = '${id}'`));

/**
 * Starts a server trusting a JWKS the test serves; env adds settings.
 * {base, post(body, opts), token(sub), srv, stop()}; post's opts: headers, token, raw
 * (body sent as given), fresh (a new connection: api() in client.mjs).
 */
export async function eventsWorld(name, env = {}) {
  const issuer = `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_${name}`;
  const client = `${name.toLowerCase()}client`.padEnd(25, '0');
  const key = makeKey(name);
  const jwks = await startJwks([key]);
  const srv = await startServer({
    COGNITO_ISSUER: issuer, COGNITO_JWKS_URL: jwks.url, COGNITO_ALLOW_HTTP: '1',
    COGNITO_CLIENT_IDS: client, COGNITO_TOKEN_USE: 'access', DB_POOL_SIZE: '4',
    // make test exports KINESIS_STREAM; without it the plain insert path runs (outbox: opt in).
    KINESIS_STREAM: undefined, ...env,
  });
  const token = (sub = randomUUID()) => sign(key, accessClaims(issuer, client, { sub }));
  const post = (body, { headers = {}, token: t, raw = false, fresh = false } = {}) => {
    const h = { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}), ...headers };
    for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
    return api('POST', '/v1/events', { base: srv.base, headers: h, body: raw ? body : JSON.stringify(body), fresh });
  };
  return {
    base: srv.base, srv, post, token,
    stop: async () => { const r = await stopServer(srv); await jwks.close(); return r; },
  };
}
