// stripe.mjs — the Stripe stand-in (localstack/stripe-fake.mjs) as the card-payment tests
// use it: an order world whose server has its own sk_test_ key (its own account in the
// stand-in: objects, request log, faults) and webhook secret, with the stand-in's
// webhooks for that account pointed at that server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { orderWorld } from './orders.mjs';
import { requireEnv } from './server.mjs';

export const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' };

/** A control or API call to the stand-in; resolves {status, body, headers}. */
export async function fake(method, path, { body, key, form } = {}) {
  const headers = {};
  let payload;
  if (form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers.authorization = `Bearer ${key}`;
    payload = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  } else if (key && !path.startsWith('/__')) {
    headers.authorization = `Bearer ${key}`;
  }
  const res = await fetch(`${requireEnv('STRIPE_FAKE_URL')}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: Object.fromEntries(res.headers) };
}

/** Requests the stand-in received for this key (optionally only METHOD path). */
export async function requests(key, method, path) {
  const all = (await fake('GET', `/__requests?key=${encodeURIComponent(key)}`)).body;
  return all.filter((r) => (!method || r.method === method) && (!path || r.path === path));
}

/** Waits until check() is truthy (polling; bounded by tries, not by a time budget). */
export async function eventually(check, what, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never happened: ${what}`);
}

/** orderWorld plus {key, secret, checkout(token, key?), confirm(pi, pm), admin}. */
export async function stripeWorld(name, offset, env = {}) {
  const key = `sk_test_${name.toLowerCase()}_${randomUUID().replace(/-/g, '')}`;
  const secret = `whsec_${name.toLowerCase()}_${randomUUID().replace(/-/g, '')}`;
  const w = await orderWorld(name, { STRIPE_API_KEY: key, STRIPE_WEBHOOK_SECRET: secret, ...env }, offset);
  const cfg = await fake('POST', '/__config', { body: { key, webhook_url: `${w.srv.base}/v1/payments/webhook`, webhook_secret: secret } });
  assert.equal(cfg.status, 200);
  const admin = w.staff();
  /** Fills a fresh person's cart and checks out by card; {res, token, idem, body}. */
  async function checkout({ token = w.person(), idem = randomUUID(), quantity = 1 } = {}) {
    const item = await w.send('POST', '/v1/me/cart/items', { token, body: { variant_id: w.variant.id, quantity } });
    assert.equal(item.status, 200, item.text);
    const body = { shipping_address: ADDRESS, shipping_method: 'standard', payment_method: 'card' };
    const res = await w.send('POST', '/v1/checkout', { token, headers: { 'idempotency-key': idem }, body });
    return { res, token, idem, body };
  }
  const again = (c) => w.send('POST', '/v1/checkout', { token: c.token, headers: { 'idempotency-key': c.idem }, body: c.body });
  const confirm = (pi, pm = 'pm_card_visa') => fake('POST', `/v1/payment_intents/${pi}/confirm`, { key, form: { payment_method: pm } });
  const order = async (number) => {
    const res = await w.send('GET', `/v1/admin/orders/${number}`, { token: admin });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  return { ...w, key, secret, admin, checkout, again, confirm, order };
}
