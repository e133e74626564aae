// run-scenario.mjs — runs frontend-contract/postman/storefront-scenario.postman_collection.json
// with newman (the npm package, as a library) against a live server and cognito-local, and
// checks every response the API gives against openapi.yaml with the suite's own validator
// (tests/api/lib/contract.mjs), as the black-box client does for tests/api.
//
// Environment: STOREFRONT_BASE_URL (or API, as in .local/run.env), COGNITO_ENDPOINT,
// COGNITO_CLIENT_ID, STOREFRONT_SHOPPER_EMAIL/PASSWORD, STOREFRONT_ADMIN_EMAIL/PASSWORD:
// make test exports them; after `make run`: set -a; . .local/run.env; set +a.
// They override the placeholders of storefront-local.postman_environment.json, as
// `newman run … --env-var` would. Extra arguments: --collection FILE (another collection,
// e.g. a broken copy to see this fail, or the generated storefront-api one), --folder NAME
// (repeatable: only those folders). Exits 1 when a newman assertion, a request, or the
// contract check fails; ctest postman/scenario.
import newman from 'newman';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateResponse } from '../api/lib/contract.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'frontend-contract', 'postman');
const at = process.argv.indexOf('--collection');
const collection = at > 0 ? process.argv[at + 1] : join(dir, 'storefront-scenario.postman_collection.json');
const folder = process.argv.flatMap((a, i) => (a === '--folder' ? [process.argv[i + 1]] : []));

function need(...names) {
  for (const n of names) if (process.env[n]) return process.env[n];
  console.error(`postman/scenario: ${names.join(' or ')} is not set; run it through make test, ` +
    'or after make run: set -a; . .local/run.env; set +a');
  process.exit(1);
}
const baseUrl = need('STOREFRONT_BASE_URL', 'API').replace(/\/+$/, '');
const envVar = [
  ['baseUrl', baseUrl],
  ['cognitoEndpoint', need('COGNITO_ENDPOINT').replace(/\/+$/, '')],
  ['clientId', need('COGNITO_CLIENT_ID')],
  ['shopperEmail', need('STOREFRONT_SHOPPER_EMAIL')],
  ['shopperPassword', need('STOREFRONT_SHOPPER_PASSWORD')],
  ['staffEmail', need('STOREFRONT_ADMIN_EMAIL')],
  ['staffPassword', need('STOREFRONT_ADMIN_PASSWORD')],
].map(([key, value]) => ({ key, value }));

const contractFailures = [];
let checked = 0;
const emitter = newman.run({
  collection,
  environment: join(dir, 'storefront-local.postman_environment.json'),
  envVar,
  reporters: ['cli'],
  color: 'off',
  timeoutRequest: 30000,
  ...(folder.length ? { folder } : {}),
  bail: false,
}, (err, summary) => {
  if (err) {
    console.error(`postman/scenario: newman could not run: ${err.stack ?? err}`);
    process.exit(1);
  }
  const failures = summary.run.failures.length;
  const executed = summary.run.stats.requests.total;
  const assertions = summary.run.stats.assertions.total;
  console.log(`postman/scenario: ${executed} requests, ${assertions} assertions, ${failures} newman failures; ` +
    `${checked} API responses checked against openapi.yaml, ${contractFailures.length} broke it`);
  for (const f of contractFailures) console.error(f);
  // A run that checked nothing proves nothing.
  if (failures || contractFailures.length || executed === 0 || assertions + checked === 0) process.exitCode = 1;
});

// Every response from the API (not cognito-local's) must be one openapi.yaml documents.
emitter.on('request', (err, o) => {
  if (err || !o.response) return;
  const url = o.request.url.toString();
  if (!url.startsWith(`${baseUrl}/`)) return;
  const u = new URL(url);
  const headers = {};
  o.response.headers.each((h) => {
    const k = h.key.toLowerCase();
    headers[k] = k in headers ? `${headers[k]}, ${h.value}` : h.value;
  });
  checked++;
  try {
    validateResponse({ method: o.request.method.toLowerCase(), path: u.pathname + u.search },
      { status: o.response.code, headers, body: o.response.stream ? o.response.stream.toString('utf8') : '' });
  } catch (e) {
    contractFailures.push(`postman/scenario: ${o.item.name}: ${e.message}`);
  }
});
