// server.mjs — start extra `storefront serve` instances for tests that need a server
// configured differently from the shared one (no database, their own JWKS, ...).
// STOREFRONT_BIN comes from make test; each instance gets a free loopback port.
import { spawn } from 'node:child_process';
import net from 'node:net';

export function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the API tests through make test`);
  return v;
}

/** A free loopback TCP port (bound once, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `storefront serve` with the test environment plus `env`; resolves once
 * /healthz answers with {child, base, exited, output()}. It uses the shared server's
 * database and inherits its Cognito settings unless env overrides them (set a key to
 * undefined to drop it).
 */
export async function startServer(env = {}) {
  // freePort() releases its port before the server binds it, so another test's listener
  // (a fake that never answers, say) can take it in between: the server then exits on
  // EADDRINUSE while /healthz reaches the other listener. Each probe is bounded and a
  // server that exited is started again on a new port.
  let lastOutput = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await startOnce(env);
    if (started.child) return started;
    lastOutput = started.output;
  }
  throw new Error(`server did not start: ${lastOutput}`);
}

async function startOnce(env) {
  const port = await freePort();
  const merged = {
    ...process.env, DATABASE_URL: requireEnv('STOREFRONT_SERVER_DATABASE_URL'),
    LOG_LEVEL: 'warning', PORT: String(port), LISTEN_ADDR: '127.0.0.1', ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(requireEnv('STOREFRONT_BIN'), ['serve'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200 && child.exitCode === null) return { child, base, exited, output: () => output };
    } catch { /* not listening yet, or someone else's listener */ }
    if (child.exitCode !== null) return { output };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  return { output };
}

/** SIGTERM, wait (10 s, then SIGKILL); resolves {code, signal}. */
export async function stopServer(srv) {
  srv.child.kill('SIGTERM');
  const timer = setTimeout(() => srv.child.kill('SIGKILL'), 10000);
  const result = await srv.exited;
  clearTimeout(timer);
  return result;
}
