import { CreateMessagingTables1764201600000, InboxEventEntity, OutboxEventEntity } from '@shop/messaging';
import { SealPaymentLogAfterCommit1764210000000, type SchemaDefinition } from '@shop/persistence';
import { CreatePaymentAttempts1764201900000 } from './migrations/1764201900000-create-payment-attempts';
import { CreatePaymentAnomalies1764203100000 } from './migrations/1764203100000-create-payment-anomalies';
import { AddAttemptClosingAndQuery1764204100000 } from './migrations/1764204100000-add-attempt-closing-and-query';
import { AddAttemptProviderReference1764205100000 } from './migrations/1764205100000-add-attempt-provider-reference';
import { AddAttemptProviderExpiry1764206100000 } from './migrations/1764206100000-add-attempt-provider-expiry';
import { CreateRefunds1764207100000 } from './migrations/1764207100000-create-refunds';
import { CreatePaymentLog1764208000000 } from './migrations/1764208000000-create-payment-log';
import { AddAttemptTimeIndexes1764209000000 } from './migrations/1764209000000-add-attempt-time-indexes';
import { PaymentAttemptEntity } from './payments/payment-attempt.entity';
import { ProviderRequestLogEntity } from './payments/provider-request-log.entity';

/** The entities of payment attempts, registered with TypeOrmModule.forFeature. */
export const paymentEntities = [PaymentAttemptEntity, ProviderRequestLogEntity];

/** The tables this service owns, and the migrations that create them, oldest first. */
export const schema: SchemaDefinition = {
  entities: [OutboxEventEntity, InboxEventEntity, ...paymentEntities],
  migrations: [
    CreateMessagingTables1764201600000,
    CreatePaymentAttempts1764201900000,
    CreatePaymentAnomalies1764203100000,
    AddAttemptClosingAndQuery1764204100000,
    AddAttemptProviderReference1764205100000,
    AddAttemptProviderExpiry1764206100000,
    CreateRefunds1764207100000,
    CreatePaymentLog1764208000000,
    AddAttemptTimeIndexes1764209000000,
    SealPaymentLogAfterCommit1764210000000,
  ],
};
