// refunds.test.mjs — POST/GET /v1/admin/orders/{number}/refunds. A card order's refund
// goes through Stripe's refund API (the stand-in; the request's fields are checked as it
// received them), partial then full, the full one moving the order to `refunded`; more
// than what is left is a 409; a cod/manual refund is recorded at once; the staff `refund`
// transition refunds the rest the same way; a pending refund is reconciled by Stripe's
// refund.updated webhook (succeeded or failed), by charge.refund.updated, and by
// charge.refunded as API version 2024-06-20 sends it (no refunds list: the server reads
// GET /v1/refunds?payment_intent=); a refund made in Stripe's dashboard is recorded.
// Stripe not answering (500, connection dropped, answer lost after the fact) is a 202:
// the refund stays pending and counts against what is left, and the refund sender
// (REFUND_RESEND_SECONDS=1 here) finishes it under the same Idempotency-Key, so Stripe
// makes exactly one refund (stripe-sender.test.mjs: a day later); a definite refusal by
// Stripe is a 409 and a failed refund; every 4xx.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { stockOf } from './lib/orders.mjs';
import { eventually, fake, requests, stripeWorld } from './lib/stripe.mjs';

let w;

before(async () => {
  // This server's refund sender retries after 1 s, 2 s, 2 s… (test.sh turns senders off).
  w = await stripeWorld('Refunds1', 7, { REFUND_RESEND_SECONDS: '1', REFUND_RESEND_MAX_SECONDS: '2' });
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

/** The stand-in's requests that created (or tried to create) our refund `id`. */
const sentFor = async (id) => (await requests(w.key, 'POST', '/v1/refunds')).filter((r) => r.form?.metadata?.refund_id === String(id));
/** Stripe's own refunds of a PaymentIntent, read from the stand-in as Stripe lists them. */
const stripeRefunds = async (pi) => {
  const res = await fake('GET', `/v1/refunds?payment_intent=${pi}&limit=100`, { key: w.key });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
};
/** Runs fn with the stand-in sending only these event types to the server. */
async function onlyEvents(types, fn) {
  assert.equal((await fake('POST', '/__config', { body: { key: w.key, enabled_events: types } })).status, 200);
  try {
    return await fn();
  } finally {
    await fake('POST', '/__config', { body: { key: w.key, enabled_events: ['*'] } });
  }
}

test('Stripe answering 500: 202 pending, counted against what is left; the sender finishes it with one refund in Stripe', async () => {
  const o = await paidCardOrder();
  const total = o.total.amount;
  await fake('POST', '/__fail', { body: { key: w.key, count: 1000, mode: '500' } });
  let pending;
  try {
    const res = await refund(o.number, { amount: total - 100, reason: 'damaged' });
    assert.equal(res.status, 202, res.text);
    pending = res.body;
    assert.equal(pending.status, 'pending');
    assert.equal(pending.provider_refund_id, null);
    assert.equal(res.headers.location, `/v1/admin/orders/${o.number}/refunds/${pending.id}`);
    // While it is pending, a second refund may take only what is left beside it.
    const over = await refund(o.number, { amount: 101 });
    assertProblem(over, 409, 'conflict');
    assert.match(over.body.detail, /left to refund.*100/);
    // The 100 left is allowed (Stripe still down: pending too); then nothing is left.
    const rest = await refund(o.number, {});
    assert.equal(rest.status, 202, rest.text);
    assert.equal(rest.body.amount.amount, 100);
    assertProblem(await refund(o.number, { amount: 1 }), 409, 'conflict');
    // The sender keeps trying, always under the refund's own key.
    await eventually(async () => (await sentFor(pending.id)).length >= 2, 'the sender retried');
  } finally {
    await fake('POST', '/__fail', { body: { key: w.key, count: 0 } });
  }
  const items = await eventually(async () => {
    const r = await list(o.number);
    return r.every((x) => x.status === 'succeeded') && r;
  }, 'both refunds completed by the sender');
  assert.equal(items.length, 2);
  const sent = await sentFor(pending.id);
  assert.ok(sent.every((r) => r.headers['idempotency-key'] === `refund-${pending.id}`));
  assert.equal(sent.filter((r) => r.status === 200).length, 1, 'one create went through');
  const mine = (await stripeRefunds(o.payment.payment_intent_id)).filter((r) => r.metadata.refund_id === String(pending.id));
  assert.equal(mine.length, 1, 'Stripe made exactly one refund');
  assert.equal(mine[0].id, items[0].provider_refund_id);
  const now = await w.order(o.number);
  assert.deepEqual(now.refunded, { amount: total, currency: o.currency });
  assert.equal(now.status, 'refunded', 'the sender completed the order');
});

test('answer lost after Stripe made the refund: 202; the resend is answered with that refund, never a second', async () => {
  const o = await paidCardOrder();
  // Stripe's refund webhooks held back, so only the sender can settle it.
  await onlyEvents(['payment_intent.succeeded'], async () => {
    await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: 'lost' } });
    const key = `refund-lost-${o.number}`;
    let res = await refund(o.number, { amount: 20 }, { 'idempotency-key': key });
    assert.equal(res.status, 202, res.text);
    const id = res.body.id;
    const done = await eventually(async () => {
      const r = (await list(o.number)).find((x) => x.id === id);
      return r.status === 'succeeded' && r;
    }, 'the sender settled the lost refund');
    const sent = await sentFor(id);
    assert.ok(sent.length >= 2, `${sent.length} refund requests`);
    assert.equal(sent[0].status, 'fault:lost:200');
    assert.ok(sent.slice(1).every((r) => r.replayed === true), 'Stripe answered the refund it had made');
    assert.deepEqual([...new Set(sent.map((r) => r.response.id))], [done.provider_refund_id]);
    assert.equal((await stripeRefunds(o.payment.payment_intent_id)).length, 1);
    // The same Idempotency-Key again: the same refund (200); another body: 422.
    res = await refund(o.number, { amount: 20 }, { 'idempotency-key': key });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['idempotent-replayed'], 'true');
    assert.equal(res.body.id, id);
    assert.equal(res.body.status, 'succeeded');
    assertProblem(await refund(o.number, { amount: 21 }, { 'idempotency-key': key }), 422, 'idempotency-key-reused');
  });
  assert.equal((await w.order(o.number)).refunded.amount, 20);
  assert.equal((await list(o.number)).length, 1);
});

test('Stripe refusing (the charge was refunded in the dashboard) is a 409 and a failed refund', async () => {
  const o = await paidCardOrder(1);
  await onlyEvents(['payment_intent.succeeded'], async () => {
    const made = await fake('POST', '/v1/refunds', { key: w.key, form: { payment_intent: o.payment.payment_intent_id } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const res = await refund(o.number, {});
    assertProblem(res, 409, 'conflict');
    assert.match(res.body.detail, /invalid_request_error/);
  });
  const [r] = await list(o.number);
  assert.equal(r.status, 'failed');
  assert.match(r.failure_reason, /already been refunded/);
});

test('charge.refunded as API 2024-06-20 sends it (no refunds list): the server lists the refunds from Stripe', async () => {
  const o = await paidCardOrder();
  const pi = o.payment.payment_intent_id;
  const made = await onlyEvents(['charge.refunded'], async () => {
    const m = await fake('POST', '/v1/refunds', { key: w.key, form: { payment_intent: pi, amount: '35' } });
    assert.equal(m.status, 200, JSON.stringify(m.body));
    await eventually(async () => (await fake('GET', `/__events?key=${w.key}`)).body
      .some((e) => e.event.type === 'charge.refunded' && e.event.data.object.payment_intent === pi && e.status === 200), 'charge.refunded delivered');
    return m.body;
  });
  const ev = (await fake('GET', `/__events?key=${w.key}`)).body.find((e) => e.event.type === 'charge.refunded' && e.event.data.object.payment_intent === pi);
  assert.equal(ev.event.data.object.refunds, undefined, 'the charge lists no refunds on this version');
  assert.equal(JSON.parse(ev.response).outcome, 'applied');
  const lists = (await requests(w.key, 'GET', '/v1/refunds')).filter((r) => r.form?.payment_intent === pi && r.headers['user-agent']?.startsWith('storefront'));
  assert.equal(lists.length, 1);
  assert.equal(lists[0].status, 200);
  assert.equal(lists[0].form.limit, '100');
  assert.equal(lists[0].headers.authorization, `Bearer ${w.key}`);
  const r = (await list(o.number)).find((x) => x.provider_refund_id === made.id);
  assert.equal(r.status, 'succeeded');
  assert.equal(r.amount.amount, 35);
  assert.equal((await w.order(o.number)).refunded.amount, 35);
});

test('charge.refund.updated settles the refund it carries', async () => {
  const o = await paidCardOrder();
  await fake('POST', '/__config', { body: { key: w.key, refund_status: 'pending' } });
  let pending;
  try {
    const res = await refund(o.number, { amount: 15 });
    assert.equal(res.status, 201, res.text);
    pending = res.body;
  } finally {
    await fake('POST', '/__config', { body: { key: w.key, refund_status: 'succeeded' } });
  }
  assert.equal(pending.status, 'pending');
  assert.match(pending.provider_refund_id, /^re_/);
  await onlyEvents(['charge.refund.updated'], async () => {
    assert.equal((await fake('POST', `/__refunds/${pending.provider_refund_id}/status`, { body: { status: 'succeeded' } })).status, 200);
    await eventually(async () => (await list(o.number))[0].status === 'succeeded', 'settled by charge.refund.updated');
  });
  const ev = (await fake('GET', `/__events?key=${w.key}`)).body.find((e) => e.event.type === 'charge.refund.updated' && e.event.data.object.id === pending.provider_refund_id);
  assert.equal(ev.event.data.object.object, 'refund');
  assert.equal(JSON.parse(ev.response).outcome, 'applied');
  assert.equal((await w.order(o.number)).refunded.amount, 15);
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
