// payments.test.mjs — POST /v1/payments/webhook (Stripe-compatible signed events) and the
// sweeper that cancels orders left unpaid. Signature checks: a valid one marks the order
// paid once; a wrong secret, stale or future timestamp, malformed header or tampered body
// is a 400 invalid-signature and the order is unchanged; a replayed event id and two
// concurrent deliveries of one event change the order once. (The sweeper has its own
// file, unpaid-sweep.test.mjs.)
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld } from './lib/orders.mjs';
import { startServer, stopServer } from './lib/server.mjs';

const SECRET = 'whsec_test_payments_0123456789';
let w;
let admin;

before(async () => {
  w = await orderWorld('Payments1', { STRIPE_WEBHOOK_SECRET: SECRET }, 1);
  admin = w.staff();
});

after(async () => {
  if (w) await w.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const sign = (body, t = now(), secret = SECRET) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
// checkout.session.completed: these orders are manual, with no PaymentIntent of theirs,
// so payment_intent.succeeded would be a `mismatch` (card-payments tests that rule).
// `order` is an Order (the session is for its total) or just a number; `over` replaces
// session fields.
const event = (order, { id = `evt_${randomUUID()}`, type = 'checkout.session.completed', ...over } = {}) => {
  const { number, total: { amount: total, currency } = { amount: 0, currency: 'EUR' } } =
    typeof order === 'string' ? { number: order } : order;
  return JSON.stringify({ id, type, data: { object: {
    id: 'cs_1', object: 'checkout.session', payment_intent: 'pi_1', payment_status: 'paid',
    amount_total: total, currency: currency.toLowerCase(), metadata: { order_number: number }, ...over,
  } } });
};
const deliver = (body, signature = `t=${now()},v1=${sign(body)}`) => w.send('POST', '/v1/payments/webhook', {
  body, headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'stripe-signature': signature }) },
});
const read = async (number) => (await w.send('GET', `/v1/admin/orders/${number}`, { token: admin })).body;

test('a signed checkout.session.completed marks the order paid once; a replay changes nothing', async () => {
  const o = await w.place('manual');
  // Not by a payment_intent.succeeded that is not the order's own PaymentIntent.
  let res = await deliver(event(o, { type: 'payment_intent.succeeded' }));
  assert.deepEqual(res.body, { received: true, outcome: 'mismatch' });
  assert.equal((await read(o.number)).status, 'pending_payment');
  const body = event(o);
  res = await deliver(body);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { received: true, outcome: 'applied' });
  const paid = await read(o.number);
  assert.equal(paid.status, 'paid');
  assert.ok(paid.paid_at);
  assert.deepEqual(paid.history.at(-1).actor, 'system');
  assert.deepEqual([paid.history.at(-1).from_status, paid.history.at(-1).to_status], ['pending_payment', 'paid']);
  res = await deliver(body);
  assert.deepEqual(res.body, { received: true, outcome: 'duplicate' });
  res = await deliver(event(o));
  assert.deepEqual(res.body, { received: true, outcome: 'already_paid' });
  assert.deepEqual(await read(o.number), paid);
});

test('a Checkout Session pays only when paid, for the order total in its currency', async () => {
  const o = await w.place('manual');
  // Completed but a delayed method (a bank debit) has not paid yet: not paid, recorded.
  let res = await deliver(event(o, { payment_status: 'unpaid' }));
  assert.deepEqual(res.body, { received: true, outcome: 'ignored' });
  for (const over of [{ amount_total: o.total.amount - 1 }, { amount_total: String(o.total.amount) },
    { amount_total: undefined }, { currency: o.total.currency === 'USD' ? 'eur' : 'usd' }, { currency: undefined }]) {
    res = await deliver(event(o, over));
    assert.deepEqual(res.body, { received: true, outcome: 'mismatch' }, JSON.stringify(over));
  }
  assert.equal((await read(o.number)).status, 'pending_payment');
  // The debit succeeds later: Stripe sends async_payment_succeeded with the session paid.
  res = await deliver(event(o, { type: 'checkout.session.async_payment_succeeded' }));
  assert.deepEqual(res.body, { received: true, outcome: 'applied' });
  assert.equal((await read(o.number)).status, 'paid');
});

test('any v1 may match; other event types, unknown and cancelled orders are 200 and change nothing', async () => {
  const o = await w.place('manual');
  const body = event(o, { type: 'checkout.session.completed' });
  const t = now();
  let res = await deliver(body, `t=${t},v1=${'0'.repeat(64)},v0=abc,v1=${sign(body, t)}`);
  assert.deepEqual(res.body, { received: true, outcome: 'applied' });
  const c = await w.place('manual');
  res = await deliver(event(c, { type: 'payment_intent.created' }));
  assert.deepEqual(res.body, { received: true, outcome: 'ignored' });
  res = await deliver(event('SF-000000-000000'));
  assert.deepEqual(res.body, { received: true, outcome: 'unknown_order' });
  await w.send('POST', `/v1/admin/orders/${c.number}/transitions`, { token: admin, body: { action: 'cancel' } });
  res = await deliver(event(c));
  assert.deepEqual(res.body, { received: true, outcome: 'not_payable' });
  assert.equal((await read(c.number)).status, 'cancelled');
  const signedJunk = '[1,2]';
  assertProblem(await deliver(signedJunk), 400, 'bad-request');
  const text = await w.send('POST', '/v1/payments/webhook', {
    body: 'x', headers: { 'content-type': 'text/plain', 'stripe-signature': `t=${now()},v1=${sign('x')}` },
  });
  assertProblem(text, 415);
});

test('bad signatures are 400 invalid-signature and leave the order unchanged', async () => {
  const o = await w.place('manual');
  const before = await read(o.number);
  const body = event(o);
  const t = now();
  const cases = [
    ['wrong secret', body, `t=${t},v1=${sign(body, t, 'whsec_other')}`],
    // 10 s past the 300 s tolerance, not 1: the server's clock second may already be
    // the next one when it checks (a full run under load accepted t + 301 as t + 300).
    ['stale timestamp', body, `t=${t - 310},v1=${sign(body, t - 310)}`],
    ['future timestamp', body, `t=${t + 310},v1=${sign(body, t + 310)}`],
    ['missing header', body, null],
    ['empty header', body, ''],
    ['no v1', body, `t=${t}`],
    ['no t', body, `v1=${sign(body, t)}`],
    ['bad t', body, `t=12x,v1=${sign(body, t)}`],
    ['non-hex v1', body, `t=${t},v1=${'z'.repeat(64)}`],
    ['short v1', body, `t=${t},v1=${sign(body, t).slice(0, 62)}`],
    ['tampered body', body.replace('payment_intent', 'payment_intenT'), `t=${t},v1=${sign(body, t)}`],
    ['tampered whitespace', `${body} `, `t=${t},v1=${sign(body, t)}`],
  ];
  for (const [what, b, sig] of cases) {
    const res = await deliver(b, sig);
    assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
    assertProblem(res, 400, 'invalid-signature');
  }
  assert.deepEqual(await read(o.number), before);
  // The same event, properly signed afterwards, still applies (nothing was recorded).
  assert.equal((await deliver(body)).body.outcome, 'applied');
});

test('two concurrent deliveries of one event: one transition, one duplicate', async () => {
  const o = await w.place('manual');
  const body = event(o);
  const results = await Promise.all([deliver(body), deliver(body), deliver(body)]);
  assert.deepEqual(results.map((r) => r.status), [200, 200, 200]);
  assert.deepEqual(results.map((r) => r.body.outcome).sort(), ['applied', 'duplicate', 'duplicate']);
  const now = await read(o.number);
  assert.equal(now.history.filter((h) => h.to_status === 'paid').length, 1);
});

test('without STRIPE_WEBHOOK_SECRET the webhook answers 503', async () => {
  // A server of its own: the shared one has a secret (the stand-in's webhooks reach it).
  const srv = await startServer({ STRIPE_WEBHOOK_SECRET: undefined });
  try {
    const body = event('SF-000000-000000');
    const res = await api('POST', '/v1/payments/webhook', {
      body, base: srv.base,
      headers: { 'content-type': 'application/json', 'stripe-signature': `t=${now()},v1=${sign(body)}` },
    });
    assertProblem(res, 503, 'service-unavailable');
  } finally {
    await stopServer(srv);
  }
});
