// Vite config of the reference SPA. The build-time settings are VITE_* variables
// (src/config.ts; docs/frontend.md), read from the environment or frontend-contract/spa/.env*.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: { outDir: process.env.SPA_OUT_DIR || 'dist', emptyOutDir: true, sourcemap: true },
  // aws-amplify and the Clickstream SDK expect a Node-ish `global`.
  define: { global: 'globalThis' },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
  server: { host: '127.0.0.1', port: 5173 },
});
