// The memory allocator the services run with under `npm start`, as in the image (Dockerfile): jemalloc, preloaded,
// when the machine has it (Debian's libjemalloc2); glibc's malloc otherwise. Why jemalloc: glibc keeps the memory
// a busy spell freed in its heaps (a service idled about 10-20 MB higher after load than fresh, the
// payment-gateway above 120 MB), while jemalloc's background thread hands freed pages back to the system within
// seconds. docs/decisions.md "Speed" and docs/performance.md "Sixth round" give the figures.
import fs from 'node:fs';
import path from 'node:path';

/** Where Debian and other distributions put the shared library. */
export const JEMALLOC_DIRS = [
  '/usr/local/lib',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
];
export const JEMALLOC_LIBRARY = 'libjemalloc.so.2';

/**
 * jemalloc's settings for a service: a background thread that returns freed pages while the process is idle (without
 * it pages are only purged on allocation), returned after 2 s and directly (muzzy pages would stay resident until
 * the kernel wants them), and 2 arenas rather than 4 per core (the JavaScript runs on one thread; the others are
 * libuv's and V8's helpers).
 */
export const JEMALLOC_CONF = 'background_thread:true,dirty_decay_ms:2000,muzzy_decay_ms:0,narenas:2';

/** The path of libjemalloc.so.2 in the first of `dirs` that has it, or undefined. */
export function findJemalloc(dirs = JEMALLOC_DIRS) {
  for (const dir of dirs) {
    const candidate = path.join(dir, JEMALLOC_LIBRARY);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The allocator variables to add to a service's environment: jemalloc preloaded (before any LD_PRELOAD already
 * set) with JEMALLOC_CONF unless MALLOC_CONF is set; without jemalloc, glibc's mmap threshold pinned at 32 KB (so
 * large freed blocks at least go back). `note` says which, for the start output.
 */
export function allocatorEnv(env, dirs = JEMALLOC_DIRS) {
  const library = findJemalloc(dirs);
  if (library === undefined) {
    return {
      env: { MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? '32768' },
      note: `${JEMALLOC_LIBRARY} not found: the services use glibc's malloc and keep more memory after load (apt-get install libjemalloc2)`,
    };
  }
  const preload = [library, ...(env.LD_PRELOAD ?? '').split(/[\s:]+/).filter((entry) => entry && entry !== library)];
  return {
    env: { LD_PRELOAD: preload.join(':'), MALLOC_CONF: env.MALLOC_CONF ?? JEMALLOC_CONF },
    note: `services use jemalloc (${library})`,
  };
}
