import { CreateMessagingTables1764201600000, InboxEventEntity, OutboxEventEntity } from '@shop/messaging';
import { SealPaymentLogAfterCommit1764210000000, type SchemaDefinition } from '@shop/persistence';
import { AccountEntity } from './journal/account.entity';
import { JournalEntryEntity } from './journal/journal-entry.entity';
import { JournalTransactionEntity } from './journal/journal-transaction.entity';
import { CreateJournal1764201800000 } from './migrations/1764201800000-create-journal';
import { AddRefundAccounts1764207200000 } from './migrations/1764207200000-add-refund-accounts';
import { CreatePaymentLog1764208000000 } from './migrations/1764208000000-create-payment-log';

/** The entities of the journal, registered with TypeOrmModule.forFeature. */
export const journalEntities = [AccountEntity, JournalTransactionEntity, JournalEntryEntity];

/** The tables this service owns, and the migrations that create them, oldest first. */
export const schema: SchemaDefinition = {
  entities: [OutboxEventEntity, InboxEventEntity, ...journalEntities],
  migrations: [
    CreateMessagingTables1764201600000,
    CreateJournal1764201800000,
    AddRefundAccounts1764207200000,
    CreatePaymentLog1764208000000,
    SealPaymentLogAfterCommit1764210000000,
  ],
};
