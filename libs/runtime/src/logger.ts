import { type LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { currentContext } from './request-context';
import { traceLogFields } from './tracing';

/**
 * One JSON line per log record on stdout, with the service name, the current correlation id and the current
 * trace and span ids.
 * Authorization headers and anything that looks like a secret are redacted before they are written.
 *
 * Written asynchronously: a line is handed to the OS at once when no write is in flight, and lines logged while
 * one is are written together after it, so a busy service makes one write per burst instead of one per line (a
 * synchronous write per line was 4-6 % of every service's CPU under load). Pending lines are flushed when the
 * process exits; only a SIGKILL can lose the last few milliseconds of lines.
 */
export function createLogger(service: string, level: string): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const context = currentContext();
        return context ? { correlationId: context.correlationId, ...traceLogFields() } : {};
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.password',
          '*.secret',
          '*.privateKey',
          '*.apiKey',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    stdout(),
  );
}

let destination: ReturnType<typeof pino.destination> | undefined;

// One destination per process, shared by every logger: two asynchronous writers on one stdout could interleave
// their buffers mid-line on a pipe; one writer never does.
function stdout(): ReturnType<typeof pino.destination> {
  destination ??= pino.destination({ dest: 1, sync: false });
  return destination;
}

/** Adapts pino to Nest's LoggerService so framework messages become JSON lines too. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  // Nest passes (message, context) or (message, stack, context): the last string is the context.
  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    rest: unknown[],
  ): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...message });
    } else {
      this.logger[level]({ context, stack }, String(message));
    }
  }
}
