/** Accounts the ledger posts to; seeded by the CreateJournal migration. */
export const Accounts = {
  /** What customers paid for orders not yet fulfilled or refunded: owed to them until then. */
  customerOrders: 'liabilities:customer-orders',
  /** Money a payment anomaly took (duplicate, late, orphan, mismatched): owed back until refunded or dismissed. */
  refundsDue: 'liabilities:refunds-due',
  /** What an admin dismissed from refunds-due: kept by the shop, settled outside the system. */
  retainedAnomalies: 'revenue:retained-anomalies',
  /** Money a payment provider has collected for us and not yet settled to our bank. */
  clearing: (provider: string): string => `assets:${provider}-clearing`,
} as const;
