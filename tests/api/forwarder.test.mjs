// forwarder.test.mjs — the clickstream outbox forwarder ships stored events to Kinesis
// exactly once: through a kinesalite outage (stopped with SIGTERM and restarted mid-run),
// in batches of FORWARD_BATCH_MAX, with failed records retried and never duplicated, and
// a wrong stream name leaves the rows waiting with last_error set.
//
// Everything here is private to this file: a scratch database (migrated by the real
// binary), a kinesalite of its own whose data survives its restart (--path), servers of
// its own. The shared server also forwards (make test sets KINESIS_STREAM) but watches
// the shared database, so it never sees these rows. The events and outbox rows are
// inserted with SQL in one transaction each, as the clickstream writer does.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { api } from './lib/client.mjs';
import { freePort, requireEnv, startServer, stopServer } from './lib/server.mjs';

const KINESALITE = path.resolve('node_modules/kinesalite/index.js');
const dbName = `storefront_fwd_${process.pid}`;
const adminUrl = requireEnv('STOREFRONT_TEST_ADMIN_DATABASE_URL');
const dbUrl = (() => {
  const u = new URL(requireEnv('STOREFRONT_SERVER_DATABASE_URL'));
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_SESSION_TOKEN: undefined };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// SQL on stdin: a batch of large events is more than one argv string may hold.
const psql = (url, text) => execFileSync('psql', [url, '-XAtqv', 'ON_ERROR_STOP=1'], { input: text, encoding: 'utf8' }).trim();
const sql = (text) => psql(dbUrl, text);
const utcDay = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);

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
 * Stores events as the writer does: the events rows and their outbox rows in one
 * transaction. Each spec may set session_id / anonymous_id (undefined = a fresh session).
 * Returns the events as stored ({event_id, event_time, session_id, anonymous_id, ...}).
 */
function store(specs) {
  const evs = specs.map((s, i) => ({
    event_id: randomUUID(), event_time: new Date(Date.now() - i).toISOString(),
    event_type: 'page_view', session_id: s.session_id === undefined ? `sess-${randomUUID()}` : s.session_id,
    anonymous_id: s.anonymous_id ?? null, page_url: `https://shop.example.com/p/${i}?q=it's`,
    product_id: s.product_id ?? i, props: s.props ?? { n: i, tag: 'fwd "test"' },
  }));
  const lit = (v) => (v === null ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`);
  const rows = evs.map((e) => `(${lit(e.event_id)}, ${lit(e.event_time)}, ${lit(e.event_type)}, 'web',
    ${lit(e.session_id)}, ${lit(e.anonymous_id)}, ${lit(e.page_url)}, ${e.product_id}, ${lit(JSON.stringify(e.props))}::jsonb)`);
  sql(`BEGIN;
    INSERT INTO events (event_id, event_time, event_type, source, session_id, anonymous_id, page_url, product_id, props)
      VALUES ${rows.join(',')};
    INSERT INTO event_outbox (event_id, event_time) VALUES ${evs.map((e) => `(${lit(e.event_id)}, ${lit(e.event_time)})`).join(',')};
    COMMIT;`);
  return evs;
}

const outboxCount = () => Number(sql('SELECT count(*) FROM event_outbox'));

/** kinesalite on `port`, its data in `dir` (kept across restarts); resolves {child, exited}. */
async function startKinesalite(port, dir) {
  const script = `const [, port, dir] = process.argv;
const server = require(${JSON.stringify(KINESALITE)})({ path: dir, createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50 });
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', script, String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.on('exit', r));
  const k = { child, exited };
  kinesalites.add(k);
  exited.then(() => kinesalites.delete(k));
  let output = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { output += d; if (output.includes('listening')) resolve(); });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', () => reject(new Error(`kinesalite exited: ${output}`)));
  });
  return k;
}

async function stopKinesalite(k) {
  if (k.child.exitCode !== null || k.child.signalCode !== null) return;
  k.child.kill('SIGTERM');
  await k.exited;
}

/** One Kinesis JSON call; kinesalite wants a SigV4-shaped Authorization, not a valid one. */
async function kinesis(endpoint, op, body) {
  const res = await fetch(endpoint, {
    method: 'POST', body: JSON.stringify(body),
    headers: {
      'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `Kinesis_20131202.${op}`,
      'X-Amz-Date': '20260101T000000Z',
      Authorization: 'AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/kinesis/aws4_request, '
        + 'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000',
    },
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  assert.equal(res.status, 200, `${op}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function createStream(endpoint, name, shards) {
  await kinesis(endpoint, 'CreateStream', { StreamName: name, ShardCount: shards });
  await until(`stream ${name} ACTIVE`, async () => (await kinesis(endpoint, 'DescribeStreamSummary', { StreamName: name }))
    .StreamDescriptionSummary.StreamStatus === 'ACTIVE');
}

/** Every record in the stream, all shards, from TRIM_HORIZON: [{key, event}]. */
async function readStream(endpoint, name) {
  const { StreamDescription: d } = await kinesis(endpoint, 'DescribeStream', { StreamName: name });
  const out = [];
  for (const shard of d.Shards) {
    let it = (await kinesis(endpoint, 'GetShardIterator', { StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
    for (;;) {
      const r = await kinesis(endpoint, 'GetRecords', { ShardIterator: it, Limit: 1000 });
      for (const rec of r.Records) out.push({ key: rec.PartitionKey, event: JSON.parse(Buffer.from(rec.Data, 'base64').toString('utf8')) });
      if (r.Records.length === 0 || !r.NextShardIterator) break;
      it = r.NextShardIterator;
    }
  }
  return out;
}

async function metric(base, name) {
  const res = await api('GET', '/metrics', { base });
  assert.equal(res.status, 200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function forwardingServer(endpoint, stream, env = {}) {
  return startServer({
    DATABASE_URL: dbUrl, KINESIS_STREAM: stream, KINESIS_ENDPOINT: endpoint, AWS_REGION: 'us-east-1',
    FORWARD_POLL_MS: '50', FORWARD_BACKOFF_MAX_SECONDS: '1', ...CREDS, ...env,
  });
}

let kinesaliteDir;
const kinesalites = new Set();
before(() => {
  psql(adminUrl, `CREATE DATABASE ${dbName} OWNER storefront`);
  execFileSync(requireEnv('STOREFRONT_BIN'), ['migrate'], { env: { ...process.env, DATABASE_URL: dbUrl }, stdio: 'ignore' });
  sql(`SELECT events_partitions_ensure('${utcDay(-1)}', '${utcDay(1)}')`);
  kinesaliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-kinesalite-'));
});

after(async () => {
  for (const k of kinesalites) await stopKinesalite(k);
  psql(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  fs.rmSync(kinesaliteDir, { recursive: true, force: true });
});

test('every event arrives exactly once although kinesalite is stopped and restarted mid-run', async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dir = fs.mkdtempSync(path.join(kinesaliteDir, 'outage-'));
  let k = await startKinesalite(port, dir);
  await createStream(endpoint, 'fwd-outage', 2);
  // An outbox row whose event retention already dropped: deleted, never shipped.
  sql(`INSERT INTO event_outbox (event_id, event_time) VALUES ('${randomUUID()}', now())`);
  const srv = await forwardingServer(endpoint, 'fwd-outage', { FORWARD_BATCH_MAX: '7' });
  const stored = [];
  try {
    // Before the outage: several transactions over time; sessions, anonymous-only and
    // neither (the partition key falls back to anonymous_id, then event_id).
    for (let t = 0; t < 4; t++) {
      stored.push(...store([{}, {}, { session_id: null, anonymous_id: `anon-${t}` }, { session_id: null }, {}, {}]));
      await sleep(30);
    }
    // Some records are in the stream before the outage (kinesalite keeps them on disk
    // across the restart), the rest still in the outbox or in flight.
    await until('a first batch shipped', () => outboxCount() <= stored.length - 7);
    await stopKinesalite(k);
    // During the outage the outbox grows and every attempt is recorded.
    for (let t = 0; t < 4; t++) {
      stored.push(...store([{}, {}, {}, { session_id: null, anonymous_id: `anon-out-${t}` }, {}]));
      await sleep(30);
    }
    await until('failed attempts recorded in the outbox', () =>
      Number(sql("SELECT count(*) FROM event_outbox WHERE attempts >= 2 AND last_error <> '' AND next_attempt_at > now() - interval '1 hour'")) >= 20);
    assert.ok(outboxCount() >= 20, 'the rows stored during the outage wait in the outbox');
    assert.ok((await metric(srv.base, 'storefront_forwarder_records_total{outcome="failed"}')) > 0);

    k = await startKinesalite(port, dir);
    await until('the outbox to drain after the restart', () => outboxCount() === 0);

    const records = await readStream(endpoint, 'fwd-outage');
    const seen = new Map();
    for (const r of records) seen.set(r.event.event_id, (seen.get(r.event.event_id) ?? 0) + 1);
    for (const e of stored) assert.equal(seen.get(e.event_id), 1, `event ${e.event_id} arrived ${seen.get(e.event_id) ?? 0} times`);
    assert.equal(records.length, stored.length, 'nothing but the stored events was shipped');
    for (const e of stored) {
      const r = records.find((x) => x.event.event_id === e.event_id);
      assert.equal(r.key, e.session_id ?? e.anonymous_id ?? e.event_id, 'partition key = session, else anonymous id, else event id');
      assert.equal(new Date(r.event.event_time).getTime(), new Date(e.event_time).getTime());
      assert.deepEqual([r.event.event_type, r.event.source, r.event.session_id, r.event.anonymous_id, r.event.page_url, r.event.product_id, r.event.props],
        [e.event_type, 'web', e.session_id, e.anonymous_id, e.page_url, e.product_id, e.props]);
      assert.ok('received_at' in r.event && 'user_id' in r.event, 'every stored column is shipped');
    }
    // 36 records at FORWARD_BATCH_MAX=7 need at least 6 PutRecords even without the outage.
    assert.equal(await metric(srv.base, 'storefront_forwarder_records_total{outcome="forwarded"}'), stored.length);
    assert.ok((await metric(srv.base, 'storefront_forwarder_requests_total')) >= 6);
    assert.equal(await metric(srv.base, 'storefront_forwarder_dropped_total'), 1);
  } finally {
    const stopped = await stopServer(srv);
    await stopKinesalite(k);
    assert.deepEqual(stopped, { code: 0, signal: null }, 'the server stops cleanly with the forwarder running');
  }
});

test('failed records are retried with backoff and acknowledged ones are never sent again', async () => {
  // A stand-in for Kinesis' HTTP answer (not for the database): it checks the signed
  // request, then fails records of odd product ids (per-record errors, HTTP 200) until
  // told otherwise, after answering the first requests with a 500.
  let mode = 'down';
  const sent = new Map();
  const acked = new Map();
  const problems = [];
  const fake = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('AWS4-HMAC-SHA256 Credential=AKIDFWDTEST/') || !auth.includes('/eu-west-1/kinesis/aws4_request')
        || !/SignedHeaders=[^,]*x-amz-security-token/.test(auth) || req.headers['x-amz-security-token'] !== 'token-123'
        || req.headers['x-amz-target'] !== 'Kinesis_20131202.PutRecords' || req.headers['content-type'] !== 'application/x-amz-json-1.1'
        || !req.headers['x-amz-date']) {
        problems.push(JSON.stringify(req.headers));
      }
      const reqBody = JSON.parse(body);
      if (reqBody.StreamName !== 'fwd-fake') problems.push(`stream ${reqBody.StreamName}`);
      if (mode === 'down') {
        res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: 'down for the test' }));
        return;
      }
      const results = reqBody.Records.map((r) => {
        const ev = JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8'));
        sent.set(ev.event_id, (sent.get(ev.event_id) ?? 0) + 1);
        if (mode === 'partial' && ev.product_id % 2 === 1) {
          return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard "x"' };
        }
        acked.set(ev.event_id, (acked.get(ev.event_id) ?? 0) + 1);
        return { SequenceNumber: String(Date.now()), ShardId: 'shardId-000000000000' };
      });
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedRecordCount: results.filter((r) => r.ErrorCode).length, Records: results }));
    });
  });
  await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${fake.address().port}`;
  const srv = await forwardingServer(endpoint, 'fwd-fake', {
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDFWDTEST', AWS_SECRET_ACCESS_KEY: 'fwd-secret', AWS_SESSION_TOKEN: 'token-123',
  });
  try {
    const stored = store(Array.from({ length: 20 }, (_, i) => ({ product_id: i })));
    await until('the 500 recorded', () => Number(sql("SELECT count(*) FROM event_outbox WHERE attempts >= 1 AND last_error LIKE '%HTTP 500 InternalFailure%'")) === 20);
    mode = 'partial';
    await until('the even records acknowledged, the odd ones waiting', () =>
      Number(sql("SELECT count(*) FROM event_outbox WHERE last_error LIKE 'ProvisionedThroughputExceededException: Rate exceeded%'")) === 10
      && outboxCount() === 10);
    mode = 'ok';
    await until('the outbox to drain', () => outboxCount() === 0);
    assert.deepEqual(problems, [], 'every request was signed and addressed as Kinesis expects');
    for (const e of stored) {
      assert.equal(acked.get(e.event_id), 1, `event ${e.event_id} acknowledged ${acked.get(e.event_id) ?? 0} times`);
      if (e.product_id % 2 === 1) assert.ok(sent.get(e.event_id) >= 2, 'a failed record is sent again');
    }
    assert.ok((await metric(srv.base, 'storefront_forwarder_records_total{outcome="failed"}')) >= 30);
    assert.equal(await metric(srv.base, 'storefront_forwarder_records_total{outcome="forwarded"}'), 20);
  } finally {
    await stopServer(srv);
    fake.close();
  }
});

test('a batch over 5 MiB is split into several PutRecords', async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const k = await startKinesalite(port, fs.mkdtempSync(path.join(kinesaliteDir, 'big-')));
  const srv = await forwardingServer(endpoint, 'fwd-big');
  try {
    await createStream(endpoint, 'fwd-big', 1);
    // The largest events the writer accepts: 50 properties of 1 KiB (~52 KB of JSON each).
    // 110 of them (~5.7 MB) in one transaction, so one take sees them all: the 5 MiB cap,
    // not FORWARD_BATCH_MAX (500), has to split them.
    const props = (i) => Object.fromEntries(Array.from({ length: 50 }, (_, j) => [`k${j}`, `${i}`.padEnd(1024, 'x')]));
    const stored = store(Array.from({ length: 110 }, (_, i) => ({ props: props(i) })));
    await until('the outbox to drain', () => outboxCount() === 0);
    assert.equal(await metric(srv.base, 'storefront_forwarder_requests_total'), 2);
    const records = await readStream(endpoint, 'fwd-big');
    assert.deepEqual(records.map((r) => r.event.event_id).sort(), stored.map((e) => e.event_id).sort());
    assert.deepEqual(records.find((r) => r.event.event_id === stored[7].event_id).event.props, props(7));
  } finally {
    await stopServer(srv);
    await stopKinesalite(k);
  }
});

test('the forwarder reconnects after losing its database connection', async () => {
  const acked = new Map();
  const fake = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const results = JSON.parse(body).Records.map((r) => {
        const id = JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8')).event_id;
        acked.set(id, (acked.get(id) ?? 0) + 1);
        return { SequenceNumber: '1', ShardId: 'shardId-000000000000' };
      });
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedRecordCount: 0, Records: results }));
    });
  });
  await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  const srv = await forwardingServer(`http://127.0.0.1:${fake.address().port}`, 'fwd-reconnect');
  try {
    const stored = store([{}, {}, {}]);
    await until('the first events shipped', () => outboxCount() === 0);
    // The forwarder's own connection (libpq application_name storefront-forwarder).
    const killed = psql(adminUrl, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
      WHERE datname = '${dbName}' AND application_name = 'storefront-forwarder'`);
    assert.equal(killed, '1', 'the forwarder had one connection open');
    stored.push(...store([{}, {}, {}]));
    await until('the events stored after the loss shipped', () => outboxCount() === 0);
    for (const e of stored) assert.equal(acked.get(e.event_id), 1);
  } finally {
    await stopServer(srv);
    fake.close();
  }
});

test('a stream that does not exist leaves the rows in the outbox with last_error', async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const k = await startKinesalite(port, fs.mkdtempSync(path.join(kinesaliteDir, 'missing-')));
  const srv = await forwardingServer(endpoint, 'no-such-stream');
  try {
    store([{}, {}, {}]);
    await until('the error recorded', () =>
      Number(sql("SELECT count(*) FROM event_outbox WHERE attempts >= 1 AND last_error LIKE '%ResourceNotFoundException%'")) === 3);
    assert.equal(outboxCount(), 3, 'nothing is lost while the stream is missing');
  } finally {
    await stopServer(srv);
    await stopKinesalite(k);
    sql('DELETE FROM event_outbox');
  }
});

test('forwarding settings are checked at start-up: one line naming the variable, exit 2', () => {
  const cases = [
    [{ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, 'AWS_ACCESS_KEY_ID'],
    [{ KINESIS_ENDPOINT: 'http://kinesis.example.com' }, 'KINESIS_ENDPOINT'],
    [{ FORWARD_BATCH_MAX: '501' }, 'FORWARD_BATCH_MAX'],
    [{ FORWARD_POLL_MS: 'soon' }, 'FORWARD_POLL_MS'],
    [{ KINESIS_STREAM: 'bad/name' }, 'KINESIS_STREAM'],
  ];
  for (const [env, name] of cases) {
    const merged = { ...process.env, DATABASE_URL: dbUrl, PORT: '1', KINESIS_STREAM: 'fwd', ...CREDS, ...env };
    for (const [key, v] of Object.entries(merged)) if (v === undefined) delete merged[key];
    const r = spawnSync(requireEnv('STOREFRONT_BIN'), ['serve'], { env: merged, encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.includes(name), r.stderr);
  }
});
