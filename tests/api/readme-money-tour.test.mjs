// readme-money-tour.test.mjs — runs the README's "Money and messages" block, verbatim,
// against the shared test server, cognito-local, the Stripe stand-in and aws-ses-v2-local.
//
// Why: issue #12 is done when the README tour shows a card checkout against the local
// stand-in, the confirmation e-mail as captured locally, and a partial refund. The block
// is taken from between the `<!-- money-tour:begin -->` / `<!-- money-tour:end -->`
// markers and run with bash -euo pipefail in a scratch folder whose .local/run.env holds
// what `make run` writes there. Runs alone (RUN_SERIAL) like the other tours: it buys
// the first in-stock product.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonAround, lineWith, runTour } from './lib/readme.mjs';
import { requireEnv } from './lib/server.mjs';

test('the README money tour: quote, guest card checkout, confirmation e-mail, partial refund', (t) => {
  const { stdout, out } = runTour(t, 'money-tour', {
    extra: [
      `STRIPE_FAKE_URL=${requireEnv('STRIPE_FAKE_URL')}`,
      `STRIPE_FAKE_KEY=${requireEnv('STRIPE_API_KEY')}`,
      `SES=${requireEnv('SES_URL')}`,
    ],
  });
  // 2. The quote: several methods, express chosen; its total is what the order charges.
  const quote = jsonAround(stdout, '"methods"');
  assert.ok(quote.methods.length >= 2, out);
  assert.ok(quote.methods.some((m) => m.code === 'express'), out);
  assert.ok(quote.tax > 0, `German VAT on the goods: ${out}`);
  // 3. The card order: pending, with a PaymentIntent for exactly the quoted total.
  const order = jsonAround(stdout, '"status": "pending_payment"');
  assert.match(order.number, /^SF-\d{6}-\d{6}$/, out);
  assert.equal(order.total, quote.total, `quote and order agree: ${out}`);
  assert.match(order.payment.payment_intent_id, /^pi_/, out);
  // 4. Confirmed at the stand-in; its webhook made the order paid.
  assert.deepEqual(lineWith(stdout, `"id":"${order.payment.payment_intent_id}"`).status, 'succeeded', out);
  assert.deepEqual(lineWith(stdout, `{"number":"${order.number}","status"`),
    { number: order.number, status: 'paid', paid: true }, out);
  // 5. The confirmation (and the payment receipt) reached SES, to the guest's address.
  const mails = jsonAround(stdout, '"subject"', '[\n', '\n]\n');
  const subjects = mails.map((m) => m.subject);
  assert.ok(subjects.some((s) => s.includes(`order ${order.number} received`)), out);
  assert.ok(subjects.some((s) => s.includes(`payment received for order ${order.number}`)), out);
  assert.ok(mails.every((m) => /^ada\.\d+@example\.com$/.test(m.to)), out);
  assert.ok(stdout.includes(`thank you for your order ${order.number}`), out);
  // 6. 5.00 refunded through the stand-in; the order is still paid, 5.00 refunded.
  assert.deepEqual(lineWith(stdout, '"reason":"dented box"'),
    { amount: 500, status: 'succeeded', reason: 'dented box' }, out);
  assert.deepEqual(lineWith(stdout, '"refunded":'),
    { status: 'paid', total: order.total, refunded: 500, refunds: [{ amount: 500, status: 'succeeded' }] }, out);
});
