import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/**
 * An event whose payload breaks its contract. Retrying cannot fix it, so consumers dead-letter it at once.
 */
export class ContractViolationError extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolationError';
  }
}

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((c) => `${field}: ${c}`), ...describe(e.children ?? [], field)];
  });
}

/** Validates an event payload against its versioned contract class and returns it typed. */
export function parsePayload<T extends object>(contract: new () => T, payload: unknown): T {
  const instance = plainToInstance(contract, payload);
  const errors = validateSync(instance, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ContractViolationError(`${contract.name}: ${describe(errors).join('; ')}`);
  }
  return instance;
}
