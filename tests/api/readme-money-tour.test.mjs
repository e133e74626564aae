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
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireEnv } from './lib/server.mjs';

const README = new URL('../../README.md', import.meta.url);

function tourBlock() {
  const text = readFileSync(README, 'utf8');
  const m = text.match(/<!-- money-tour:begin -->\n```sh\n([\s\S]*?)```\n<!-- money-tour:end -->/);
  assert.ok(m, 'README.md has a ```sh block between the money-tour markers');
  return m[1];
}

// The JSON value printed right after `marker` on one line (jq -c) or, for pretty output,
// the object or array that contains it.
function lineWith(out, marker) {
  const line = out.split('\n').find((l) => l.includes(marker));
  assert.ok(line, `output has a line with ${marker}:\n${out}`);
  return JSON.parse(line);
}
function blockWith(out, marker, open = '{\n', close = '\n}\n') {
  const at = out.indexOf(marker);
  assert.ok(at >= 0, `output has ${marker}:\n${out}`);
  const start = out.lastIndexOf(open, at);
  return JSON.parse(out.slice(start, out.indexOf(close, at) + close.length - 1));
}

test('the README money tour: quote, guest card checkout, confirmation e-mail, partial refund', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-money-tour-'));
  try {
    mkdirSync(join(dir, '.local'));
    const vars = ['COGNITO_ENDPOINT', 'COGNITO_CLIENT_ID', 'STOREFRONT_ADMIN_EMAIL', 'STOREFRONT_ADMIN_PASSWORD'];
    const env = [
      `API=${requireEnv('STOREFRONT_BASE_URL')}`,
      ...vars.map((v) => `${v}='${requireEnv(v)}'`),
      `STRIPE_FAKE_URL=${requireEnv('STRIPE_FAKE_URL')}`,
      `STRIPE_FAKE_KEY=${requireEnv('STRIPE_API_KEY')}`,
      `SES=${requireEnv('SES_URL')}`,
    ];
    writeFileSync(join(dir, '.local', 'run.env'), `${env.join('\n')}\n`);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', tourBlock()], {
      cwd: dir, encoding: 'utf8', timeout: 90000, env: { PATH: process.env.PATH, HOME: dir },
    });
    const out = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
    t.diagnostic(run.stdout); // what a reader of the README sees (ctest -V shows it)
    assert.equal(run.status, 0, out);

    // 2. The quote: several methods, express chosen; its total is what the order charges.
    const quote = blockWith(run.stdout, '"methods"');
    assert.ok(quote.methods.length >= 2, out);
    assert.ok(quote.methods.some((m) => m.code === 'express'), out);
    assert.ok(quote.tax > 0, `German VAT on the goods: ${out}`);
    // 3. The card order: pending, with a PaymentIntent for exactly the quoted total.
    const order = blockWith(run.stdout, '"status": "pending_payment"');
    assert.match(order.number, /^SF-\d{6}-\d{6}$/, out);
    assert.equal(order.total, quote.total, `quote and order agree: ${out}`);
    assert.match(order.payment.payment_intent_id, /^pi_/, out);
    // 4. Confirmed at the stand-in; its webhook made the order paid.
    assert.deepEqual(lineWith(run.stdout, `"id":"${order.payment.payment_intent_id}"`).status, 'succeeded', out);
    assert.deepEqual(lineWith(run.stdout, `{"number":"${order.number}","status"`),
      { number: order.number, status: 'paid', paid: true }, out);
    // 5. The confirmation (and the payment receipt) reached SES, to the guest's address.
    const mails = blockWith(run.stdout, '"subject"', '[\n', '\n]\n');
    const subjects = mails.map((m) => m.subject);
    assert.ok(subjects.some((s) => s.includes(`order ${order.number} received`)), out);
    assert.ok(subjects.some((s) => s.includes(`payment received for order ${order.number}`)), out);
    assert.ok(mails.every((m) => /^ada\.\d+@example\.com$/.test(m.to)), out);
    assert.ok(run.stdout.includes(`thank you for your order ${order.number}`), out);
    // 6. 5.00 refunded through the stand-in; the order is still paid, 5.00 refunded.
    assert.deepEqual(lineWith(run.stdout, '"reason":"dented box"'),
      { amount: 500, status: 'succeeded', reason: 'dented box' }, out);
    assert.deepEqual(lineWith(run.stdout, '"refunded":'),
      { status: 'paid', total: order.total, refunded: 500, refunds: [{ amount: 500, status: 'succeeded' }] }, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
