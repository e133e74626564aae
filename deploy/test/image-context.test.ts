/*
 * image-context.test.ts — what goes into the container image's build context and the image:
 * .dockerignore keeps out everything the Dockerfile does not copy (above all .git,
 * node_modules, build trees, .local state, test artifacts and env/key files, which would
 * otherwise be sent to the builder and hashed into CDK's asset), the Dockerfile copies only
 * what the build needs, and the final stage runs as a non-root user with a HEALTHCHECK.
 * (tests/deploy/image-test.sh builds the image and checks the same user and HEALTHCHECK
 * on the result where podman is installed; this runs everywhere.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './synth.js';

const rules = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n')
  .map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  .map((l) => ({ exclude: !l.startsWith('!'), pattern: l.replace(/^!/, '').replace(/^\/+|\/+$/g, '') }));

/* Docker's rule (moby/patternmatcher): the last pattern that matches a path, or one of its
 * parent directories, decides; `**` is any number of directories, `*` and `?` stay within
 * one path element. */
function ignored(file: string): boolean {
  const re = (p: string) => new RegExp('^' + p.split('/').map((seg) => seg === '**' ? '(?:.*)' :
    seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/').replace(/\(\?:\.\*\)\//g, '(?:.*/)?') + '$');
  const parts = file.split('/');
  let out = false;
  for (const r of rules) {
    const m = re(r.pattern);
    for (let i = 1; i <= parts.length; i++) if (m.test(parts.slice(0, i).join('/'))) { out = r.exclude; break; }
  }
  return out;
}

const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const stages = dockerfile.split(/^FROM\s/m).slice(1);
/* The sources of every COPY that reads the build context (not --from another stage). */
const copied = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)]
  .flatMap((m) => m[1].trim().split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1));

test('.dockerignore: .git, dependencies, build trees, local state, test artifacts and secrets stay out', () => {
  assert.equal(rules[0].exclude && rules[0].pattern, '*', 'an allow-list: everything out first');
  for (const f of ['.git/HEAD', '.git', 'node_modules/vite/package.json', 'frontend-contract/spa/node_modules/x.js',
    'tests/api/node_modules/x/index.js', 'build/storefront', 'build-asan/storefront', 'api/build/x.o', '.local/pg/PG_VERSION',
    'tests/.local/x', 'tests/bench/results/run.json', 'tests/e2e/test-results/trace.zip', 'tests/e2e/playwright-report/index.html',
    'api/main.o', '.env', '.env.production', 'api/.env', 'tests/.env.local', 'tests/fixtures/server.pem', 'schema/x.key',
    'deploy/cdk.out/manifest.json', 'deploy/node_modules/aws-cdk-lib/package.json', 'deploy/lib/app.ts', 'README.md',
    'localstack/provision.sh', 'frontend-contract/spa/src/config.ts', '.npmrc', 'tests/.npmrc', '.aws/credentials'])
    assert.ok(ignored(f), `${f} is sent to the image build`);
});

test('the Dockerfile copies only what the build needs, and all of it is in the context', () => {
  assert.deepEqual(copied.sort(), ['CMakeLists.txt', 'api/', 'deploy/storefront-healthcheck.sh', 'include/', 'schema/',
    'templates/', 'tests/'].sort(), 'the Dockerfile copies something new: add it to .dockerignore\'s allow-list and here');
  for (const src of copied) {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, src)), `${src} does not exist`);
    assert.ok(!ignored(src.replace(/\/$/, '')), `${src} is copied but ignored`);
  }
  for (const f of ['api/main.c', 'include/storefront/config.h', 'schema/gen/CMakeLists.txt', 'tests/CMakeLists.txt', 'templates/email/embed.cmake'])
    assert.ok(!ignored(f), `${f} is needed by the build but ignored`);
  // No COPY . . and no ADD (remote URLs, auto-extraction).
  assert.doesNotMatch(dockerfile, /^COPY\s+(--\S+\s+)*\.\s/m);
  assert.doesNotMatch(dockerfile, /^ADD\s/m);
});

test('the final stage runs as a non-root user and has a HEALTHCHECK', () => {
  const last = stages[stages.length - 1];
  const users = [...last.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(users.length > 0, 'the final stage sets no USER');
  const user = users[users.length - 1];
  assert.doesNotMatch(user, /^(root|0)(:|$)/, `the final stage runs as ${user}`);
  assert.match(last, /^HEALTHCHECK\s+.*CMD\s+\["\/usr\/local\/bin\/storefront-healthcheck"\]/m);
  // No secret baked in as an environment variable or build argument.
  assert.doesNotMatch(dockerfile, /^(ENV|ARG)\s+.*(SECRET|PASSWORD|API_KEY|ACCESS_KEY)/im);
});
