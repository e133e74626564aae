// tests/bench/prime-tokens.mjs — use every token of a file exactly once (GET /v1/me).
//
// Why: tests/bench/checkout.sh needs one customer row per token before it can fill
// their carts with SQL, and the server creates that row on a person's first
// authenticated request. wrk cannot visit each line exactly once and stop, so this
// sends one GET per token with a bounded number of keep-alive connections and exits
// when all have answered. As a side effect every token is verified once (RSA) and sits
// in the server's verified-token cache, as a shopper's token does after browsing.
//
// Usage: node prime-tokens.mjs --url http://127.0.0.1:PORT/v1/me --tokens FILE
//                              [--concurrency N] [--max-seconds S]
// Prints "PRIME total=N ok=N failed=N seconds=F" and exits 0 when every answer was 200,
// 1 otherwise, 2 after S seconds (default 600).
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';

function args(argv) {
  const out = { concurrency: 32, maxSeconds: 600 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value for ${k}`);
    if (k === '--url') out.url = new URL(v);
    else if (k === '--tokens') out.tokens = v;
    else if (k === '--concurrency') out.concurrency = Number.parseInt(v, 10);
    else if (k === '--max-seconds') out.maxSeconds = Number.parseInt(v, 10);
    else throw new Error(`unknown argument ${k}`);
  }
  if (!out.url || !out.tokens) throw new Error('--url and --tokens are required');
  if (!(out.concurrency >= 1 && out.concurrency <= 1024)) throw new Error('--concurrency must be 1..1024');
  if (!(out.maxSeconds >= 1)) throw new Error('--max-seconds must be >= 1');
  return out;
}

const opt = args(process.argv.slice(2));
const tokens = readFileSync(opt.tokens, 'utf8').split('\n').filter((t) => t !== '');
const agent = new Agent({ keepAlive: true, maxSockets: opt.concurrency });
const t0 = process.hrtime.bigint();
let next = 0;
let ok = 0;
let failed = 0;
let firstFailure = '';

setTimeout(() => {
  process.stderr.write(`prime-tokens: ${opt.maxSeconds}s limit reached after ${ok + failed} of ${tokens.length}\n`);
  process.exit(2);
}, opt.maxSeconds * 1000).unref();

function get(token) {
  return new Promise((resolve) => {
    const req = request(opt.url, { agent, headers: { authorization: `Bearer ${token}` }, timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(`error ${err.message}`));
    req.end();
  });
}

async function worker() {
  while (next < tokens.length) {
    const status = await get(tokens[next++]);
    if (status === 200) ok += 1;
    else {
      failed += 1;
      if (!firstFailure) firstFailure = String(status);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(opt.concurrency, tokens.length) }, worker));
agent.destroy();
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(`PRIME total=${tokens.length} ok=${ok} failed=${failed} seconds=${secs.toFixed(1)}\n`);
if (failed) process.stderr.write(`prime-tokens: first failure: ${firstFailure}\n`);
process.exit(failed ? 1 : 0);
