// tests/bench/peer/server.mjs — the Node.js peer of tests/bench/ceiling.sh: fastify + pg
// answering the product list and detail with the very SQL the C server runs.
//
// Why: issue 15 compares the C server with what a team would otherwise pick — a small
// Node.js server on the same PostgreSQL — on equal terms: the same statements (captured
// from PostgreSQL's log while the C server answered one request of each kind, never a
// copy that can drift), prepared like the C server's pool prepares them, a pool of
// comparable size, and a JSON body built from the rows. It does no validation, no ETag,
// no cursor: it is a floor for the work a real peer would do, so "C ≥ 3× the peer" is
// measured against the cheapest honest peer.
//
// Usage: node server.mjs --config FILE --port N --database-url URL --pool N
//   FILE (JSON, written by ceiling.sh):
//     { "list":   { "probe": "<category slug>", "statements": [ { "sql": "...", "params": [..] } ] },
//       "detail": { "probe": "<product slug>",  "statements": [ ... ] } }
//   A parameter equal to the probe value is replaced by the request's value (the category
//   or the product slug); the others are sent as captured. NULL parameters are null.
// Routes: GET /v1/products?category=SLUG&limit=20   GET /v1/products/SLUG   GET /healthz
// Prints "PEER_READY port=N" once listening; exits on SIGTERM/SIGINT or after
// --max-seconds (default 1800), so it cannot outlive a forgotten benchmark by much.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';

function args(argv) {
  const out = { pool: 4, maxSeconds: 1800 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`missing value for ${k}`);
    if (k === '--config') out.config = v;
    else if (k === '--port') out.port = Number.parseInt(v, 10);
    else if (k === '--database-url') out.databaseUrl = v;
    else if (k === '--pool') out.pool = Number.parseInt(v, 10);
    else if (k === '--max-seconds') out.maxSeconds = Number.parseInt(v, 10);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!out.config || !(out.port > 0) || !out.databaseUrl) throw new Error('--config, --port and --database-url are required');
  if (!(out.pool >= 1)) throw new Error('--pool must be >= 1');
  return out;
}

const opt = args(process.argv.slice(2));
const cfg = JSON.parse(readFileSync(opt.config, 'utf8'));
// The C server's sessions run with these settings (api/db/pool.c); plans must match.
const pool = new pg.Pool({
  connectionString: opt.databaseUrl,
  max: opt.pool,
  options: '-c jit=off -c TimeZone=UTC -c DateStyle=ISO',
});

// run KIND VALUE — the captured statements of one request, the probe value replaced;
// named, so pg prepares each once per connection as the C pool does.
async function run(kind, value) {
  const k = cfg[kind];
  const client = await pool.connect();
  try {
    const results = [];
    for (let i = 0; i < k.statements.length; i++) {
      const s = k.statements[i];
      const values = s.params.map((p) => (p === k.probe ? value : p));
      results.push(await client.query({ name: `${kind}_${i}`, text: s.sql, values }));
    }
    return results;
  } finally {
    client.release();
  }
}

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/v1/products', async (req, reply) => {
  const category = req.query.category;
  if (typeof category !== 'string' || category === '') return reply.code(400).send({ title: 'category is required' });
  const results = await run('list', category);
  return { items: results[results.length - 1].rows, next_cursor: null };
});
app.get('/v1/products/:slug', async (req, reply) => {
  const results = await run('detail', req.params.slug);
  const rows = results[results.length - 1].rows;
  if (rows.length === 0) return reply.code(404).send({ title: 'not found' });
  return rows[0];
});

const stop = async () => {
  await app.close().catch(() => {});
  await pool.end().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, opt.maxSeconds * 1000).unref();

await app.listen({ host: '127.0.0.1', port: opt.port });
process.stdout.write(`PEER_READY port=${opt.port}\n`);
