// generate.mjs — turns openapi.yaml into the Postman collection
// frontend-contract/postman/storefront-api.postman_collection.json (openapi-to-postmanv2,
// one folder per tag, every URL on the {{baseUrl}} collection variable).
//
//   node frontend-contract/postman/generate.mjs            writes the collection
//   node frontend-contract/postman/generate.mjs --check    fails when the committed copy is stale
//
// `npm run postman:generate` / `npm run postman:check` (ctest contract/postman-fresh).
// openapi-to-postmanv2 is not deterministic on its own: it gives every item and response a
// random uuid and fakes example bodies with json-schema-faker, which draws from
// Math.random (how many keys an object with additionalProperties gets, for one). So the
// ids are stripped, Math.random is replaced by a fixed-seed generator while converting,
// and the saved example responses (faked bodies, not real answers) are left out.
import { readFileSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const target = join(here, 'storefront-api.postman_collection.json');
const check = process.argv.includes('--check');

function seeded(seed) { // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalise(node) {
  if (Array.isArray(node)) return node.map(normalise);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' || key === '_postman_id') continue;
    out[key] = key === 'response' ? [] : normalise(value);
  }
  return out;
}

let Converter;
function convert(data) {
  return new Promise((resolve, reject) => {
    Converter.convert({ type: 'string', data },
      { folderStrategy: 'Tags', parametersResolution: 'Schema', includeAuthInfoInExample: false },
      (err, result) => {
        if (err) return reject(err);
        if (!result.result) return reject(new Error(`openapi-to-postmanv2: ${result.reason}`));
        resolve(result.output[0].data);
      });
  });
}

// The faker keeps the Math.random it finds when loaded: seed first, then import.
const random = Math.random;
Math.random = seeded(13);
let collection;
try {
  ({ default: Converter } = await import('openapi-to-postmanv2'));
  collection = normalise(await convert(readFileSync(join(root, 'openapi.yaml'), 'utf8')));
} finally {
  Math.random = random;
}
collection.info.description = {
  content: 'Generated from openapi.yaml by frontend-contract/postman/generate.mjs ' +
    '(npm run postman:generate); do not edit. Set the collection variable baseUrl ' +
    '(or use storefront-local.postman_environment.json) and an access token where a ' +
    'request needs one. The worked scenario is storefront-scenario.postman_collection.json.\n\n' +
    (collection.info.description?.content ?? ''),
  type: 'text/plain',
};
const text = JSON.stringify(collection, null, 2) + '\n';

if (!check) {
  writeFileSync(target, text);
  console.log(`postman:generate: wrote ${target}`);
} else {
  const have = existsSync(target) ? readFileSync(target, 'utf8') : null;
  if (have === text) {
    console.log('postman:check: frontend-contract/postman/storefront-api.postman_collection.json is up to date');
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'sf-postman-'));
    const fresh = join(dir, 'storefront-api.postman_collection.json');
    writeFileSync(fresh, text);
    const a = (have ?? '').split('\n');
    const b = text.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    console.error(have === null
      ? 'postman:check: frontend-contract/postman/storefront-api.postman_collection.json is missing'
      : `postman:check: the Postman collection is stale (first difference at line ${line + 1}:\n` +
        `  committed: ${JSON.stringify(a[line] ?? '<end of file>')}\n` +
        `  expected:  ${JSON.stringify(b[line] ?? '<end of file>')})`);
    console.error(`Regenerated copy: ${fresh}\nFix: npm run postman:generate, then commit the result with openapi.yaml.`);
    process.exitCode = 1;
  }
}
