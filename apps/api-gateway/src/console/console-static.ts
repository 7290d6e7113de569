import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Where `npm run build` puts the console (vite build): dist/console under the project root, the folder with
 * package.json (found upwards, so it holds for the compiled gateway, for tests run from source and in the image).
 */
function builtConsole(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist', 'console');
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * The page's Content-Security-Policy: everything from this origin, no inline script or style, no framing. Forms
 * may go to a provider (UnionPay's page payment is a posted form); in development that is a local simulator.
 */
function contentSecurityPolicy(production: boolean): string {
  const formTargets = production ? "'self' https:" : "'self' https: http://127.0.0.1:* http://localhost:*";
  return [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    `form-action ${formTargets}`,
  ].join('; ');
}

/**
 * Serves the built console at /console: hashed assets under /console/assets (cached for a year), and index.html
 * for every other /console path, so the browser's router draws the page (checkout, admin, ...). Paths are
 * resolved against the assets folder and refused when they leave it, however they are spelled.
 */
export function serveConsole(app: NestFastifyApplication, production: boolean, root = builtConsole()): void {
  const fastify = app.getHttpAdapter().getInstance();
  const assets = path.join(root, 'assets');
  const indexFile = path.join(root, 'index.html');
  const csp = contentSecurityPolicy(production);

  fastify.get('/console', (_request, reply) => reply.redirect('/console/', 302));
  fastify.get('/console/*', async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (rest.startsWith('assets/')) {
      const file = path.resolve(assets, rest.slice('assets/'.length));
      const type = TYPES[path.extname(file)];
      if (!file.startsWith(assets + path.sep) || type === undefined || !fs.existsSync(file)) {
        return reply.status(404).send({ statusCode: 404, code: 'NOT_FOUND', message: 'No such console asset' });
      }
      return reply
        .type(type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(fs.createReadStream(file));
    }
    if (!fs.existsSync(indexFile)) {
      return reply
        .status(404)
        .send({ statusCode: 404, code: 'CONSOLE_NOT_BUILT', message: 'The console is not built: run npm run build' });
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(fs.createReadStream(indexFile));
  });
}
