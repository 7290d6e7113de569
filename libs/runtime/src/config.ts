import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Thrown at start when the environment does not satisfy a service's config schema; lists every problem at once. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Variables whose values must never be echoed back, not even in a validation error. Certificates are public, but
// a pasted PEM is kilobytes of noise in a start-up error, so they are not echoed either.
const SECRET_NAME = /(SECRET|PASSWORD|PRIVATE|TOKEN|KEY|CERT)/i;

function describe(error: ValidationError, env: Record<string, string | undefined>): string[] {
  const name = error.property;
  const raw = env[name];
  const shown = raw === undefined ? 'not set' : SECRET_NAME.test(name) ? 'value hidden' : `got ${JSON.stringify(raw)}`;
  return Object.values(error.constraints ?? {}).map((message) => `${name}: ${message} (${shown})`);
}

/**
 * Builds a config object from environment variables and validates it with the schema's class-validator rules.
 * Empty strings count as unset so that defaults apply, except for the variables a schema lists in its static
 * `keepEmpty` (where an empty value means something, e.g. ANOMALY_AUTO_REFUND= "refund nothing automatically");
 * unknown variables are ignored.
 */
export function loadConfig<T extends object>(
  schema: new () => T,
  service: string,
  env: Record<string, string | undefined> = process.env,
): T {
  const defaults = new schema() as Record<string, unknown>;
  const keepEmpty = new Set((schema as { keepEmpty?: readonly string[] }).keepEmpty ?? []);
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = env[key];
    if (value !== undefined && (value.trim() !== '' || keepEmpty.has(key))) plain[key] = value.trim();
  }
  const config = plainToInstance(schema, plain, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(
      service,
      errors.flatMap((e) => describe(e, env)),
    );
  }
  return config;
}
