// readme-try-it.test.mjs — the README's "Try it" commands, verbatim, against the shared
// test server, and `make run` printing exactly them.
//
// Why: these are the first commands a new user types. Each line is run on its own (with
// the block's first line, which sets API: the test exports API=<test server>, which that
// line keeps) so every answer can be checked; a line that stopped working — like the old
// product one-liner whose sed picked the brand's slug and got a 404 — fails here. make run
// prints the block from README.md itself (localstack/run.sh print_try_it); the first test
// checks that what it prints is the block, with the address of the run.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { readmeBlock } from './lib/readme.mjs';
import { requireEnv } from './lib/server.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const block = readmeBlock('try-it');
const [setApi, ...commands] = block.trimEnd().split('\n');

test('make run prints the README block, with its own address', () => {
  const printed = (port) => execFileSync('bash', [`${ROOT}localstack/run.sh`, '--print-try-it'],
    { encoding: 'utf8', env: { PATH: process.env.PATH, PORT: port } });
  assert.equal(printed('8080'), block);
  assert.equal(printed('8081'), block.replace('http://127.0.0.1:8080', 'http://127.0.0.1:8081'));
  assert.match(setApi, /^API=\$\{API:-http:\/\/127\.0\.0\.1:8080\}$/);
  assert.equal(commands.length, 8);
});

/** Runs the block's first line and the i-th command; returns stdout. */
function run(i) {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', `${setApi}\n${commands[i]}\n`], {
    encoding: 'utf8', timeout: 30000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, API: requireEnv('STOREFRONT_BASE_URL') },
  });
  assert.equal(r.status, 0, `${commands[i]}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const json = (i) => JSON.parse(run(i));

test('every "Try it" command answers what the README says', () => {
  const list = json(0);
  assert.equal(list.items.length, 3);
  assert.equal(typeof list.next_cursor, 'string');

  const search = json(1);
  assert.ok(search.items.length > 0, 'the seed has mechanical keyboards');
  assert.ok(search.items.every((p) => p.in_stock));
  assert.ok(search.facets && Array.isArray(search.facets.brands));

  const laptops = json(2);
  assert.ok(laptops.items.length > 0 && laptops.items.length <= 5);
  const prices = laptops.items.map((p) => p.price.amount);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b), 'sorted by price');

  const tree = json(3);
  assert.ok(tree.items.length > 0);

  const category = json(4);
  assert.equal(category.slug, 'gaming-laptops');
  assert.ok(category.ancestors.length > 0);

  const brands = json(5);
  assert.ok(brands.items.length > 0);

  const product = json(6);
  assert.equal(product.slug, list.items[0].slug, 'the product of the first list item');
  assert.ok(product.variants.length > 0);

  const head = run(7);
  assert.match(head, /^HTTP\/1\.1 400 /);
  assert.match(head, /^content-type: application\/problem\+json/mi);
  const problem = JSON.parse(head.slice(head.indexOf('\r\n\r\n') + 4));
  assert.deepEqual(problem.errors.map((e) => e.field), ['limit']);
});
