// Runs Jest with the flags the NestJS 12 ESM packages need under Jest's CommonJS runtime (see docs/decisions.md).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest');
const nodeOptions = [
  process.env.NODE_OPTIONS,
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  // kafkajs 2.2.4 computes a negative timer on Node 24; harmless, and fixed nowhere upstream.
  '--disable-warning=TimeoutNegativeWarning',
]
  .filter(Boolean)
  .join(' ');
const child = spawn(process.execPath, [jestBin, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
