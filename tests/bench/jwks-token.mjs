// tests/bench/jwks-token.mjs — a throw-away Cognito stand-in for tests/bench/auth.sh.
//
// Why: the authentication benchmark needs tokens the server accepts without any network
// beyond loopback. This generates an RSA-2048 key with node:crypto, serves its public
// half as a JWKS on a free 127.0.0.1 port (the URL goes in COGNITO_JWKS_URL, with
// COGNITO_ALLOW_HTTP=1), and writes N RS256 access tokens shaped like Cognito's (one
// distinct user per token) to a file, one per line.
//
// Usage: node jwks-token.mjs --issuer URL --client-id ID --tokens N --out FILE
//                            [--max-seconds S] [--groups a,b]
// --groups puts cognito:groups in every token (tests/bench/analytics.sh needs staff).
// Prints "JWKS_URL=http://127.0.0.1:PORT/.well-known/jwks.json" on stdout once the file
// is complete and the server listens, then serves until SIGTERM/SIGINT or S seconds
// (default 1800), so it can never outlive a forgotten benchmark by much.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';

function args(argv) {
  const out = { tokens: 1, maxSeconds: 1800 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`missing value for ${k}`);
    if (k === '--issuer') out.issuer = v;
    else if (k === '--client-id') out.clientId = v;
    else if (k === '--tokens') out.tokens = Number.parseInt(v, 10);
    else if (k === '--out') out.out = v;
    else if (k === '--max-seconds') out.maxSeconds = Number.parseInt(v, 10);
    else if (k === '--groups') out.groups = v.split(',');
    else throw new Error(`unknown argument ${k}`);
  }
  if (!out.issuer || !out.clientId || !out.out) throw new Error('--issuer, --client-id and --out are required');
  if (!(out.tokens >= 1 && out.tokens <= 100000)) throw new Error('--tokens must be 1..100000');
  if (!(out.maxSeconds >= 1)) throw new Error('--max-seconds must be >= 1');
  return out;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

const opt = args(process.argv.slice(2));
const kid = `bench-${randomUUID()}`;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = publicKey.export({ format: 'jwk' });
const jwks = JSON.stringify({ keys: [{ kty: 'RSA', kid, alg: 'RS256', use: 'sig', n: jwk.n, e: jwk.e }] });

const header = b64url(JSON.stringify({ kid, alg: 'RS256', typ: 'JWT' }));
const iat = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < opt.tokens; i++) {
  const claims = {
    sub: randomUUID(),
    iss: opt.issuer,
    client_id: opt.clientId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: iat,
    iat,
    exp: iat + 3600,
    jti: randomUUID(),
    username: `bench-user-${String(i + 1).padStart(6, '0')}`,
    ...(opt.groups ? { 'cognito:groups': opt.groups } : {}),
  };
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  lines.push(`${input}.${b64url(sign('sha256', Buffer.from(input), privateKey))}`);
}
writeFileSync(opt.out, `${lines.join('\n')}\n`, { mode: 0o600 });

let fetches = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(jwks) });
    res.end(jwks);
  } else {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  }
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`JWKS_URL=http://127.0.0.1:${port}/.well-known/jwks.json\n`);
});

function stop(why) {
  process.stderr.write(`jwks-token: ${why}; served ${fetches} JWKS fetch(es)\n`);
  server.close();
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
setTimeout(() => stop(`${opt.maxSeconds}s limit`), opt.maxSeconds * 1000).unref();
// unref'd timer: the listening server keeps the process alive; the timer still fires.
