/** What a simulator process reads its configuration with: every problem is collected, none thrown. */
export interface SimulatorEnv {
  /** A required variable, trimmed; a missing one is recorded as a problem. */
  required(name: string): string;
  /** A port variable with its default; a bad value is recorded as a problem. */
  port(name: string, fallback: number): number;
  /** An optional variable, trimmed; undefined when unset or blank. */
  optional(name: string): string | undefined;
  /** Records a problem found by a simulator-specific check. */
  problem(message: string): void;
}

/** A started simulator as its process sees it. */
export interface SimulatorProcess {
  start(): Promise<string>;
  stop(): Promise<void>;
}

function log(name: string, level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // One JSON line per event, like the services' pino logs; never keys or signatures.
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), name, msg, ...extra })}\n`);
}

/**
 * Runs a simulator as a process (for `npm start` and end-to-end runs): reads its configuration, refuses to start
 * with every problem listed at once, logs one line when listening, and stops on SIGTERM/SIGINT.
 * `configure` reads the variables and returns how to create the simulator and what to log about it.
 */
export function runSimulatorProcess(
  name: string,
  configure: (env: SimulatorEnv) => {
    create: (host: string) => SimulatorProcess;
    details: (baseUrl: string) => Record<string, unknown>;
  },
): void {
  const problems: string[] = [];
  const read = (variable: string): string | undefined => process.env[variable]?.trim() || undefined;
  const env: SimulatorEnv = {
    required: (variable) => {
      const value = read(variable);
      if (value === undefined) problems.push(`${variable} is required`);
      return value ?? '';
    },
    optional: read,
    port: (variable, fallback) => {
      const text = read(variable) ?? String(fallback);
      if (!/^\d+$/.test(text) || Number(text) > 65535) {
        problems.push(`${variable} must be a port number, got ${JSON.stringify(text)}`);
      }
      return Number(text);
    },
    problem: (message) => problems.push(message),
  };
  const { create, details } = configure(env);
  if (problems.length > 0) {
    log(name, 'error', 'invalid configuration', { problems });
    process.exitCode = 1;
    return;
  }
  const simulator = create(read(`${name.split('-')[0].toUpperCase()}_SIM_HOST`) ?? '127.0.0.1');
  simulator.start().then(
    (baseUrl) => {
      log(name, 'info', `${name} listening`, details(baseUrl));
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        simulator.stop().then(
          () => log(name, 'info', `${name} stopped`, { signal }),
          (error: unknown) => {
            log(name, 'error', `${name} stop failed`, {
              error: error instanceof Error ? error.message : String(error),
            });
            process.exitCode = 1;
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
      log(name, 'error', `${name} failed to start`, {
        code,
        error: error instanceof Error ? error.message : String(error),
      });
      process.exitCode = 1;
    },
  );
}
