// Calls scripts/lib/dev-env.mjs (an ES module) from the startup specs. It runs in a child node process: Jest links
// an imported ES module into one test file's context only, so two spec files importing it in one worker fail.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const MODULE_URL = pathToFileURL(path.resolve(__dirname, '../scripts/lib/dev-env.mjs')).href;
const SCRIPT = `
import * as devEnv from ${JSON.stringify(MODULE_URL)};
const [args, name] = process.argv.slice(1);
const result = await devEnv[name](...JSON.parse(args));
process.stdout.write(JSON.stringify(result ?? null));
`;

/** The result of `dev-env.mjs`'s export `name` called with `args` (JSON in, JSON out). */
export function callDevEnv<T>(name: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, '--', JSON.stringify(args), name],
      { cwd: path.resolve(__dirname, '..'), maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`dev-env.mjs ${name} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
  });
}
