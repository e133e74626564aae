// readme.mjs — runs one of the README's shell tours as a reader would: the ```sh block
// between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, verbatim, with bash -euo
// pipefail in a scratch folder whose .local/run.env holds what `make run` writes there
// (built from the test environment: the API, cognito-local, the demo users, and any
// `extra` lines such as the Stripe stand-in's and aws-ses-v2-local's addresses).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireEnv } from './server.mjs';

const README = new URL('../../../README.md', import.meta.url);
const USERS = ['COGNITO_ENDPOINT', 'COGNITO_CLIENT_ID', 'STOREFRONT_SHOPPER_EMAIL',
  'STOREFRONT_SHOPPER_PASSWORD', 'STOREFRONT_ADMIN_EMAIL', 'STOREFRONT_ADMIN_PASSWORD'];

/** The tour's shell text. */
export function readmeBlock(name) {
  const text = readFileSync(README, 'utf8');
  const m = text.match(new RegExp(`<!-- ${name}:begin -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`));
  assert.ok(m, `README.md has a \`\`\`sh block between the ${name} markers`);
  return m[1];
}

/**
 * Runs the tour; returns {stdout, out} (out = stdout and stderr, for failure messages)
 * after asserting it exited 0. `t` gets stdout as a diagnostic (ctest -V shows what a
 * reader of the README sees).
 */
export function runTour(t, name, { extra = [], timeout = 90000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `sf-${name}-`));
  try {
    mkdirSync(join(dir, '.local'));
    const env = [`API=${requireEnv('STOREFRONT_BASE_URL')}`, ...USERS.map((v) => `${v}='${requireEnv(v)}'`), ...extra];
    writeFileSync(join(dir, '.local', 'run.env'), `${env.join('\n')}\n`);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', readmeBlock(name)], {
      cwd: dir, encoding: 'utf8', timeout, env: { PATH: process.env.PATH, HOME: dir },
    });
    const out = `${run.stdout}\n--- stderr ---\n${run.stderr}`;
    t.diagnostic(run.stdout);
    assert.equal(run.status, 0, out);
    return { stdout: run.stdout, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pretty-printed JSON object (or, with '[\n', '\n]\n', array) around `marker` in jq's output. */
export function jsonAround(out, marker, open = '{\n', close = '\n}\n') {
  const at = out.indexOf(marker);
  assert.ok(at >= 0, `output has ${marker}:\n${out}`);
  const start = out.lastIndexOf(open, at);
  return JSON.parse(out.slice(start, out.indexOf(close, at) + close.length - 1));
}

/** The one-line JSON (jq -c) on the first line with `marker`. */
export function lineWith(out, marker) {
  const line = out.split('\n').find((l) => l.includes(marker));
  assert.ok(line, `output has a line with ${marker}:\n${out}`);
  return JSON.parse(line);
}
