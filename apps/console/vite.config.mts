import path from 'node:path';
import { defineConfig } from 'vite';

// The console is built to static files under dist/console and served by the api-gateway at /console.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  build: {
    outDir: path.resolve(import.meta.dirname, '../../dist/console'),
    emptyOutDir: true,
    // Everything the page needs is in these files: no CDN, so a strict Content-Security-Policy holds.
    assetsInlineLimit: 0,
  },
  server: {
    // `vite --config apps/console/vite.config.ts` during development: the API comes from a running `npm start`.
    proxy: { '/api': 'http://127.0.0.1:3000', '/console/dev': 'http://127.0.0.1:3000' },
  },
});
