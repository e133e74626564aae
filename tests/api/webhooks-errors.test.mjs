// webhooks-errors.test.mjs — every 4xx of the staff webhook routes
// (/v1/admin/webhooks…): 400 for each bad parameter, field and header, 401 without a
// token, 403 for a shopper, 404 for unknown endpoints and deliveries, 405, 412 and 428
// around If-Match, 415 for a non-JSON body, 422 for a reused Idempotency-Key. Each is a
// problem+json (the client checks every answer against openapi.yaml).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { assertProblem } from './lib/helpers.mjs';
import { orderWorld } from './lib/orders.mjs';

const WH = '/v1/admin/webhooks';
let w;
let admin;
let ep;
const made = [];

before(async () => {
  // Endpoints made here are inactive: the test stack never calls a public address.
  // Production's setting (private targets refused), and no sender: nothing is sent.
  w = await orderWorld('WebhooksErr1', { WEBHOOK_ALLOW_PRIVATE_TARGETS: undefined, WEBHOOK_POLL_MS: '0' });
  admin = w.staff();
  const res = await w.send('POST', WH, { token: admin, body: { url: 'https://8.8.8.8/e', event_types: ['stock.low'], active: false } });
  assert.equal(res.status, 201, res.text);
  ep = res.body;
  made.push(ep.id);
});

after(async () => {
  for (const id of made) await w.send('DELETE', `${WH}/${id}`, { token: admin });
  await w?.stop();
});

const routes = () => [
  ['GET', WH], ['POST', WH], ['GET', `${WH}/${ep.id}`], ['PATCH', `${WH}/${ep.id}`],
  ['DELETE', `${WH}/${ep.id}`], ['GET', `${WH}/${ep.id}/deliveries`],
  ['GET', `${WH}/${ep.id}/deliveries/1`], ['POST', `${WH}/${ep.id}/deliveries/1/replay`],
];

test('401 without a token and 403 for a shopper, on every route', async () => {
  const shopper = w.person();
  for (const [method, path] of routes()) {
    const body = ['POST', 'PATCH'].includes(method) ? {} : undefined;
    const anon = await w.send(method, path, { body });
    assertProblem(anon, 401);
    assert.ok(anon.headers['www-authenticate']);
    assertProblem(await w.send(method, path, { token: shopper, body }), 403, 'forbidden');
  }
});

test('400 for malformed path ids and query parameters', async () => {
  assertProblem(await w.send('GET', `${WH}/abc`, { token: admin }), 400, 'validation-error', 'id');
  assertProblem(await w.send('GET', `${WH}/0/deliveries`, { token: admin }), 400, 'validation-error', 'id');
  for (const d of ['0', 'x', '01', '99999999999999999']) {
    assertProblem(await w.send('GET', `${WH}/${ep.id}/deliveries/${d}`, { token: admin }), 400, 'validation-error', 'delivery_id');
    assertProblem(await w.send('POST', `${WH}/${ep.id}/deliveries/${d}/replay`, { token: admin }), 400, 'validation-error', 'delivery_id');
  }
  for (const [q, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['cursor=nope', 'cursor']]) {
    assertProblem(await w.send('GET', `${WH}?${q}`, { token: admin }), 400, 'validation-error', field);
    assertProblem(await w.send('GET', `${WH}/${ep.id}/deliveries?${q}`, { token: admin }), 400, 'validation-error', field);
  }
  assertProblem(await w.send('GET', `${WH}/${ep.id}/deliveries?state=done`, { token: admin }), 400, 'validation-error', 'state');
  assertProblem(await w.send('GET', `${WH}?state=sent`, { token: admin }), 400);
  // A cursor of one endpoint's deliveries is not another's.
  const other = await w.send('POST', WH, { token: admin, body: { url: 'https://8.8.4.4/e', event_types: ['stock.low'], active: false } });
  made.push(other.body.id);
  const list = await w.send('GET', `${WH}?limit=1`, { token: admin });
  assert.ok(list.body.next_cursor);
  assertProblem(await w.send('GET', `${WH}/${ep.id}/deliveries?cursor=${encodeURIComponent(list.body.next_cursor)}`,
    { token: admin }), 400, 'validation-error', 'cursor');
});

test('400 naming each bad field of a create or change', async () => {
  const good = { url: 'https://8.8.8.8/e', event_types: ['order.paid'] };
  const cases = [
    [{ event_types: ['order.paid'] }, 'url'],
    [{ url: 'https://8.8.8.8/e' }, 'event_types'],
    [{ ...good, url: 42 }, 'url'],
    [{ ...good, url: `https://8.8.8.8/${'a'.repeat(2050)}` }, 'url'],
    [{ ...good, url: 'https://no-such-host.invalid/e' }, 'url'],
    [{ ...good, event_types: [] }, 'event_types'],
    [{ ...good, event_types: 'order.paid' }, 'event_types'],
    [{ ...good, event_types: ['order.paid', 'order.paid'] }, 'event_types'],
    [{ ...good, event_types: ['order.exploded'] }, 'event_types'],
    [{ ...good, event_types: [7] }, 'event_types'],
    [{ ...good, description: 'x'.repeat(501) }, 'description'],
    [{ ...good, description: 5 }, 'description'],
    [{ ...good, active: 'yes' }, 'active'],
    [{ ...good, secret: 'whsec_mine' }, 'secret'],
    [{ ...good, rotate_secret: true }, 'rotate_secret'],
  ];
  for (const [body, field] of cases) {
    assertProblem(await w.send('POST', WH, { token: admin, body }), 400, 'validation-error', field);
  }
  for (const [body, field] of [
    [{ url: 'https://10.0.0.1/' }, 'url'], [{ event_types: [] }, 'event_types'], [{ active: null }, 'active'],
    [{ rotate_secret: 'yes' }, 'rotate_secret'], [{ id: 5 }, 'id'],
  ]) {
    assertProblem(await w.send('PATCH', `${WH}/${ep.id}`, { token: admin, headers: { 'if-match': '*' }, body }),
      400, 'validation-error', field);
  }
  for (const raw of ['not json', '[1]', '']) {
    assertProblem(await w.send('POST', WH, { token: admin, body: raw, headers: { 'content-type': 'application/json' } }), 400);
  }
  assertProblem(await w.send('POST', WH, { token: admin, body: good, headers: { 'idempotency-key': 'x'.repeat(256) } }),
    400, 'validation-error', 'Idempotency-Key');
  // Nothing was stored by any of them.
  const after = await w.send('GET', `${WH}/${ep.id}`, { token: admin });
  assert.equal(after.body.revision, ep.revision);
});

test('404, 405, 412, 415, 422 and 428', async () => {
  const missing = 9007199254740991;
  for (const [method, path] of [
    ['GET', `${WH}/${missing}`], ['DELETE', `${WH}/${missing}`], ['GET', `${WH}/${missing}/deliveries`],
    ['GET', `${WH}/${ep.id}/deliveries/${missing}`], ['POST', `${WH}/${ep.id}/deliveries/${missing}/replay`],
  ]) assertProblem(await w.send(method, path, { token: admin }), 404, 'not-found');
  assertProblem(await w.send('PATCH', `${WH}/${missing}`, { token: admin, headers: { 'if-match': '*' }, body: { active: false } }),
    404, 'not-found');
  assertProblem(await api('PUT', WH, { base: w.srv.base, unrouted: true,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' }), 405);
  assertProblem(await w.send('PATCH', `${WH}/${ep.id}`, { token: admin, body: { active: false } }), 428, 'precondition-required');
  assertProblem(await w.send('PATCH', `${WH}/${ep.id}`, { token: admin, headers: { 'if-match': '"r999"' }, body: { active: false } }),
    412, 'precondition-failed');
  assertProblem(await w.send('DELETE', `${WH}/${ep.id}`, { token: admin, headers: { 'if-match': '"r999"' } }),
    412, 'precondition-failed');
  assertProblem(await w.send('POST', WH, { token: admin, body: 'url=x', headers: { 'content-type': 'text/plain' } }), 415);
  const key = randomUUID();
  const first = await w.send('POST', WH, { token: admin, headers: { 'idempotency-key': key },
    body: { url: 'https://8.8.8.8/k', event_types: ['stock.low'], active: false } });
  assert.equal(first.status, 201, first.text);
  made.push(first.body.id);
  assertProblem(await w.send('POST', WH, { token: admin, headers: { 'idempotency-key': key },
    body: { url: 'https://8.8.8.8/other', event_types: ['stock.low'] } }), 422, 'idempotency-key-reused');
});
