// card-payments.test.mjs — payment_method "card": the checkout creates one Stripe
// PaymentIntent per order (against the stand-in, localstack/stripe-fake.mjs, which checks
// every request against Stripe's API) and answers its client secret; the create's form
// fields and headers are checked here as the stand-in received them. A replay re-reads
// the PaymentIntent and never creates a second; the stand-in's signed webhook marks the
// order paid; Stripe down (500, 429, dropped, answer lost after the fact) is a 503 with
// Retry-After, the order stays pending_payment, and the retry finishes with exactly one
// PaymentIntent; without STRIPE_API_KEY a card checkout is refused before any order exists.
// payment_intent.succeeded pays an order only for its own PaymentIntent, total and
// currency; any other is acknowledged as `mismatch` and the order stays unpaid.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertProblem } from './lib/helpers.mjs';
import { sql } from './lib/orders.mjs';
import { eventually, fake, requests, stripeWorld } from './lib/stripe.mjs';

let w;

before(async () => {
  w = await stripeWorld('CardPay1', 6, { STRIPE_TIMEOUT_MS: '2000' });
});

after(async () => {
  if (w) await w.stop();
});

/** The order made under a checkout Idempotency-Key that never answered 201. */
const orderOf = (idem) => sql(`SELECT o.number || ' ' || o.status || ' ' || coalesce(o.payment_intent_id, '-')
  FROM orders o JOIN idempotency_keys k ON k.key = '${idem}' AND k.customer_id = o.customer_id
  ORDER BY o.id DESC LIMIT 1`).split(' ');

test('a card checkout creates one PaymentIntent for the order total and answers its client secret', async () => {
  const c = await w.checkout({ quantity: 2 });
  assert.equal(c.res.status, 201, c.res.text);
  const o = c.res.body;
  assert.equal(o.payment_method, 'card');
  assert.equal(o.status, 'pending_payment');
  assert.equal(o.payment.provider, 'stripe');
  assert.match(o.payment.payment_intent_id, /^pi_/);
  assert.match(o.payment.client_secret, new RegExp(`^${o.payment.payment_intent_id}_secret_`));
  assert.equal(o.payment.status, 'requires_payment_method');

  const creates = (await requests(w.key, 'POST', '/v1/payment_intents'))
    .filter((r) => r.form?.metadata?.order_number === o.number);
  assert.equal(creates.length, 1);
  const [r] = creates;
  assert.equal(r.status, 200);
  assert.deepEqual(r.form, {
    amount: String(o.total.amount),
    currency: o.currency.toLowerCase(),
    automatic_payment_methods: { enabled: 'true' },
    metadata: { order_number: o.number },
    description: `Order ${o.number}`,
  });
  assert.equal(r.headers.authorization, `Bearer ${w.key}`);
  assert.equal(r.headers['idempotency-key'], `order-${o.number}-pi`);
  assert.match(r.headers['stripe-version'], /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(r.response.id, o.payment.payment_intent_id);
  assert.equal(r.response.amount, o.total.amount);

  // Stored on the order; the Order JSON itself never carries the secret.
  assert.equal(sql(`SELECT payment_intent_id FROM orders WHERE number = '${o.number}'`), o.payment.payment_intent_id);
  const read = await w.order(o.number);
  assert.equal(read.payment, undefined);
  assert.ok(!JSON.stringify(read).includes(o.payment.client_secret));
});

test('a replay answers the same PaymentIntent, re-read (not created again)', async () => {
  const c = await w.checkout();
  assert.equal(c.res.status, 201, c.res.text);
  const first = c.res.body;
  const replay = await w.again(c);
  assert.equal(replay.status, 201, replay.text);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.body.payment, first.payment);
  const mine = (await requests(w.key)).filter((r) => r.form?.metadata?.order_number === first.number
    || r.path === `/v1/payment_intents/${first.payment.payment_intent_id}`);
  assert.deepEqual(mine.map((r) => `${r.method} ${r.path}`), [
    'POST /v1/payment_intents', `GET /v1/payment_intents/${first.payment.payment_intent_id}`]);
  const pis = new Set(mine.map((r) => r.response?.id));
  assert.deepEqual([...pis], [first.payment.payment_intent_id]);
});

test('confirming in Stripe sends a signed payment_intent.succeeded that marks the order paid; a declined card leaves it pending', async () => {
  const declined = await w.checkout();
  assert.equal(declined.res.status, 201, declined.res.text);
  const d = declined.res.body;
  const no = await w.confirm(d.payment.payment_intent_id, 'pm_card_chargeDeclined');
  assert.equal(no.status, 402);
  assert.equal(no.body.error.type, 'card_error');
  assert.equal(no.body.error.code, 'card_declined');

  const c = await w.checkout();
  const o = c.res.body;
  const ok = await w.confirm(o.payment.payment_intent_id);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.status, 'succeeded');
  const paid = await eventually(async () => {
    const now = await w.order(o.number);
    return now.status === 'paid' && now;
  }, `order ${o.number} paid by the webhook`);
  assert.ok(paid.paid_at);
  assert.equal(paid.history.at(-1).actor, 'system');
  // The order is paid once the server commits, which is before the stand-in has read the
  // server's answer and recorded it: wait for the recorded delivery.
  const sent = await eventually(async () => (await fake('GET', `/__events?key=${w.key}`)).body
    .find((e) => e.event.type === 'payment_intent.succeeded' && e.event.data.object.id === o.payment.payment_intent_id
      && e.status !== null), 'the stand-in recorded the delivery');
  assert.equal(sent.status, 200);
  assert.equal(JSON.parse(sent.response).outcome, 'applied');

  // The replay after payment shows the PaymentIntent's new status.
  const replay = await w.again(c);
  assert.equal(replay.body.payment.status, 'succeeded');
  // The declined order is still waiting for a payment.
  assert.equal((await w.order(d.number)).status, 'pending_payment');
});

/** Posts a signed Stripe event to the server's webhook, as the stand-in would. */
async function deliver(type, object) {
  const body = JSON.stringify({ id: `evt_test_${Math.random().toString(36).slice(2)}`, object: 'event',
    api_version: '2024-06-20', type, data: { object } });
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', w.secret).update(`${t}.${body}`).digest('hex');
  return w.send('POST', '/v1/payments/webhook', { body, headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${sig}` } });
}

test('payment_intent.succeeded pays an order only with its own PaymentIntent, total and currency; else mismatch', async () => {
  const mine = (await w.checkout()).res.body;
  const other = (await w.checkout({ quantity: 2 })).res.body;
  const pi = (await fake('GET', `/v1/payment_intents/${mine.payment.payment_intent_id}`, { key: w.key })).body;
  const succeeded = { ...pi, status: 'succeeded', amount_received: pi.amount };
  const otherPi = (await fake('GET', `/v1/payment_intents/${other.payment.payment_intent_id}`, { key: w.key })).body;
  for (const [why, object] of [
    ["another order's PaymentIntent", { ...otherPi, status: 'succeeded', amount_received: otherPi.amount, metadata: { order_number: mine.number } }],
    ['an amount received below the total', { ...succeeded, amount_received: pi.amount - 1 }],
    ['an amount above the total', { ...succeeded, amount: pi.amount + 100, amount_received: undefined }],
    ['another currency', { ...succeeded, currency: 'eur' }],
    ['no PaymentIntent id', { ...succeeded, id: undefined }],
  ]) {
    const res = await deliver('payment_intent.succeeded', object);
    assert.equal(res.status, 200, `${why}: ${res.text}`);
    assert.deepEqual(res.body, { received: true, outcome: 'mismatch' }, why);
    assert.equal((await w.order(mine.number)).status, 'pending_payment', why);
  }
  // The event is recorded: its redelivery is a duplicate.
  assert.equal(sql(`SELECT count(*) FROM payment_events e JOIN orders o ON o.id = e.order_id WHERE o.number = '${mine.number}'`), '5');
  // The order's own PaymentIntent for its total (amount when amount_received is absent) pays it.
  const res = await deliver('payment_intent.succeeded', { ...succeeded, amount_received: undefined, currency: pi.currency.toUpperCase() });
  assert.deepEqual(res.body, { received: true, outcome: 'applied' });
  assert.equal((await w.order(mine.number)).status, 'paid');
  assert.equal((await w.order(other.number)).status, 'pending_payment');
});

for (const mode of ['500', '429', 'drop', 'lost']) {
  test(`Stripe ${mode}: 503 with Retry-After, order pending_payment, the retry finishes with one PaymentIntent`, async () => {
    assert.equal((await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode } })).status, 200);
    const c = await w.checkout();
    assertProblem(c.res, 503, 'service-unavailable');
    assert.equal(c.res.headers['retry-after'], '5');
    const [number, status, pi] = orderOf(c.idem);
    assert.equal(status, 'pending_payment');
    assert.equal(pi, '-');

    const retry = await w.again(c);
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.body.number, number);
    assert.equal(retry.body.status, 'pending_payment');
    const creates = (await requests(w.key, 'POST', '/v1/payment_intents'))
      .filter((r) => r.form?.metadata?.order_number === number);
    assert.equal(creates.length, 2, 'the failed create and the retry');
    assert.ok(creates.every((r) => r.headers['idempotency-key'] === `order-${number}-pi`));
    // One PaymentIntent exists for the order in Stripe, whatever the first attempt did.
    const made = new Set(creates.filter((r) => r.response?.id).map((r) => r.response.id));
    assert.deepEqual([...made], [retry.body.payment.payment_intent_id]);
    if (mode === 'lost') assert.equal(creates[1].replayed, true, 'Stripe replayed the create it had done');
  });
}

test('Stripe hanging past STRIPE_TIMEOUT_MS is a 503 too, and the retry finishes', async () => {
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: 'hang' } });
  const c = await w.checkout();
  assertProblem(c.res, 503, 'service-unavailable');
  const retry = await w.again(c);
  assert.equal(retry.status, 201, retry.text);
  assert.match(retry.body.payment.payment_intent_id, /^pi_/);
});

test('a replay while Stripe is down is a 503 and changes nothing', async () => {
  const c = await w.checkout();
  assert.equal(c.res.status, 201);
  await fake('POST', '/__fail', { body: { key: w.key, count: 1, mode: '500' } });
  assertProblem(await w.again(c), 503, 'service-unavailable');
  const ok = await w.again(c);
  assert.deepEqual(ok.body.payment, c.res.body.payment);
});

test('bad checkout input is still a 400, and card is named in the allowed methods', async () => {
  const token = w.person();
  const res = await w.send('POST', '/v1/checkout', {
    token, headers: { 'idempotency-key': 'card-bad-1' },
    body: { shipping_address: { country: 'DE' }, shipping_method: 'standard', payment_method: 'cheque' },
  });
  assertProblem(res, 400, 'validation-error', 'payment_method');
  assert.match(res.body.errors.find((e) => e.field === 'payment_method').message, /card/);
});

test('without STRIPE_API_KEY a card checkout is 503 before any order exists; other methods work', async () => {
  const { orderWorld } = await import('./lib/orders.mjs');
  const plain = await orderWorld('CardPay2', { STRIPE_API_KEY: undefined }, 6);
  try {
    const token = plain.person();
    const item = await plain.send('POST', '/v1/me/cart/items', { token, body: { variant_id: plain.variant.id, quantity: 1 } });
    assert.equal(item.status, 200);
    const body = { shipping_address: { name: 'A B', line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' },
      shipping_method: 'standard', payment_method: 'card' };
    const res = await plain.send('POST', '/v1/checkout', { token, headers: { 'idempotency-key': 'nokey-1' }, body });
    assertProblem(res, 503, 'service-unavailable');
    assert.match(res.body.detail, /not configured/);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(sql(`SELECT count(*) FROM idempotency_keys WHERE key = 'nokey-1'`), '0');
    const cart = await plain.send('GET', '/v1/me/cart', { token });
    assert.equal(cart.body.lines.length, 1, 'the cart is untouched');
    const manual = await plain.send('POST', '/v1/checkout', { token, headers: { 'idempotency-key': 'nokey-2' }, body: { ...body, payment_method: 'manual' } });
    assert.equal(manual.status, 201, manual.text);
    assert.equal(manual.body.payment, undefined);
  } finally {
    await plain.stop();
  }
});
