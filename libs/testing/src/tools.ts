import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Makes sure a command-line tool a test needs is there: present, or installed from Debian's packages when this
 * runs as root (as CI does on a fresh machine). Otherwise it fails with the command that installs it: a test
 * never skips because a tool is missing.
 */
export function ensureTool(tool: string, debianPackage: string, probe: string[] = ['--version']): string {
  ensureDebianPackage(debianPackage, () => spawnSync(tool, probe, { stdio: 'ignore' }).status === 0, tool);
  return tool;
}

/**
 * Makes sure what `present` checks for is there: present, or Debian's `debianPackage` installed when this runs as
 * root (as CI does on a fresh machine). Otherwise it fails with the command that installs it (`what` names it).
 */
export function ensureDebianPackage(debianPackage: string, present: () => boolean, what = debianPackage): void {
  if (present()) return;
  if (process.getuid?.() === 0) {
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], { stdio: 'ignore' }).status;
    // A fresh machine may have no package lists yet.
    if (install() !== 0) {
      execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      install();
    }
    if (present()) return;
  }
  throw new Error(`${what} is needed by these tests: apt-get install ${debianPackage} (as root)`);
}

/** The Chromium the browser tests drive: CHROMIUM_PATH, or Debian's chromium (installed when missing, as root). */
export function chromiumPath(): string {
  const configured = process.env['CHROMIUM_PATH'];
  if (configured) {
    if (spawnSync(configured, ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`CHROMIUM_PATH=${configured} does not run (chromium --version failed)`);
    }
    return configured;
  }
  ensureTool('chromium', 'chromium');
  return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}
