// `npm run build` step: one minified file per service, dist/apps/<service>/main.cjs, built from the compiled
// dist/apps/<service>/src/main.js and every package it loads. It is what `npm start` and the image run.
//
// Why (docs/decisions.md "One bundle per service"): a service loaded about 1,800 modules, and V8 keeps every
// module's source text and its per-module records on the heap for the life of the process: about 16 MB of
// strings in an idle service, most of it comments, whitespace and the drivers of databases we do not use. One
// minified file holds the same code in about a third of the memory. Names are kept (NestJS and TypeORM read
// class names); the source map beside each bundle maps a stack trace back to the compiled files.
//
// Left outside the bundle: packages that find their own files on disk at run time, and optional packages the
// frameworks load only when a feature we do not use is configured (they are not installed; loading one fails
// exactly as it would without the bundle).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Every compiled app with a service entry point (the console is built by Vite, not here).
const SERVICES = fs
  .readdirSync(path.join(ROOT, 'dist/apps'))
  .filter((app) => fs.existsSync(path.join(ROOT, 'dist/apps', app, 'src/main.js')));

// Read files next to their own module at run time (swagger-ui-dist serves its assets from its folder).
const FILE_READERS = ['swagger-ui-dist'];
// Optional peers of NestJS, TypeORM, kafkajs and pg, loaded only for features this project does not use.
const OPTIONAL =
  /^(pg-native|pg-query-stream|@nestjs\/(websockets|platform-express|mongoose|sequelize)(\/.*)?|@nats-io\/.*|mqtt|ioredis|amqplib|amqp-connection-manager|@grpc\/.*|@fastify\/(view|multipart)|class-transformer\/storage|cache-manager|pino-pretty|bufferutil|utf-8-validate)$/;

const isExternal = (id) => OPTIONAL.test(id) || FILE_READERS.some((name) => id === name || id.startsWith(`${name}/`));

async function bundle(service) {
  const input = path.join(ROOT, 'dist/apps', service, 'src/main.js');
  const problems = [];
  const build = await rolldown({
    input,
    platform: 'node',
    external: isExternal,
    logLevel: 'warn',
    onLog(level, log) {
      // Dynamic imports of optional packages that are not installed stay dynamic imports; anything else is a
      // problem the build must not hide.
      if (log.code === 'UNRESOLVED_IMPORT' || log.code === 'EVAL' || log.code === 'CIRCULAR_DEPENDENCY') return;
      problems.push(`${level}: ${log.message}`);
    },
  });
  try {
    await build.write({
      file: path.join(ROOT, 'dist/apps', service, 'main.cjs'),
      format: 'cjs',
      minify: true,
      keepNames: true,
      // V8 stores a source with any non-ASCII character as two bytes per character; escaped, it stays one.
      charset: 'ascii',
      sourcemap: true,
      codeSplitting: false,
    });
  } finally {
    await build.close();
  }
  if (problems.length > 0) throw new Error(`bundling ${service}:\n${problems.join('\n')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2);
  for (const service of only.length > 0 ? only : SERVICES) {
    if (!SERVICES.includes(service)) {
      process.stderr.write(`unknown service ${service}: one of ${SERVICES.join(', ')}\n`);
      process.exit(1);
    }
    await bundle(service);
  }
}
