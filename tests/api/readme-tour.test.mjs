// readme-tour.test.mjs — runs the README's "From an empty cart to a paid order" block,
// verbatim, against the shared test server and cognito-local.
//
// Why: the README is the first thing a new user reads; a tour that drifted from the API
// would fail them on their first try. The block is taken from between the
// `<!-- tour:begin -->` / `<!-- tour:end -->` markers and run with bash -euo pipefail in
// a scratch folder whose .local/run.env holds what `make run` writes there.
// Runs alone (RUN_SERIAL): it uses the demo shopper's cart, as carts.test.mjs does.
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
  const m = text.match(/<!-- tour:begin -->\n```sh\n([\s\S]*?)```\n<!-- tour:end -->/);
  assert.ok(m, 'README.md has a ```sh block between the tour markers');
  return m[1];
}

test('the README tour takes the demo shopper from a cart to a paid order', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-tour-'));
  try {
    mkdirSync(join(dir, '.local'));
    const vars = ['COGNITO_ENDPOINT', 'COGNITO_CLIENT_ID', 'STOREFRONT_SHOPPER_EMAIL',
      'STOREFRONT_SHOPPER_PASSWORD', 'STOREFRONT_ADMIN_EMAIL', 'STOREFRONT_ADMIN_PASSWORD'];
    const env = [`API=${requireEnv('STOREFRONT_BASE_URL')}`, ...vars.map((v) => `${v}='${requireEnv(v)}'`)];
    writeFileSync(join(dir, '.local', 'run.env'), `${env.join('\n')}\n`);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', tourBlock()], {
      cwd: dir, encoding: 'utf8', timeout: 60000, env: { PATH: process.env.PATH, HOME: dir },
    });
    const out = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
    t.diagnostic(run.stdout); // what a reader of the README sees (ctest -V shows it)
    assert.equal(run.status, 0, out);
    assert.match(run.stdout, /^HTTP\/1\.1 201/m, out);
    assert.match(run.stdout, /^idempotent-replayed: true/mi, out);
    assert.match(run.stdout, /"discount": \{\s*"amount": [1-9]/, out);
    const number = run.stdout.match(/"number": "(SF-[0-9-]+)"/);
    assert.ok(number, out);
    // The order as the shopper sees it at the end: paid, with the history
    // pending_payment -> paid by staff.
    const block = run.stdout.slice(run.stdout.lastIndexOf('{\n  "status"'));
    const last = JSON.parse(block.slice(0, block.indexOf('\n}\n') + 2));
    assert.equal(last.status, 'paid', out);
    assert.deepEqual(last.history.map((h) => [h.to_status, h.actor]),
      [['pending_payment', 'customer'], ['paid', 'staff']], out);
    // The clickstream step: one event stored, the bad one refused by index; the funnel
    // answers (its rollups may not have the new session yet).
    assert.match(run.stdout, /^\{"accepted":1,"rejected":\[\{"index":1,"errors":\[\{"field":"event_id"/m, out);
    assert.match(run.stdout, /^\[\{"event_type":"product_view","sessions":\d+\}/m, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
