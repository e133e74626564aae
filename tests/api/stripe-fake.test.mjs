// stripe-fake.test.mjs — the Stripe stand-in's own checks (localstack/stripe-fake.mjs).
// The card tests trust it to refuse what Stripe refuses; here bad requests are sent to it
// directly and each must be refused the way Stripe's API documents: the status, and the
// error object's type, code and param ({"error": {type, code?, message, param?}}). A
// check that stopped working would let the server's mistakes through the card tests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { requireEnv } from './lib/server.mjs';

const KEY = `sk_test_fakecheck_${randomUUID().replace(/-/g, '')}`;

/** A raw request to the stand-in; resolves {status, body, headers}. */
async function call(method, path, { headers = {}, body } = {}) {
  const res = await fetch(`${requireEnv('STRIPE_FAKE_URL')}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: Object.fromEntries(res.headers) };
}
const form = (fields) => new URLSearchParams(fields).toString();
const authed = (extra = {}) => ({ authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...extra });
const post = (path, fields, extra) => call('POST', path, { headers: authed(extra), body: form(fields) });

/** Asserts a Stripe-shaped error. */
function refused(res, status, type, { code, param } = {}) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(typeof res.body?.error, 'object', JSON.stringify(res.body));
  assert.equal(res.body.error.type, type);
  assert.equal(typeof res.body.error.message, 'string');
  if (code !== undefined) assert.equal(res.body.error.code, code);
  if (param !== undefined) assert.equal(res.body.error.param, param);
}

const PI = { amount: '1500', currency: 'usd', 'automatic_payment_methods[enabled]': 'true' };

test('Authorization: missing, not Bearer, or not a secret key is 401', async () => {
  let res = await call('POST', '/v1/payment_intents', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(PI) });
  refused(res, 401, 'invalid_request_error');
  assert.match(res.body.error.message, /did not provide an API key/);
  for (const auth of [`Basic ${Buffer.from(`${KEY}:`).toString('base64')}`, 'Bearer pk_test_publishable123', 'Bearer sk_test_', `Bearer  ${KEY}`]) {
    res = await call('POST', '/v1/payment_intents', { headers: authed({ authorization: auth }), body: form(PI) });
    refused(res, 401, 'invalid_request_error');
    assert.match(res.body.error.message, /Invalid API Key/);
  }
  refused(await call('GET', '/v1/refunds'), 401, 'invalid_request_error');
});

test('PaymentIntent create: missing amount, bad amount, bad currency, unknown parameter', async () => {
  refused(await post('/v1/payment_intents', { currency: 'usd' }), 400, 'invalid_request_error', { code: 'parameter_missing', param: 'amount' });
  refused(await post('/v1/payment_intents', { amount: '1500' }), 400, 'invalid_request_error', { code: 'parameter_missing', param: 'currency' });
  for (const amount of ['12.5', '-1', '0', 'ten']) {
    refused(await post('/v1/payment_intents', { ...PI, amount }), 400, 'invalid_request_error', { code: 'parameter_invalid_integer', param: 'amount' });
  }
  for (const currency of ['USD', 'xyz', 'us']) {
    refused(await post('/v1/payment_intents', { ...PI, currency }), 400, 'invalid_request_error', { code: 'invalid_currency', param: 'currency' });
  }
  refused(await post('/v1/payment_intents', { ...PI, colour: 'red' }), 400, 'invalid_request_error', { code: 'parameter_unknown', param: 'colour' });
  refused(await post('/v1/payment_intents', { ...PI, 'metadata[k]': 'x'.repeat(501) }), 400, 'invalid_request_error', { param: 'metadata[k]' });
  const ok = await post('/v1/payment_intents', PI);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.object, 'payment_intent');
});

test('PaymentIntent cancel: parameters checked, only from a cancelable status; a canceled one cannot be confirmed', async () => {
  const pi = (await post('/v1/payment_intents', PI)).body;
  refused(await post(`/v1/payment_intents/${pi.id}/cancel`, { colour: 'red' }), 400, 'invalid_request_error', { code: 'parameter_unknown', param: 'colour' });
  refused(await post(`/v1/payment_intents/${pi.id}/cancel`, { cancellation_reason: 'bored' }), 400, 'invalid_request_error', { param: 'cancellation_reason' });
  refused(await post('/v1/payment_intents/pi_nope/cancel', {}), 404, 'invalid_request_error', { code: 'resource_missing' });
  const done = await post(`/v1/payment_intents/${pi.id}/cancel`, {});
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.status, 'canceled');
  assert.equal(typeof done.body.canceled_at, 'number');
  refused(await post(`/v1/payment_intents/${pi.id}/cancel`, {}), 400, 'invalid_request_error', { code: 'payment_intent_unexpected_state' });
  refused(await post(`/v1/payment_intents/${pi.id}/confirm`, { payment_method: 'pm_card_visa' }), 400, 'invalid_request_error', { code: 'payment_intent_unexpected_state' });
  const paid = (await post('/v1/payment_intents', PI)).body;
  assert.equal((await post(`/v1/payment_intents/${paid.id}/confirm`, { payment_method: 'pm_card_visa' })).status, 200);
  refused(await post(`/v1/payment_intents/${paid.id}/cancel`, { cancellation_reason: 'abandoned' }), 400, 'invalid_request_error', { code: 'payment_intent_unexpected_state' });
});

test('a body that is not form-encoded is refused', async () => {
  const res = await call('POST', '/v1/payment_intents', { headers: authed({ 'content-type': 'application/json' }), body: JSON.stringify({ amount: 1500, currency: 'usd' }) });
  refused(res, 400, 'invalid_request_error');
  assert.match(res.body.error.message, /x-www-form-urlencoded/);
  refused(await call('POST', '/v1/refunds', { headers: authed({ 'content-type': 'text/plain' }), body: 'payment_intent=pi_x' }), 400, 'invalid_request_error');
  refused(await call('POST', '/v1/refunds', { headers: { authorization: `Bearer ${KEY}` }, body: new Blob(['payment_intent=pi_x']) }), 400, 'invalid_request_error');
});

test('Idempotency-Key: the same parameters replay the first answer, other parameters are an idempotency_error', async () => {
  const key = `fake-check-${randomUUID()}`;
  const first = await post('/v1/payment_intents', PI, { 'idempotency-key': key });
  assert.equal(first.status, 200);
  const again = await post('/v1/payment_intents', PI, { 'idempotency-key': key });
  assert.equal(again.status, 200);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body.id, first.body.id);
  const other = await post('/v1/payment_intents', { ...PI, amount: '1600' }, { 'idempotency-key': key });
  refused(other, 400, 'idempotency_error');
  assert.equal(other.body.error.code, undefined);
  refused(await post('/v1/payment_intents', PI, { 'idempotency-key': 'k'.repeat(256) }), 400, 'invalid_request_error', { code: 'idempotency_key_invalid' });
  // Pruned (as Stripe does after 24 hours): the key is new again, and makes a new object.
  const forget = await call('POST', '/__idempotency/forget', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: KEY }) });
  assert.equal(forget.status, 200);
  assert.ok(forget.body.forgotten >= 1);
  const later = await post('/v1/payment_intents', PI, { 'idempotency-key': key });
  assert.equal(later.status, 200);
  assert.equal(later.headers['idempotent-replayed'], undefined);
  assert.notEqual(later.body.id, first.body.id);
});

test('refunds: create and list check their parameters; the list is a Stripe list object', async () => {
  const pi = (await post('/v1/payment_intents', PI)).body;
  refused(await post('/v1/refunds', { payment_intent: pi.id }), 400, 'invalid_request_error', { code: 'charge_not_refundable' });
  const paid = await post(`/v1/payment_intents/${pi.id}/confirm`, { payment_method: 'pm_card_visa' });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  refused(await post('/v1/refunds', { amount: '10' }), 400, 'invalid_request_error', { code: 'parameter_missing', param: 'payment_intent' });
  refused(await post('/v1/refunds', { payment_intent: pi.id, amount: '1501' }), 400, 'invalid_request_error', { code: 'amount_too_large', param: 'amount' });
  refused(await post('/v1/refunds', { payment_intent: pi.id, reason: 'because' }), 400, 'invalid_request_error', { param: 'reason' });
  refused(await post('/v1/refunds', { payment_intent: 'pi_nosuchintent' }), 404, 'invalid_request_error', { code: 'resource_missing' });
  const made = [];
  for (const amount of ['100', '200', '300']) {
    const r = await post('/v1/refunds', { payment_intent: pi.id, amount });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    made.push(r.body.id);
  }
  const get = (q) => call('GET', `/v1/refunds?${q}`, { headers: { authorization: `Bearer ${KEY}` } });
  let res = await get(`payment_intent=${pi.id}&limit=2`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.object, 'list');
  assert.equal(res.body.url, '/v1/refunds');
  assert.equal(res.body.has_more, true);
  assert.deepEqual(res.body.data.map((r) => r.id), [made[2], made[1]], 'newest first');
  res = await get(`payment_intent=${pi.id}&limit=2&starting_after=${made[1]}`);
  assert.deepEqual([res.body.has_more, res.body.data.map((r) => r.id)], [false, [made[0]]]);
  res = await get(`payment_intent=${pi.id}`);
  assert.equal(res.body.data.length, 3, 'default limit 10');
  assert.ok(res.body.data.every((r) => r.object === 'refund' && r.payment_intent === pi.id));
  for (const limit of ['0', '101', 'x']) {
    refused(await get(`payment_intent=${pi.id}&limit=${limit}`), 400, 'invalid_request_error', { code: 'parameter_invalid_integer', param: 'limit' });
  }
  refused(await get(`payment_intent=${pi.id}&refund_status=succeeded`), 400, 'invalid_request_error', { code: 'parameter_unknown', param: 'refund_status' });
  refused(await get('payment_intent=pi_nosuchintent'), 404, 'invalid_request_error', { code: 'resource_missing' });
  refused(await get(`payment_intent=${pi.id}&starting_after=re_nosuchrefund`), 404, 'invalid_request_error', { code: 'resource_missing' });
  refused(await get(`starting_after=${made[0]}&ending_before=${made[2]}`), 400, 'invalid_request_error', { param: 'ending_before' });
  // Another account (key) sees none of these.
  const stranger = await call('GET', `/v1/refunds?payment_intent=${pi.id}`, { headers: { authorization: `Bearer sk_test_stranger_${randomUUID().replace(/-/g, '')}` } });
  refused(stranger, 404, 'invalid_request_error', { code: 'resource_missing' });
});

test('unknown routes are 404 and a malformed Stripe-Version is refused', async () => {
  refused(await call('GET', '/v1/charges_and_more', { headers: { authorization: `Bearer ${KEY}` } }), 404, 'invalid_request_error');
  refused(await post('/v1/payment_intents', PI, { 'stripe-version': 'latest' }), 400, 'invalid_request_error', { code: 'api_version_invalid' });
});
