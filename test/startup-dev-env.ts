// Calls the ES modules of scripts/lib (dev-env.mjs, allocator.mjs) from the startup specs. Each call runs in a child
// node process: Jest links an imported ES module into one test file's context only, so two spec files importing it
// in one worker fail.
import { execFile, execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const scriptOf = (module: string): string => `
import * as lib from ${JSON.stringify(pathToFileURL(path.resolve(__dirname, '../scripts/lib', module)).href)};
const [args, name] = process.argv.slice(1);
const result = await lib[name](...JSON.parse(args));
process.stdout.write(JSON.stringify(result ?? null));
`;

/** The result of the export `name` of `scripts/lib/<module>` called with `args` (JSON in, JSON out). */
export function callScriptLib<T>(module: string, name: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', scriptOf(module), '--', JSON.stringify(args), name],
      { cwd: path.resolve(__dirname, '..'), maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${module} ${name} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
  });
}

/** callScriptLib, waiting for the answer (for checks that must be synchronous). */
export function callScriptLibSync<T>(module: string, name: string, ...args: unknown[]): T {
  const stdout = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', scriptOf(module), '--', JSON.stringify(args), name],
    { cwd: path.resolve(__dirname, '..'), maxBuffer: 16 * 1024 * 1024, timeout: 60_000, encoding: 'utf8' },
  );
  return JSON.parse(stdout) as T;
}

/** The result of `dev-env.mjs`'s export `name` called with `args` (JSON in, JSON out). */
export function callDevEnv<T>(name: string, ...args: unknown[]): Promise<T> {
  return callScriptLib<T>('dev-env.mjs', name, ...args);
}
