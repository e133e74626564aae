// readme-staff-tour.test.mjs — runs the README's "Running the shop" block, verbatim,
// against the shared test server, cognito-local and s3rver.
//
// Why: issue #11's definition of done is this tour: a staff member creates a brand, a
// category and a product with a variant, uploads its image through the presigned URL,
// adjusts its stock; a shopper finds it in search, reviews it after buying it and saves
// another product to their wishlist. The block is taken from between the
// `<!-- staff-tour:begin -->` / `<!-- staff-tour:end -->` markers and run with
// bash -euo pipefail in a scratch folder whose .local/run.env holds what `make run`
// writes there. Runs alone (RUN_SERIAL): it adds a public product and uses the demo
// shopper's cart.
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
  const m = text.match(/<!-- staff-tour:begin -->\n```sh\n([\s\S]*?)```\n<!-- staff-tour:end -->/);
  assert.ok(m, 'README.md has a ```sh block between the staff-tour markers');
  return m[1];
}

// The JSON object printed right after `marker` (jq's pretty output: ends at "\n}\n").
function objectAfter(out, marker) {
  const at = out.indexOf(marker);
  assert.ok(at >= 0, `output has ${marker}`);
  const start = out.lastIndexOf('{\n', at);
  return JSON.parse(out.slice(start, out.indexOf('\n}\n', at) + 2));
}

test('the README staff tour: back office to search, a verified review and a wishlist', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-staff-tour-'));
  try {
    mkdirSync(join(dir, '.local'));
    const vars = ['COGNITO_ENDPOINT', 'COGNITO_CLIENT_ID', 'STOREFRONT_SHOPPER_EMAIL',
      'STOREFRONT_SHOPPER_PASSWORD', 'STOREFRONT_ADMIN_EMAIL', 'STOREFRONT_ADMIN_PASSWORD'];
    const env = [`API=${requireEnv('STOREFRONT_BASE_URL')}`, ...vars.map((v) => `${v}='${requireEnv(v)}'`)];
    writeFileSync(join(dir, '.local', 'run.env'), `${env.join('\n')}\n`);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', tourBlock()], {
      cwd: dir, encoding: 'utf8', timeout: 90000, env: { PATH: process.env.PATH, HOME: dir },
    });
    const out = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
    t.diagnostic(run.stdout); // what a reader of the README sees (ctest -V shows it)
    assert.equal(run.status, 0, out);

    // 1. The product, created with its variant (no stock yet).
    const product = objectAfter(run.stdout, '"revision"');
    assert.match(product.slug, /^quokka-felt-desk-mat-\d+$/, out);
    assert.equal(product.variants.length, 1, out);
    assert.equal(product.variants[0].stock, 0, out);
    // 2. The presigned PUT reached S3, and the confirmed image is public.
    assert.match(run.stdout, /^PUT to S3: 200$/m, out);
    const image = objectAfter(run.stdout, '"alt": "Grey felt desk mat"');
    assert.match(image.url, /\/products\/\d+\/[0-9a-f]+\.png$/, out);
    // 3. The adjustment is in the ledger: +25 from 0.
    const movement = objectAfter(run.stdout, '"note": "first delivery"');
    assert.deepEqual([movement.delta, movement.stock_after, movement.reason], [25, 25, 'adjustment'], out);
    // 4. Search finds it, in stock, and the page shows the uploaded image.
    assert.ok(run.stdout.includes(`"slug": "${product.slug}",\n    "in_stock": true`), out);
    const page = objectAfter(run.stdout, '"image": "');
    assert.equal(page.image, image.url, out);
    // 5. Paid, then reviewed as a verified purchase; the rating counts it.
    assert.match(run.stdout, /^\{"number":"SF-[0-9-]+","status":"paid"\}$/m, out);
    const review = objectAfter(run.stdout, '"verified_purchase"');
    assert.deepEqual([review.rating, review.verified_purchase], [5, true], out);
    assert.match(run.stdout, /^\{"average":5(\.0)?,"count":1\}$/m, out);
    // 6. The wishlist answered 204 and lists the saved product.
    assert.match(run.stdout, /^wishlist: 204$/m, out);
    assert.match(run.stdout, /^\[\{"slug":"[a-z0-9-]+","in_stock":(true|false)\}/m, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
