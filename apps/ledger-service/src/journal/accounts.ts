/** Accounts the ledger posts to; seeded by the CreateJournal migration. */
export const Accounts = {
  /** What customers paid for orders not yet fulfilled or refunded: owed to them until then. */
  customerOrders: 'liabilities:customer-orders',
  /** Money a payment provider has collected for us and not yet settled to our bank. */
  clearing: (provider: string): string => `assets:${provider}-clearing`,
} as const;
