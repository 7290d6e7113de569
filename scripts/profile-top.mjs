// `node scripts/profile-top.mjs <file.cpuprofile>...`: the top frames of V8 CPU profiles (node --cpu-prof), by
// self time, and the time per package (our code, each node_modules package, node internals, GC, idle), so a
// profile taken under `npm run bench` reads in a terminal. docs/performance.md says how the profiles are taken.
import fs from 'node:fs';

const TOP = Number(process.env.PROFILE_TOP ?? 15);

function packageOf(url) {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node';
  const app = /dist\/(apps|libs)\/([^/]+)/.exec(url);
  return app ? `${app[1]}/${app[2]}` : url.replace(/^file:\/\//, '');
}

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // timeDeltas[i] is the time before samples[i]: attribute it to that sample's node.
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const service =
    profile.nodes.map((n) => /dist\/apps\/([^/]+)\/src\/main\.js/.exec(n.callFrame.url)?.[1]).find(Boolean) ?? file;
  const frames = new Map();
  const packages = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = `${functionName || '(anonymous)'} ${packageOf(url)}${url ? `:${lineNumber + 1}` : ''}`;
    frames.set(name, (frames.get(name) ?? 0) + us);
    const pkg = functionName === '(garbage collector)' ? '(gc)' : packageOf(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us) => `${((100 * us) / busy).toFixed(1)}%`.padStart(6);
  console.log(`\n${service}: ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s`);
  console.log('  by package:');
  for (const [pkg, us] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`    ${pct(us)}  ${pkg}`);
  console.log('  top frames (self time):');
  for (const [name, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`    ${pct(us)}  ${name}`);
}
