import { HttpStatus } from '@nestjs/common';
import { AppError } from '@shop/runtime';

/** Why the ledger refused a posting or could not read one back. */
export type LedgerErrorCode =
  | 'LEDGER_TOO_FEW_ENTRIES'
  | 'LEDGER_INVALID_ENTRY'
  | 'LEDGER_INVALID_AMOUNT'
  | 'LEDGER_UNSUPPORTED_CURRENCY'
  | 'LEDGER_UNBALANCED'
  | 'LEDGER_UNKNOWN_ACCOUNT'
  | 'LEDGER_AMOUNT_NOT_SAFE';

/**
 * A posting the ledger refuses. Deterministic: the same input fails the same way, so a consumer must not retry it.
 * The default status (422) only matters if one ever reaches an HTTP answer.
 */
export class LedgerError extends AppError {
  constructor(
    override readonly code: LedgerErrorCode,
    message: string,
    details?: Record<string, unknown>,
    status: HttpStatus = HttpStatus.UNPROCESSABLE_ENTITY,
  ) {
    super(code, message, status, details);
    this.name = 'LedgerError';
  }
}
