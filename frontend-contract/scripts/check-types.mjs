// check-types.mjs — fails when frontend-contract/types/storefront-api.d.ts is stale.
//
// Regenerates the types from openapi.yaml into a temporary file with the same
// openapi-typescript the repo pins (and the same flags as `npm run types:generate`:
// --default-non-nullable false, so a request field with a default stays optional), and
// compares byte for byte with the committed file.
// Run by `npm run types:check` and the ctest test contract/types-fresh.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const committed = join(root, 'frontend-contract', 'types', 'storefront-api.d.ts');
const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'sf-types-'));
const fresh = join(dir, 'storefront-api.d.ts');

try {
  execFileSync(process.execPath, [cli, join(root, 'openapi.yaml'), '--default-non-nullable', 'false', '-o', fresh],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const want = readFileSync(fresh, 'utf8');
  const have = existsSync(committed) ? readFileSync(committed, 'utf8') : null;
  if (have === want) {
    console.log('types:check: frontend-contract/types/storefront-api.d.ts is up to date');
  } else {
    const a = (have ?? '').split('\n');
    const b = want.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    console.error(have === null
      ? 'types:check: frontend-contract/types/storefront-api.d.ts is missing'
      : `types:check: frontend-contract/types/storefront-api.d.ts is stale (first difference at line ${line + 1}:\n` +
        `  committed: ${JSON.stringify(a[line] ?? '<end of file>')}\n` +
        `  expected:  ${JSON.stringify(b[line] ?? '<end of file>')})`);
    console.error(`Regenerated copy: ${fresh}\nSee the whole diff with: diff -u ${committed} ${fresh}`);
    console.error('Fix: npm run types:generate, then commit the result with openapi.yaml.');
    process.exitCode = 1;
  }
} finally {
  if (!process.exitCode) rmSync(dir, { recursive: true, force: true });
}
