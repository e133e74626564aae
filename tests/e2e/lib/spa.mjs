// spa.mjs — builds the reference SPA (frontend-contract/spa) with Vite for a given API
// and Cognito set-up, and serves the built files on a loopback origin of their own, with
// the fallback to index.html that the SPA's history routing needs (Amplify Hosting's
// rewrite rule, `vite preview`'s default).
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SPA_DIR = join(ROOT, 'frontend-contract/spa');

/** vite build into outDir with the VITE_* variables of `env` (docs/frontend.md). */
export async function buildSpa(outDir, env) {
  const { build } = await import('vite');
  const saved = {};
  for (const [k, v] of Object.entries(env)) { saved[k] = process.env[k]; process.env[k] = v; }
  try {
    await build({
      configFile: join(SPA_DIR, 'vite.config.ts'), root: SPA_DIR, logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
  return outDir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
};

/** Serves dir on 127.0.0.1:port (0 = free); resolves {url, close()}. */
export async function serveStatic(dir, port = 0, host = '127.0.0.1') {
  const server = http.createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(dir, path));
    const inside = file.startsWith(dir);
    try {
      if (!inside || !extname(path)) throw new Error('route');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      if (extname(path) && inside) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': TYPES['.html'] }).end(await readFile(join(dir, 'index.html')));
    }
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  return {
    url: `http://${host === '127.0.0.1' ? '127.0.0.1' : host}:${server.address().port}`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}
