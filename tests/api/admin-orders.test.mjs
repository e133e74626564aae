// admin-orders.test.mjs — staff order routes: GET /v1/admin/orders (filters, every bad
// filter a 400 naming it, cursor bound to the filters), GET /v1/admin/orders/{number}
// with its history, and POST /v1/admin/orders/{number}/transitions through every valid
// and invalid step of the state machine, for `manual` and `cod` orders, with a race.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertProblem, qs } from './lib/helpers.mjs';
import { orderWorld, sql, stockOf } from './lib/orders.mjs';

const ACTIONS = ['mark_paid', 'fulfil', 'ship', 'deliver', 'refund', 'cancel'];
let w;
let admin;

before(async () => {
  w = await orderWorld('AdminOrders1');
  admin = w.staff();
});

after(async () => {
  if (w) await w.stop();
});

const act = (number, action, extra = {}) => w.send('POST', `/v1/admin/orders/${number}/transitions`,
  { token: admin, body: { action, ...extra } });

/** Every action not in `allowed` answers 409 and leaves the order as it was. */
async function onlyAllowed(number, allowed) {
  const before = (await w.send('GET', `/v1/admin/orders/${number}`, { token: admin })).body;
  for (const action of ACTIONS.filter((a) => !allowed.includes(a))) {
    assertProblem(await act(number, action, action === 'ship' ? { tracking_number: 'T1' } : {}), 409, 'conflict');
  }
  const now = (await w.send('GET', `/v1/admin/orders/${number}`, { token: admin })).body;
  assert.deepEqual(now, before, 'a refused action changes nothing');
}

test('manual order: mark_paid, fulfil, ship (tracking required), deliver, refund; every other step 409; history', async () => {
  const o = await w.place('manual');
  await onlyAllowed(o.number, ['mark_paid', 'cancel']);
  let res = await act(o.number, 'mark_paid', { note: 'bank transfer 123' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'paid');
  assert.ok(res.body.paid_at);
  await onlyAllowed(o.number, ['fulfil', 'refund', 'cancel']);
  assert.equal((await act(o.number, 'fulfil')).body.status, 'fulfilled');
  await onlyAllowed(o.number, ['ship', 'refund']);
  assertProblem(await act(o.number, 'ship'), 400, 'validation-error', 'tracking_number');
  assertProblem(await act(o.number, 'ship', { tracking_number: '' }), 400, 'validation-error', 'tracking_number');
  assertProblem(await act(o.number, 'ship', { tracking_number: 'x'.repeat(65) }), 400, 'validation-error', 'tracking_number');
  res = await act(o.number, 'ship', { tracking_number: 'x'.repeat(64) });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'shipped');
  assert.equal(res.body.tracking_number, 'x'.repeat(64));
  await onlyAllowed(o.number, ['deliver', 'refund']);
  assert.equal((await act(o.number, 'deliver')).body.status, 'delivered');
  await onlyAllowed(o.number, ['refund']);
  res = await act(o.number, 'refund', { note: 'damaged' });
  assert.equal(res.body.status, 'refunded');
  await onlyAllowed(o.number, []);
  assert.deepEqual(res.body.history.map((h) => [h.from_status, h.to_status, h.actor, h.note]), [
    [null, 'pending_payment', 'customer', 'placed'],
    ['pending_payment', 'paid', 'staff', 'bank transfer 123'],
    ['paid', 'fulfilled', 'staff', null],
    ['fulfilled', 'shipped', 'staff', null],
    ['shipped', 'delivered', 'staff', null],
    ['delivered', 'refunded', 'staff', 'damaged'],
  ]);
  const read = await w.send('GET', `/v1/admin/orders/${o.number}`, { token: admin });
  assert.deepEqual(read.body, res.body);
});

test('cancel from pending_payment and from paid returns the stock; refund of an unpaid order is 409', async () => {
  const o = await w.place('manual', w.person(), 3);
  const before = stockOf(w.variant.id);
  assertProblem(await act(o.number, 'refund'), 409, 'conflict');
  let res = await act(o.number, 'cancel', { note: 'customer called' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'cancelled');
  assert.equal(stockOf(w.variant.id), before + 3);
  await onlyAllowed(o.number, []);
  const p = await w.place('manual');
  await act(p.number, 'mark_paid');
  const mid = stockOf(w.variant.id);
  res = await act(p.number, 'cancel');
  assert.equal(res.body.status, 'cancelled');
  assert.equal(stockOf(w.variant.id), mid + 1);
});

test('cod order: fulfilled and shipped unpaid, mark_paid while shipped keeps the status, deliver marks it paid', async () => {
  const o = await w.place('cod');
  let res = await act(o.number, 'fulfil');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'fulfilled');
  assert.equal(res.body.paid_at, null);
  assertProblem(await act(o.number, 'refund'), 409, 'conflict');
  assert.equal((await act(o.number, 'ship', { tracking_number: 'DHL-1' })).body.status, 'shipped');
  res = await act(o.number, 'mark_paid', { note: 'cash collected by the courier' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'shipped');
  assert.ok(res.body.paid_at);
  assertProblem(await act(o.number, 'mark_paid'), 409, 'conflict');
  assert.equal((await act(o.number, 'deliver')).body.status, 'delivered');

  const q = await w.place('cod');
  await act(q.number, 'fulfil');
  await act(q.number, 'ship', { tracking_number: 'DHL-2' });
  res = await act(q.number, 'deliver');
  assert.equal(res.body.status, 'delivered');
  assert.ok(res.body.paid_at, 'delivering a cod order marks it paid');
  assert.equal((await act(q.number, 'refund')).body.status, 'refunded');
});

test('two concurrent transitions of one order: exactly one wins, one history row', async () => {
  const o = await w.place('manual');
  const results = await Promise.all([1, 2, 3, 4].map(() => act(o.number, 'mark_paid')));
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
  for (const r of results.filter((x) => x.status !== 200)) assertProblem(r, 409, 'conflict');
  const read = await w.send('GET', `/v1/admin/orders/${o.number}`, { token: admin });
  assert.equal(read.body.history.length, 2);
});

test('transition bodies and numbers are validated; unknown orders 404', async () => {
  const o = await w.place('manual');
  const path = `/v1/admin/orders/${o.number}/transitions`;
  assertProblem(await w.send('POST', path, { token: admin, body: {} }), 400, 'validation-error', 'action');
  assertProblem(await act(o.number, 'pay'), 400, 'validation-error', 'action');
  assertProblem(await act(o.number, 'mark_paid', { extra: 1 }), 400, 'validation-error', 'extra');
  assertProblem(await act(o.number, 'mark_paid', { note: 'n'.repeat(501) }), 400, 'validation-error', 'note');
  assertProblem(await act(o.number, 'mark_paid', { note: 5 }), 400, 'validation-error', 'note');
  assertProblem(await w.send('POST', path, { token: admin, body: '[1]' }), 400, 'bad-request');
  assertProblem(await w.send('POST', path, { token: admin, body: 'action=ship', headers: { 'content-type': 'text/plain' } }), 415);
  assertProblem(await act('SF-000000-000000', 'mark_paid'), 404, 'not-found');
  assertProblem(await w.send('GET', '/v1/admin/orders/SF-000000-000000', { token: admin }), 404, 'not-found');
  assertProblem(await w.send('GET', '/v1/admin/orders/bad!number', { token: admin }), 400, 'validation-error', 'number');
  assert.equal((await w.send('GET', `/v1/admin/orders/${o.number}`, { token: admin })).body.status, 'pending_payment');
});

test('shoppers get 403 and anonymous callers 401 on every admin order route', async () => {
  const o = await w.place('manual');
  const shopper = w.person();
  assertProblem(await w.send('GET', '/v1/admin/orders', { token: shopper }), 403, 'forbidden');
  assertProblem(await w.send('GET', `/v1/admin/orders/${o.number}`, { token: shopper }), 403, 'forbidden');
  assertProblem(await w.send('POST', `/v1/admin/orders/${o.number}/transitions`, { token: shopper, body: { action: 'mark_paid' } }), 403, 'forbidden');
  assertProblem(await w.send('GET', '/v1/admin/orders'), 401);
  assertProblem(await w.send('POST', `/v1/admin/orders/${o.number}/transitions`, { body: { action: 'mark_paid' } }), 401);
  assert.equal((await w.send('GET', `/v1/admin/orders/${o.number}`, { token: admin })).body.status, 'pending_payment');
});

test('GET /v1/admin/orders: newest first, filters by status, customer and placed_at range, paginates', async () => {
  const token = w.person();
  const a = await w.place('manual', token);
  const b = await w.place('cod', token);
  await act(a.number, 'mark_paid');
  const customer = Number(sql(`SELECT customer_id FROM orders WHERE number = '${a.number}'`));
  const list = (params) => w.send('GET', `/v1/admin/orders${qs(params)}`, { token: admin });
  let res = await list({ customer });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.items.map((i) => i.number), [b.number, a.number]);
  res = await list({ customer, status: 'paid' });
  assert.deepEqual(res.body.items.map((i) => [i.number, i.status]), [[a.number, 'paid']]);
  res = await list({ customer, from: b.placed_at });
  assert.deepEqual(res.body.items.map((i) => i.number), [b.number]);
  res = await list({ customer, to: b.placed_at });
  assert.deepEqual(res.body.items.map((i) => i.number), [a.number]);
  res = await list({ customer, from: '2000-01-01T00:00:00+02:00', to: '2000-01-02T00:00:00Z' });
  assert.deepEqual(res.body.items, []);
  res = await list({ customer, limit: 1 });
  assert.deepEqual(res.body.items.map((i) => i.number), [b.number]);
  assert.ok(res.body.next_cursor);
  const next = await list({ customer, limit: 1, cursor: res.body.next_cursor });
  assert.deepEqual(next.body.items.map((i) => i.number), [a.number]);
  assert.equal(next.body.next_cursor, null);
  assertProblem(await list({ limit: 1, cursor: res.body.next_cursor }), 400, 'validation-error', 'cursor');
  res = await list({});
  assert.ok(res.body.items.length >= 2);
  const placed = res.body.items.map((i) => i.placed_at);
  assert.deepEqual([...placed].sort().reverse(), placed, 'newest first');
});

test('GET /v1/admin/orders: every bad filter is a 400 naming it', async () => {
  const bad = async (params, field) => assertProblem(
    await w.send('GET', `/v1/admin/orders${qs(params)}`, { token: admin }), 400, 'validation-error', field);
  await bad({ status: 'lost' }, 'status');
  await bad({ customer: 'abc' }, 'customer');
  await bad({ customer: '0' }, 'customer');
  await bad({ from: 'yesterday' }, 'from');
  await bad({ from: '2026-01-01' }, 'from');
  await bad({ to: '2026-02-30T00:00:00Z' }, 'to');
  await bad({ to: '2026-01-01T25:00:00Z' }, 'to');
  await bad({ limit: '0' }, 'limit');
  await bad({ limit: '101' }, 'limit');
  await bad({ cursor: 'garbage' }, 'cursor');
  const res = await w.send('GET', `/v1/admin/orders${qs({ status: 'lost', from: 'x', to: 'y', customer: '-1' })}`, { token: admin });
  assertProblem(res, 400, 'validation-error');
  assert.deepEqual(res.body.errors.map((e) => e.field).sort(), ['customer', 'from', 'status', 'to']);
  assertProblem(await w.send('GET', '/v1/admin/orders?sort=new', { token: admin }), 400);
});
