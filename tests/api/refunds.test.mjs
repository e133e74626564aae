// refunds.test.mjs — POST/GET /v1/admin/orders/{number}/refunds. A card order's refund
// goes through Stripe's refund API (the stand-in; the request's fields are checked as it
// received them), partial then full, the full one moving the order to `refunded`; more
// than what is left is a 409; a cod/manual refund is recorded at once; the staff `refund`
// transition refunds the rest the same way; a pending refund is reconciled by Stripe's
// refund.updated webhook (succeeded or failed), a refund made in Stripe's dashboard is
// recorded; Stripe down is a 503 and, with an Idempotency-Key, the retry finishes the
// same refund; every 4xx.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { stockOf } from './lib/orders.mjs';
import { eventually, fake, requests, stripeWorld } from './lib/stripe.mjs';

let w;

before(async () => {
  w = await stripeWorld('Refunds1', 7);
});

after(async () => {
  if (w) await w.stop();
});

const refund = (number, body, headers = {}) => w.send('POST', `/v1/admin/orders/${number}/refunds`,
  { token: w.admin, body, headers });
const list = async (number) => {
  const res = await w.send('GET', `/v1/admin/orders/${number}/refunds`, { token: w.admin });
  assert.equal(res.status, 200, res.text);
  return res.body.items;
};
const act = (number, action, extra = {}) => w.send('POST', `/v1/admin/orders/${number}/transitions`,
  { token: w.admin, body: { action, ...extra } });

/** A card order paid through the stand-in (confirm → signed webhook). */
async function paidCardOrder(quantity = 2) {
  const c = await w.checkout({ quantity });
  assert.equal(c.res.status, 201, c.res.text);
  const o = c.res.body;
  assert.equal((await w.confirm(o.payment.payment_intent_id)).status, 200);
  await eventually(async () => (await w.order(o.number)).status === 'paid', `${o.number} paid`);
  return o;
}

test('card order: a partial refund through Stripe, then the rest; the order becomes refunded', async () => {
  const o = await paidCardOrder();
  const total = o.total.amount;
  assert.ok(total > 100);
  let res = await refund(o.number, { amount: 100, reason: 'damaged box' });
  assert.equal(res.status, 201, res.text);
  const first = res.body;
  assert.deepEqual(first.amount, { amount: 100, currency: o.currency });
  assert.equal(first.status, 'succeeded');
  assert.equal(first.reason, 'damaged box');
  assert.match(first.provider_refund_id, /^re_/);
  assert.equal(res.headers.location, `/v1/admin/orders/${o.number}/refunds/${first.id}`);
  const one = await w.send('GET', res.headers.location, { token: w.admin });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.id, first.id);

  const sent = (await requests(w.key, 'POST', '/v1/refunds')).filter((r) => r.form?.metadata?.refund_id === String(first.id));
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].form, {
    payment_intent: o.payment.payment_intent_id, amount: '100',
    metadata: { order_number: o.number, refund_id: String(first.id), note: 'damaged box' },
  });
  assert.equal(sent[0].headers['idempotency-key'], `refund-${first.id}`);
  assert.equal(sent[0].headers.authorization, `Bearer ${w.key}`);
  assert.equal(sent[0].headers['content-type'], 'application/x-www-form-urlencoded');

  let now = await w.order(o.number);
  assert.equal(now.status, 'paid', 'a partial refund leaves the status');
  assert.deepEqual(now.refunded, { amount: 100, currency: o.currency });
  assert.deepEqual(now.refunds.map((r) => [r.id, r.status, r.amount.amount]), [[first.id, 'succeeded', 100]]);

  res = await refund(o.number, { amount: total, reason: 'requested_by_customer' });
  assertProblem(res, 409, 'conflict');
  assert.match(res.body.detail, new RegExp(`left to refund.*${total - 100}`));

  res = await refund(o.number, { reason: 'requested_by_customer' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.amount.amount, total - 100);
  const rest = (await requests(w.key, 'POST', '/v1/refunds')).find((r) => r.form?.metadata?.refund_id === String(res.body.id));
  assert.equal(rest.form.reason, 'requested_by_customer', "Stripe's own reason when it is one of its values");
  now = await w.order(o.number);
  assert.equal(now.status, 'refunded');
  assert.deepEqual(now.refunded, { amount: total, currency: o.currency });
  assert.deepEqual(now.history.at(-1).to_status, 'refunded');

  assertProblem(await refund(o.number, {}), 409, 'conflict');
  assert.deepEqual((await list(o.number)).map((r) => [r.status, r.amount.amount]), [['succeeded', 100], ['succeeded', total - 100]]);
  // Stripe's refund webhooks for these refunds change nothing more.
  await eventually(async () => {
    const evs = (await fake('GET', `/__events?key=${w.key}`)).body.filter((e) => e.event.type.startsWith('refund.') && e.event.data.object.metadata?.order_number === o.number);
    return evs.length === 2 && evs.every((e) => e.status === 200);
  }, 'refund webhooks delivered');
  assert.equal((await w.order(o.number)).refunded.amount, total);
});

test('unpaid orders cannot be refunded; a manual order is refunded at once, and the refund action takes the rest', async () => {
  const unpaid = await w.place('manual');
  let res = await refund(unpaid.number, {});
  assertProblem(res, 409, 'conflict');
  assert.match(res.body.detail, /not paid/);
  assertProblem(await act(unpaid.number, 'refund'), 409, 'conflict');

  const o = await w.place('manual', w.person(), 2);
  assert.equal((await act(o.number, 'mark_paid')).status, 200);
  const before = (await requests(w.key, 'POST', '/v1/refunds')).length;
  res = await refund(o.number, { amount: 50 });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.status, 'succeeded');
  assert.equal(res.body.provider_refund_id, null);
  assert.equal((await w.order(o.number)).refunded.amount, 50);
  res = await act(o.number, 'refund', { note: 'returned' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'refunded');
  assert.equal(res.body.refunded.amount, o.total.amount);
  assert.deepEqual(res.body.refunds.map((r) => [r.amount.amount, r.reason]), [[50, null], [o.total.amount - 50, 'returned']]);
  assert.equal((await requests(w.key, 'POST', '/v1/refunds')).length, before, 'no Stripe call for a manual order');
});

test('concurrent refunds never add up to more than was paid', async () => {
  const o = await w.place('manual', w.person(), 2);
  await act(o.number, 'mark_paid');
  const half = Math.floor(o.total.amount / 2);
  const results = await Promise.all([1, 2, 3, 4].map(() => refund(o.number, { amount: half })));
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 409, 409]);
  for (const r of results.filter((x) => x.status === 409)) assertProblem(r, 409, 'conflict');
  assert.equal((await w.order(o.number)).refunded.amount, 2 * half);
  assert.equal((await list(o.number)).length, 2);
});

test('the staff refund action on a card order refunds the rest through Stripe', async () => {
  const o = await paidCardOrder(1);
  assert.equal((await act(o.number, 'fulfil')).status, 200);
  const stock = stockOf(w.variant.id);
  const res = await act(o.number, 'refund', { note: 'customer changed their mind' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'refunded');
  assert.deepEqual(res.body.refunded, o.total);
  assert.equal(res.body.history.at(-1).note, 'customer changed their mind');
  const [r] = await list(o.number);
  assert.match(r.provider_refund_id, /^re_/);
  const sent = (await requests(w.key, 'POST', '/v1/refunds')).filter((x) => x.form?.metadata?.order_number === o.number);
  assert.deepEqual(sent.map((x) => [x.form.amount, x.form.payment_intent]), [[String(o.total.amount), o.payment.payment_intent_id]]);
  assert.equal(stockOf(w.variant.id), stock + 1, 'refunded while fulfilled: the goods never left');
  assertProblem(await act(o.number, 'refund'), 409, 'conflict');
  // Staff cannot mark a card order paid by hand: only Stripe's webhook can.
  const c = await w.checkout();
  assertProblem(await act(c.res.body.number, 'mark_paid'), 409, 'conflict');
});

test('a pending refund follows Stripe: succeeded by refund.updated, or failed (and refundable again)', async () => {
  const o = await paidCardOrder();
  await fake('POST', '/__config', { body: { key: w.key, refund_status: 'pending' } });
  let pending;
  let failing;
  try {
    pending = (await refund(o.number, { amount: 30 })).body;
    failing = (await refund(o.number, { amount: 40 })).body;
  } finally {
    await fake('POST', '/__config', { body: { key: w.key, refund_status: 'succeeded' } });
  }
  assert.equal(pending.status, 'pending');
  assert.equal((await w.order(o.number)).refunded.amount, 0);
  // What is pending counts as spoken for.
  const left = o.total.amount - 70;
  const over = await refund(o.number, { amount: left + 1 });
  assertProblem(over, 409, 'conflict');

  assert.equal((await fake('POST', `/__refunds/${pending.provider_refund_id}/status`, { body: { status: 'succeeded' } })).status, 200);
  assert.equal((await fake('POST', `/__refunds/${failing.provider_refund_id}/status`, { body: { status: 'failed', failure_reason: 'expired_or_canceled_card' } })).status, 200);
  const items = await eventually(async () => {
    const r = await list(o.number);
    return r[0].status === 'succeeded' && r[1].status === 'failed' && r;
  }, 'refunds reconciled by webhook');
  assert.equal(items[1].failure_reason, 'expired_or_canceled_card');
  const now = await w.order(o.number);
  assert.equal(now.refunded.amount, 30);
  assert.equal(now.status, 'paid');
  // The failed 40 may be refunded again.
  const again = await refund(o.number, { amount: left + 40 });
  assert.equal(again.status, 201, again.text);
  assert.equal((await w.order(o.number)).status, 'refunded');
});

test('a refund made in Stripe (dashboard) is recorded from its webhook', async () => {
  const o = await paidCardOrder();
  const made = await fake('POST', '/v1/refunds', { key: w.key, form: { payment_intent: o.payment.payment_intent_id, amount: '25' } });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const r = await eventually(async () => (await list(o.number)).find((x) => x.provider_refund_id === made.body.id), 'dashboard refund recorded');
  assert.equal(r.status, 'succeeded');
  assert.equal(r.amount.amount, 25);
  assert.equal(r.reason, 'made in Stripe');
  assert.equal((await w.order(o.number)).refunded.amount, 25);

  // A replayed event changes nothing: duplicate.
  const ev = (await fake('GET', `/__events?key=${w.key}`)).body.find((e) => e.event.type === 'refund.created' && e.event.data.object.id === made.body.id);
  const body = JSON.stringify(ev.event);
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', w.secret).update(`${t}.${body}`).digest('hex');
  const res = await w.send('POST', '/v1/payments/webhook', { body, headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${sig}` } });
  assert.deepEqual(res.body, { received: true, outcome: 'duplicate' });
  assert.equal((await list(o.number)).length, 1);
});

test('Stripe down: 503 with Retry-After; without a key the refund is failed, with one the retry finishes it', async () => {
  const o = await paidCardOrder();
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: '500' } });
  let res = await refund(o.number, { amount: 10 });
  assertProblem(res, 503, 'service-unavailable');
  assert.equal(res.headers['retry-after'], '5');
  let items = await list(o.number);
  assert.deepEqual(items.map((r) => [r.status, r.failure_reason]), [['failed', 'the payment provider could not be reached']]);

  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: 'lost' } });
  const key = `refund-retry-${o.number}`;
  res = await refund(o.number, { amount: 20 }, { 'idempotency-key': key });
  assertProblem(res, 503, 'service-unavailable');
  items = await list(o.number);
  // Pending, unless Stripe's refund.created webhook (it did make the refund) came first.
  assert.ok(['pending', 'succeeded'].includes(items[1].status), items[1].status);
  res = await refund(o.number, { amount: 20 }, { 'idempotency-key': key });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['idempotent-replayed'], 'true');
  assert.equal(res.body.id, items[1].id);
  assert.equal(res.body.status, 'succeeded');
  const sent = (await requests(w.key, 'POST', '/v1/refunds')).filter((r) => r.form?.metadata?.refund_id === String(items[1].id));
  assert.ok(sent.length >= 1 && sent.length <= 2, `${sent.length} refund requests`);
  assert.ok(sent.every((r) => r.headers['idempotency-key'] === `refund-${items[1].id}`));
  if (sent.length === 2) assert.equal(sent[1].replayed, true, 'Stripe answered the refund it had made');
  assert.equal(new Set(sent.map((r) => r.response.id)).size, 1, 'one refund in Stripe');
  assert.equal((await w.order(o.number)).refunded.amount, 20);

  // The same key again: the same refund; with another body: 422.
  res = await refund(o.number, { amount: 20 }, { 'idempotency-key': key });
  assert.equal(res.status, 200);
  assert.equal(res.body.id, items[1].id);
  assertProblem(await refund(o.number, { amount: 21 }, { 'idempotency-key': key }), 422, 'idempotency-key-reused');
  assert.equal((await list(o.number)).length, 2);
});

test('every 4xx of the refund routes', async () => {
  const o = await w.place('manual');
  await act(o.number, 'mark_paid');
  const path = `/v1/admin/orders/${o.number}/refunds`;
  assertProblem(await w.send('POST', '/v1/admin/orders/not!a-number/refunds', { token: w.admin, body: {} }), 400, 'validation-error', 'number');
  assertProblem(await w.send('GET', '/v1/admin/orders/not!a-number/refunds', { token: w.admin }), 400, 'validation-error', 'number');
  for (const [body, field] of [[{ amount: 0 }, 'amount'], [{ amount: -1 }, 'amount'], [{ amount: 1.5 }, 'amount'],
    [{ amount: '12.34' }, 'amount'], [{ reason: '' }, 'reason'], [{ reason: 'x'.repeat(501) }, 'reason'],
    [{ reason: 7 }, 'reason'], [{ note: 'x' }, 'note'], [{ amount: 1e300 }, 'amount']]) {
    assertProblem(await refund(o.number, body), 400, 'validation-error', field);
  }
  assertProblem(await refund(o.number, '[1]'), 400, 'bad-request');
  assertProblem(await refund(o.number, '{"amount": 1, "amount": 2}'), 400, 'bad-request');
  assertProblem(await refund(o.number, '{'), 400, 'bad-request');
  assertProblem(await refund(o.number, { amount: 1 }, { 'idempotency-key': 'k'.repeat(256) }), 400, 'validation-error', 'Idempotency-Key');
  assertProblem(await w.send('POST', path, { body: {} }), 401);
  assertProblem(await w.send('GET', path), 401);
  assertProblem(await w.send('POST', path, { token: w.person(), body: {} }), 403);
  assertProblem(await w.send('GET', path, { token: w.person() }), 403);
  assertProblem(await refund('SF-000000-000000', {}), 404, 'not-found');
  for (const id of ['0', 'abc', '-1', '12345678901234567', '1.5']) {
    assertProblem(await w.send('GET', `${path}/${id}`, { token: w.admin }), 400, 'validation-error', 'refund_id');
  }
  assertProblem(await w.send('GET', `${path}/999999999`, { token: w.admin }), 404, 'not-found');
  assertProblem(await w.send('GET', `${path}/1`, { token: w.person() }), 403);
  assertProblem(await w.send('GET', '/v1/admin/orders/SF-000000-000000/refunds', { token: w.admin }), 404, 'not-found');
  assertProblem(await w.send('POST', path, { token: w.admin, body: 'amount=1', headers: { 'content-type': 'text/plain' } }), 415);
  assertProblem(await refund(o.number, { amount: o.total.amount + 1 }), 409, 'conflict');
  assert.deepEqual(await list(o.number), [], 'nothing was recorded by the refused requests');
});
