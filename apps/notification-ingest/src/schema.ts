import { CreateMessagingTables1764201600000, InboxEventEntity, OutboxEventEntity } from '@shop/messaging';
import { SealPaymentLogAfterCommit1764210000000, type SchemaDefinition } from '@shop/persistence';
import { CreateKnownOrders1764202000000 } from './migrations/1764202000000-create-known-orders';
import { CreateProviderNotifications1764202100000 } from './migrations/1764202100000-create-provider-notifications';
import { AddNotificationKind1764202200000 } from './migrations/1764202200000-add-notification-kind';
import { AddOrphanAnomalyReported1764203000000 } from './migrations/1764203000000-add-orphan-anomaly-reported';
import { CreateCallbackReplayKeys1764205000000 } from './migrations/1764205000000-create-callback-replay-keys';
import { CreatePaymentLog1764208000000 } from './migrations/1764208000000-create-payment-log';
import { CreateCallbackOutcomeCounts1764209000000 } from './migrations/1764209000000-create-callback-outcome-counts';
import { AddNotificationTraceParent1764209100000 } from './migrations/1764209100000-add-notification-trace-parent';
import { ProviderNotificationEntity } from './notifications/provider-notification.entity';
import { ReplayKeyEntity } from './notifications/replay-key.entity';
import { KnownOrderEntity } from './orders/known-order.entity';

/** The tables this service owns, and the migrations that create them, oldest first. */
export const schema: SchemaDefinition = {
  entities: [OutboxEventEntity, InboxEventEntity, KnownOrderEntity, ProviderNotificationEntity, ReplayKeyEntity],
  migrations: [
    CreateMessagingTables1764201600000,
    CreateKnownOrders1764202000000,
    CreateProviderNotifications1764202100000,
    AddNotificationKind1764202200000,
    AddOrphanAnomalyReported1764203000000,
    CreateCallbackReplayKeys1764205000000,
    CreatePaymentLog1764208000000,
    CreateCallbackOutcomeCounts1764209000000,
    AddNotificationTraceParent1764209100000,
    SealPaymentLogAfterCommit1764210000000,
  ],
};
