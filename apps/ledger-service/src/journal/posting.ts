import { isCurrency } from '@shop/money';
import type { EntrySide } from './journal-entry.entity';
import { LedgerError } from './ledger.error';

/** One line of a posting: an amount of minor units on one side of one account. */
export interface PostingEntry {
  account: string;
  side: EntrySide;
  amount: number;
  currency: string;
}

/** What LedgerService.post writes as one journal transaction. */
export interface Posting {
  /** The causing event's id; a second posting with the same id is a duplicate and changes nothing. */
  eventId: string;
  kind: string;
  orderNo: string | null;
  description: string;
  entries: PostingEntry[];
}

/** The outcome of a posting: written, or already in the journal (a redelivered event). */
export type PostingResult = { status: 'posted'; transactionId: string } | { status: 'duplicate' };

/**
 * Refuses a posting that the database would refuse anyway (fewer than two entries, amounts that are not positive
 * safe integers, debits and credits that differ in any currency), with a coded error naming the rule. The
 * database trigger stays the last word; this check gives callers a clear message before a round trip.
 */
export function assertBalanced(posting: Posting): void {
  if (posting.entries.length < 2) {
    throw new LedgerError(
      'LEDGER_TOO_FEW_ENTRIES',
      `A posting needs at least two entries, got ${posting.entries.length}`,
    );
  }
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  for (const [index, entry] of posting.entries.entries()) {
    if (entry.side !== 'debit' && entry.side !== 'credit') {
      throw new LedgerError('LEDGER_INVALID_ENTRY', `entries[${index}].side must be "debit" or "credit"`, { index });
    }
    if (!Number.isSafeInteger(entry.amount) || entry.amount <= 0) {
      throw new LedgerError(
        'LEDGER_INVALID_AMOUNT',
        `entries[${index}].amount must be a positive safe integer of minor units, got ${String(entry.amount)}`,
        { index },
      );
    }
    if (!isCurrency(entry.currency)) {
      throw new LedgerError(
        'LEDGER_UNSUPPORTED_CURRENCY',
        `entries[${index}].currency ${String(entry.currency)} is not supported`,
        {
          index,
        },
      );
    }
    const total = totals.get(entry.currency) ?? { debit: 0n, credit: 0n };
    // BigInt: many safe amounts can add up to an unsafe sum.
    total[entry.side] += BigInt(entry.amount);
    totals.set(entry.currency, total);
  }
  const unbalanced = [...totals].filter(([, t]) => t.debit !== t.credit);
  if (unbalanced.length > 0) {
    const detail = unbalanced.map(([currency, t]) => `${currency} debit ${t.debit} credit ${t.credit}`).join(', ');
    throw new LedgerError('LEDGER_UNBALANCED', `Debits and credits differ: ${detail}`, {
      currencies: unbalanced.map(([currency]) => currency),
    });
  }
}
