// scenario.test.mjs — ctest postman/scenario: the Postman scenario run by newman
// (run-scenario.mjs) against the test server and cognito-local passes, and a broken copy
// of it fails, so a green run means the collection's tests really ran.
// Runs alone (RUN_SERIAL): it uses the demo shopper's cart and places an order.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const runner = join(root, 'tests', 'postman', 'run-scenario.mjs');
const scenario = join(root, 'frontend-contract', 'postman', 'storefront-scenario.postman_collection.json');

function run(t, args = []) {
  const r = spawnSync(process.execPath, [runner, ...args], { cwd: root, encoding: 'utf8', timeout: 120000 });
  const out = `${r.stdout}\n--- stderr ---\n${r.stderr}`;
  t.diagnostic(out);
  return { status: r.status, out };
}

test('the scenario passes against the live server, every API response as openapi.yaml says', (t) => {
  const { status, out } = run(t);
  assert.equal(status, 0, out);
  const m = out.match(/postman\/scenario: (\d+) requests, (\d+) assertions, 0 newman failures; (\d+) API responses checked against openapi.yaml, 0 broke it/);
  assert.ok(m, out);
  const [requests, assertions, checked] = m.slice(1).map(Number);
  assert.equal(requests, 18, out);
  assert.equal(checked, 15, out); // all but the three cognito-local calls
  // At least one test per request, plus the collection-level X-Request-Id test per API answer.
  assert.ok(assertions >= requests + checked, out);
});

test('a broken request fails the run and names the request', (t) => {
  // Browse, sign in and cart only, with a SKU that does not exist: the add is answered
  // 404, so its test and the cart's fail.
  const c = JSON.parse(readFileSync(scenario, 'utf8'));
  c.item = c.item.slice(0, 3);
  const add = c.item[2].item.find((i) => i.name === 'Add a line');
  add.request.body.raw = add.request.body.raw.replace('{{sku}}', 'NO-SUCH-SKU-POSTMAN');
  const dir = mkdtempSync(join(tmpdir(), 'sf-postman-'));
  try {
    const broken = join(dir, 'broken.postman_collection.json');
    writeFileSync(broken, JSON.stringify(c));
    const { status, out } = run(t, ['--collection', broken]);
    assert.equal(status, 1, out);
    assert.match(out, /inside "3\. Cart \/ Add a line"/, out);
    assert.match(out, /[1-9]\d* newman failures; \d+ API responses checked against openapi.yaml, 0 broke it/, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the generated collection reaches the documented routes: its catalog requests get documented answers', (t) => {
  // Its requests carry schema placeholders (`<string>`, `<integer>`), so many answers are
  // 400 or 404; every one must still be an answer openapi.yaml documents for that route.
  const generated = join(root, 'frontend-contract', 'postman', 'storefront-api.postman_collection.json');
  const { status, out } = run(t, ['--collection', generated, '--folder', 'health', '--folder', 'categories',
    '--folder', 'brands', '--folder', 'products']);
  assert.equal(status, 0, out);
  const m = out.match(/postman\/scenario: (\d+) requests, \d+ assertions, 0 newman failures; (\d+) API responses checked against openapi.yaml, 0 broke it/);
  assert.ok(m, out);
  assert.ok(Number(m[1]) >= 5, out);
  assert.equal(Number(m[2]), Number(m[1]), out); // every request went to the API and was checked
  assert.match(out, /GET http:\/\/[^ ]+\/v1\/products[? ]/, out);
});
