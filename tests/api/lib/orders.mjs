// orders.mjs — a server of our own for the order tests (it trusts a JWKS the test serves,
// so every customer is a fresh person and staff tokens carry the admin group), and
// helpers to place an order through the real cart and checkout.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { api } from './client.mjs';
import { requireEnv, startServer, stopServer } from './server.mjs';
import { accessClaims, makeKey, sign, startJwks } from './tokens.mjs';

const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' };

export const sql = (text) => execFileSync('psql', [requireEnv('STOREFRONT_SERVER_DATABASE_URL'), '-XAtqc', text],
  { encoding: 'utf8' }).trim();

export const stockOf = (id) => Number(sql(`SELECT stock FROM product_variants WHERE id = ${Number(id)}`));

/**
 * Starts the server (issuer `name`, extra env) and picks the in-stock USD variant at
 * `offset` (by id, stock >= 50) for orders. {send, person, staff, place, variant, stop}.
 */
export async function orderWorld(name, env = {}, offset = 0) {
  const issuer = `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_${name}`;
  const client = `${name.toLowerCase()}client`.padEnd(25, '0');
  const key = makeKey(name);
  const jwks = await startJwks([key]);
  const srv = await startServer({
    COGNITO_ISSUER: issuer, COGNITO_JWKS_URL: jwks.url, COGNITO_ALLOW_HTTP: '1',
    COGNITO_CLIENT_IDS: client, COGNITO_TOKEN_USE: 'access', ADMIN_GROUP: 'admin',
    DB_POOL_SIZE: '8', ...env,
  });
  const id = Number(sql(`SELECT v.id FROM product_variants v JOIN products p ON p.id = v.product_id AND p.active
    WHERE v.active AND v.currency = 'USD' AND v.stock >= 50 ORDER BY v.id LIMIT 1 OFFSET ${offset}`));
  assert.ok(id, 'the catalog needs in-stock USD variants');
  const variant = { id, stock: stockOf(id) };
  const send = (method, path, { token, body, headers = {} } = {}) => api(method, path, {
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
    base: srv.base,
  });
  const person = () => sign(key, accessClaims(issuer, client, { sub: randomUUID() }));
  const staff = () => sign(key, accessClaims(issuer, client, { 'cognito:groups': ['admin'] }));
  /** Places an order of `quantity` of the variant; returns the Order. */
  async function place(paymentMethod = 'manual', token = person(), quantity = 1) {
    const item = await send('POST', '/v1/me/cart/items', { token, body: { variant_id: id, quantity } });
    assert.equal(item.status, 200, item.text);
    const res = await send('POST', '/v1/checkout', {
      token, headers: { 'idempotency-key': randomUUID() },
      body: { shipping_address: ADDRESS, shipping_method: 'standard', payment_method: paymentMethod },
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }
  async function stop() {
    sql(`UPDATE product_variants SET stock = ${variant.stock} WHERE id = ${id}`);
    const result = await stopServer(srv);
    await jwks.close();
    assert.equal(result.code, 0, srv.output());
  }
  return { send, person, staff, place, variant, stop, srv };
}
