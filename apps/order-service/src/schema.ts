import { CreateMessagingTables1764201600000, InboxEventEntity, OutboxEventEntity } from '@shop/messaging';
import type { SchemaDefinition } from '@shop/persistence';
import { ProductEntity } from './catalog/product.entity';
import { CreateOrders1764202000000 } from './migrations/1764202000000-create-orders';
import { AddOrdersExpiryIndex1764204000000 } from './migrations/1764204000000-add-orders-expiry-index';
import { AddBackOffice1764207000000 } from './migrations/1764207000000-add-back-office';
import { OrderShipmentEntity } from './orders/order-shipment.entity';
import { OrderLineEntity } from './orders/order-line.entity';
import { OrderTimelineEntryEntity } from './orders/order-timeline-entry.entity';
import { OrderEntity } from './orders/order.entity';

/** The entities of the catalog and the orders. */
export const orderEntities = [
  ProductEntity,
  OrderEntity,
  OrderLineEntity,
  OrderTimelineEntryEntity,
  OrderShipmentEntity,
];

/** The tables this service owns, and the migrations that create them, oldest first. */
export const schema: SchemaDefinition = {
  entities: [OutboxEventEntity, InboxEventEntity, ...orderEntities],
  migrations: [
    CreateMessagingTables1764201600000,
    CreateOrders1764202000000,
    AddOrdersExpiryIndex1764204000000,
    AddBackOffice1764207000000,
  ],
};
