// workers.test.mjs — the background workers (sf_worker, docs/architecture.md
// "Background workers") as /metrics shows them: one storefront_worker_rounds_total and
// one storefront_worker_failures_total sample per running worker, counters that move
// when the worker works, failures counted when the database is gone, a worker that is
// off not listed, and a clean stop (exit 0) even while every round fails.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { api } from './lib/client.mjs';
import { requireEnv, startServer, stopServer } from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value (at most `tries` × 100 ms); returns it. */
async function until(what, fn, tries = 600) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * The worker series of one /metrics scrape: {rounds: {name: n}, failures: {name: n}, text}.
 * Fails when a series lacks its HELP/TYPE lines or names a worker twice.
 */
async function workerMetrics(base) {
  const res = await api('GET', '/metrics', base ? { base } : {});
  assert.equal(res.status, 200);
  const out = { rounds: {}, failures: {}, text: res.text };
  for (const [key, name] of [['rounds', 'storefront_worker_rounds_total'], ['failures', 'storefront_worker_failures_total']]) {
    const samples = res.text.split('\n').filter((l) => l.startsWith(`${name}{`));
    if (samples.length === 0) continue;
    assert.match(res.text, new RegExp(`^# HELP ${name} \\S.*$`, 'm'));
    assert.match(res.text, new RegExp(`^# TYPE ${name} counter$`, 'm'));
    for (const line of samples) {
      const m = /^\w+\{worker="([a-z-]+)"\} (\d+)$/.exec(line);
      assert.ok(m, `malformed sample: ${line}`);
      assert.equal(out[key][m[1]], undefined, `worker ${m[1]} listed twice in ${name}`);
      out[key][m[1]] = Number(m[2]);
    }
  }
  return out;
}

test('the shared server lists every running worker with rounds and failures', async () => {
  const m = await workerMetrics();
  const expected = ['partitions', 'sweeper', 'refresher'];
  if (process.env.KINESIS_STREAM) expected.push('forwarder');
  for (const name of expected) {
    assert.ok(Number.isSafeInteger(m.rounds[name]), `no rounds sample for ${name}:\n${m.text}`);
    assert.ok(Number.isSafeInteger(m.failures[name]), `no failures sample for ${name}`);
  }
  // Every worker has both series, and a failure is always also a round.
  assert.deepEqual(Object.keys(m.failures).sort(), Object.keys(m.rounds).sort());
  for (const name of Object.keys(m.rounds)) assert.ok(m.failures[name] <= m.rounds[name], `${name}: failures > rounds`);
});

test('rounds count up while the workers run, without failures', async () => {
  const srv = await startServer({ UNPAID_SWEEP_INTERVAL_SECONDS: '1', ANALYTICS_REFRESH_SECONDS: '1', KINESIS_STREAM: undefined });
  try {
    const m = await until('two sweeper and refresher rounds', async () => {
      const s = await workerMetrics(srv.base);
      return s.rounds.sweeper >= 2 && s.rounds.refresher >= 2 ? s : null;
    });
    assert.equal(m.failures.sweeper, 0, srv.output());
    assert.equal(m.failures.refresher, 0, srv.output());
    // Without KINESIS_STREAM there is no forwarder, so no series for it.
    assert.equal(m.rounds.forwarder, undefined);
    // The partition upkeep runs hourly: listed, but its first round is an hour away.
    assert.equal(m.rounds.partitions, 0);
  } finally {
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
});

test('a worker that is switched off is not listed', async () => {
  const srv = await startServer({ ANALYTICS_REFRESH_SECONDS: '0' });
  try {
    const m = await workerMetrics(srv.base);
    assert.equal(m.rounds.refresher, undefined);
    assert.equal(m.failures.refresher, undefined);
    assert.ok(Number.isSafeInteger(m.rounds.sweeper));
  } finally {
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
});

test('without a database every round fails, is counted, and SIGTERM still stops the server', async () => {
  const srv = await startServer({
    DATABASE_URL: 'postgresql://storefront@127.0.0.1:1/storefront',
    DB_ACQUIRE_TIMEOUT_MS: '200',
    UNPAID_SWEEP_INTERVAL_SECONDS: '1',
    ANALYTICS_REFRESH_SECONDS: '1',
    KINESIS_STREAM: undefined,
  });
  try {
    const m = await until('two failed sweeper rounds', async () => {
      const s = await workerMetrics(srv.base);
      return s.failures.sweeper >= 2 && s.failures.refresher >= 2 ? s : null;
    });
    // Nothing can succeed without a database: every round counted is a failed one.
    assert.equal(m.failures.sweeper, m.rounds.sweeper);
    assert.equal(m.failures.refresher, m.rounds.refresher);
  } finally {
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
});

test('a worker whose session the database ends reconnects and goes on working', async () => {
  const adminUrl = requireEnv('STOREFRONT_TEST_ADMIN_DATABASE_URL');
  const dbName = new URL(requireEnv('STOREFRONT_SERVER_DATABASE_URL')).pathname.slice(1);
  const psql = (text) => execFileSync('psql', [adminUrl, '-XAtqv', 'ON_ERROR_STOP=1', '-c', text], { encoding: 'utf8' }).trim();
  const srv = await startServer({ UNPAID_SWEEP_INTERVAL_SECONDS: '1', KINESIS_STREAM: undefined });
  try {
    // The sweeper's own session (application_name storefront-sweeper); other servers
    // may run sweepers on this database too, so this server's is told by its backend.
    await until('a first sweeper round', async () => (await workerMetrics(srv.base)).rounds.sweeper >= 1);
    const pidsBefore = psql(`SELECT string_agg(pid::text, ',') FROM pg_stat_activity
      WHERE datname = '${dbName}' AND application_name = 'storefront-sweeper'`);
    assert.ok(pidsBefore, 'the sweeper has a session of its own');
    psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = '${dbName}' AND application_name = 'storefront-sweeper'`);
    const start = await workerMetrics(srv.base);
    // The next round finds its connection gone (one failure at most), then works again.
    await until('two more sweeper rounds', async () => (await workerMetrics(srv.base)).rounds.sweeper >= start.rounds.sweeper + 3);
    const end = await workerMetrics(srv.base);
    assert.ok(end.failures.sweeper <= start.failures.sweeper + 1, `failures kept growing:\n${srv.output()}`);
    const fresh = psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = '${dbName}'
      AND application_name = 'storefront-sweeper' AND pid NOT IN (${pidsBefore})`);
    assert.ok(Number(fresh) >= 1, 'the sweeper opened a new session');
  } finally {
    const { code } = await stopServer(srv);
    assert.equal(code, 0, srv.output());
  }
});
