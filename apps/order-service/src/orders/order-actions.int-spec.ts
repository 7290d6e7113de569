import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventually, startServiceForTest, type RunningService } from '@shop/testing';
import type { OrderServiceConfig } from '../order-service.config';
import { OrderPaymentsService } from '../payments/order-payments.service';
import { service } from '../service';

// Shipping, completion, cancellation and the admin search over the internal HTTP API, on the real PostgreSQL
// (real migrations) and Kafka; every action must leave an audit entry naming its actor.
describe('order-service back office', () => {
  let orders: RunningService<OrderServiceConfig>;
  let dataSource: DataSource;

  beforeAll(async () => {
    orders = await startServiceForTest(service);
    dataSource = orders.app.get(DataSource);
  });

  afterAll(async () => {
    await orders?.stop();
  });

  const newCustomer = () => `cust-${randomBytes(6).toString('hex')}`;

  async function newOrder(customerId = newCustomer()) {
    const response = await orders.request({
      method: 'POST',
      url: '/internal/v1/orders',
      payload: { customerId, items: [{ sku: 'MUG-CELADON', quantity: 1 }] },
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ orderNo: string; customerId: string; totalAmount: number }>();
  }

  async function paidOrder(customerId = newCustomer()) {
    const order = await newOrder(customerId);
    const outcome = await orders.app.get(OrderPaymentsService).applyPaymentSucceeded(randomUUID(), {
      orderNo: order.orderNo,
      provider: 'alipay',
      providerTransactionId: `2026${randomBytes(8).toString('hex')}`,
      amount: order.totalAmount,
      currency: 'CNY',
      paidAt: new Date().toISOString(),
    });
    expect(outcome).toBe('paid');
    return order;
  }

  const post = (orderNo: string, action: string, payload: object) =>
    orders.request({ method: 'POST', url: `/internal/v1/orders/${orderNo}/${action}`, payload });
  const get = async (orderNo: string) =>
    (await orders.request({ method: 'GET', url: `/internal/v1/orders/${orderNo}` })).json();

  describe('creation with a request key (the gateway digest of an Idempotency-Key)', () => {
    it('answers the first order to every request with the same key, also to 5 at once, and creates one', async () => {
      const customerId = newCustomer();
      const requestKey = randomBytes(32).toString('hex');
      const payload = { customerId, requestKey, items: [{ sku: 'MUG-CELADON', quantity: 2 }] };
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => orders.request({ method: 'POST', url: '/internal/v1/orders', payload })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(answers.map((a) => a.json().orderNo)).size).toBe(1);
      const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM orders WHERE customer_id = $1', [
        customerId,
      ]);
      expect(count).toBe(1);
      // Another customer's identical key is theirs alone.
      const other = await orders.request({
        method: 'POST',
        url: '/internal/v1/orders',
        payload: { ...payload, customerId: newCustomer() },
      });
      expect(other.json().orderNo).not.toBe(answers[0].json().orderNo);
    });

    it('refuses a malformed request key with 400', async () => {
      const response = await orders.request({
        method: 'POST',
        url: '/internal/v1/orders',
        payload: { customerId: newCustomer(), requestKey: 'my-key', items: [{ sku: 'MUG-CELADON', quantity: 1 }] },
      });
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(response.json())).toContain('requestKey');
    });
  });

  describe('shipping', () => {
    it('ships a paid order: 201, SHIPPED, the parcel listed, and an audit entry naming the admin', async () => {
      const { orderNo } = await paidOrder();
      const response = await post(orderNo, 'shipments', {
        carrier: 'SF Express',
        trackingNo: 'SF1234567890',
        actor: 'admin-7',
      });
      expect(response.statusCode).toBe(201);
      const order = response.json();
      expect(order).toMatchObject({
        status: 'SHIPPED',
        shippedAt: expect.any(String),
        shipments: [
          { carrier: 'SF Express', trackingNo: 'SF1234567890', shippedBy: 'admin-7', shippedAt: order.shippedAt },
        ],
      });
      expect(order.timeline.at(-1)).toMatchObject({
        event: 'shipped',
        actor: 'admin-7',
        detail: { carrier: 'SF Express', trackingNo: 'SF1234567890' },
      });
    });

    it('records the same parcel once when the request is repeated, and a second parcel as a second shipment', async () => {
      const { orderNo } = await paidOrder();
      const parcel = { carrier: 'SF Express', trackingNo: 'SF0000000001', actor: 'admin-1' };
      expect((await post(orderNo, 'shipments', parcel)).statusCode).toBe(201);
      expect((await post(orderNo, 'shipments', parcel)).statusCode).toBe(201);
      let order = await get(orderNo);
      expect(order.shipments).toHaveLength(1);
      expect(order.timeline.filter((e: { event: string }) => e.event === 'shipped')).toHaveLength(1);
      await post(orderNo, 'shipments', { ...parcel, trackingNo: 'SF0000000002' });
      order = await get(orderNo);
      expect(order.shipments.map((s: { trackingNo: string }) => s.trackingNo)).toEqual([
        'SF0000000001',
        'SF0000000002',
      ]);
    });

    it('refuses to ship an unpaid or cancelled order with 409 ORDER_NOT_SHIPPABLE and changes nothing', async () => {
      const { orderNo } = await newOrder();
      const response = await post(orderNo, 'shipments', { carrier: 'EMS', trackingNo: 'EMS12345', actor: 'admin-1' });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: 'ORDER_NOT_SHIPPABLE', details: { status: 'PENDING_PAYMENT' } });
      const order = await get(orderNo);
      expect(order).toMatchObject({ status: 'PENDING_PAYMENT', shipments: [] });
      expect(order.timeline).toHaveLength(1);
    });

    it.each([
      [{ carrier: '', trackingNo: 'SF12345', actor: 'a' }, 'carrier'],
      [{ carrier: 'SF', trackingNo: 'SF 12345', actor: 'a' }, 'trackingNo'],
      [{ carrier: 'SF\u0000', trackingNo: 'SF12345', actor: 'a' }, 'carrier'],
      [{ carrier: 'SF', trackingNo: 'SF12345' }, 'actor'],
    ])('answers 400 naming the field for %j', async (payload, field) => {
      const { orderNo } = await paidOrder();
      const response = await post(orderNo, 'shipments', payload);
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(response.json())).toContain(field);
      expect((await get(orderNo)).status).toBe('PAID');
    });
  });

  describe('completion', () => {
    it('completes a shipped order (200, COMPLETED, audited) and refuses a paid, unshipped one with 409', async () => {
      const { orderNo } = await paidOrder();
      const early = await post(orderNo, 'complete', { actor: 'admin-2' });
      expect(early.statusCode).toBe(409);
      expect(early.json().code).toBe('ORDER_NOT_COMPLETABLE');
      await post(orderNo, 'shipments', { carrier: 'EMS', trackingNo: 'EMS00000001', actor: 'admin-2' });
      const response = await post(orderNo, 'complete', { actor: 'admin-3' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'COMPLETED', completedAt: expect.any(String) });
      expect(response.json().timeline.at(-1)).toMatchObject({ event: 'completed', actor: 'admin-3' });
      expect((await post(orderNo, 'complete', { actor: 'admin-3' })).statusCode).toBe(409);
    });
  });

  describe('cancellation', () => {
    it('cancels a pending order for its customer, audited, and publishes OrderCancelled in the same transaction', async () => {
      const customerId = newCustomer();
      const { orderNo } = await newOrder(customerId);
      const response = await post(orderNo, 'cancel', { actor: customerId, by: 'customer', customerId });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'customer',
        cancelledAt: expect.any(String),
      });
      expect(response.json().timeline.at(-1)).toMatchObject({
        event: 'cancelled',
        actor: customerId,
        detail: { reason: 'customer' },
      });
      const [event] = await dataSource.query(
        `SELECT envelope -> 'payload' AS payload FROM outbox_events
         WHERE message_key = $1 AND envelope ->> 'type' = 'OrderCancelled'`,
        [orderNo],
      );
      expect(event.payload).toMatchObject({ orderNo, customerId, reason: 'customer' });
      // Relayed to Kafka by the outbox.
      await eventually(
        async () =>
          (
            await dataSource.query(
              `SELECT 1 FROM outbox_events
               WHERE message_key = $1 AND envelope ->> 'type' = 'OrderCancelled' AND published_at IS NOT NULL`,
              [orderNo],
            )
          ).length === 1,
        { message: 'OrderCancelled relayed' },
      );
    });

    it("answers 404 for another customer's order, exactly as for a missing one, and leaves it pending", async () => {
      const { orderNo } = await newOrder();
      const intruder = newCustomer();
      const response = await post(orderNo, 'cancel', { actor: intruder, by: 'customer', customerId: intruder });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('ORDER_NOT_FOUND');
      expect((await get(orderNo)).status).toBe('PENDING_PAYMENT');
    });

    it('lets an admin cancel, and refuses a paid or cancelled order with 409 ORDER_NOT_CANCELLABLE', async () => {
      const { orderNo } = await newOrder();
      expect((await post(orderNo, 'cancel', { actor: 'admin-9', by: 'admin', note: 'fraud check' })).statusCode).toBe(
        200,
      );
      const again = await post(orderNo, 'cancel', { actor: 'admin-9', by: 'admin' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'ORDER_NOT_CANCELLABLE', details: { status: 'CANCELLED' } });
      const paid = await paidOrder();
      expect((await post(paid.orderNo, 'cancel', { actor: 'admin-9', by: 'admin' })).json().code).toBe(
        'ORDER_NOT_CANCELLABLE',
      );
      expect((await get(orderNo)).timeline.filter((e: { event: string }) => e.event === 'cancelled')).toEqual([
        expect.objectContaining({ actor: 'admin-9', detail: { reason: 'admin', note: 'fraud check' } }),
      ]);
    });

    it('a payment racing a cancellation: exactly one wins, and a payment after the cancel is a LATE_PAYMENT', async () => {
      for (let i = 0; i < 5; i++) {
        const order = await newOrder();
        const [cancel, outcome] = await Promise.all([
          post(order.orderNo, 'cancel', { actor: 'admin-1', by: 'admin' }),
          orders.app.get(OrderPaymentsService).applyPaymentSucceeded(randomUUID(), {
            orderNo: order.orderNo,
            provider: 'wechatpay',
            providerTransactionId: `4200${randomBytes(8).toString('hex')}`,
            amount: order.totalAmount,
            currency: 'CNY',
            paidAt: new Date().toISOString(),
          }),
        ]);
        const status = (await get(order.orderNo)).status;
        if (cancel.statusCode === 200) {
          expect(outcome).toBe('after-final-state');
          expect(status).toBe('CANCELLED');
        } else {
          expect(cancel.json().code).toBe('ORDER_NOT_CANCELLABLE');
          expect(outcome).toBe('paid');
          expect(status).toBe('PAID');
        }
      }
    });
  });

  describe('the audit trail', () => {
    it('is append-only: the database refuses to change or delete a timeline entry', async () => {
      const { orderNo } = await paidOrder();
      const [{ id }] = await dataSource.query(
        'SELECT t.id FROM order_timeline t JOIN orders o ON o.id = t.order_id WHERE o.order_no = $1 LIMIT 1',
        [orderNo],
      );
      await expect(dataSource.query(`UPDATE order_timeline SET actor = 'someone' WHERE id = $1`, [id])).rejects.toThrow(
        /append-only/,
      );
      await expect(dataSource.query('DELETE FROM order_timeline WHERE id = $1', [id])).rejects.toThrow(/append-only/);
      await expect(dataSource.query('TRUNCATE order_timeline CASCADE')).rejects.toThrow(/append-only/);
    });
  });

  describe('GET /internal/v1/orders/search', () => {
    const search = async (query: string) => {
      const response = await orders.request({ method: 'GET', url: `/internal/v1/orders/search?${query}` });
      return response;
    };

    it('filters by status, provider, customer, order number and creation time, newest first, paged', async () => {
      const customerId = newCustomer();
      const from = new Date(Date.now() - 1000).toISOString();
      const pending = await newOrder(customerId);
      const paid = await paidOrder(customerId);
      const shipped = await paidOrder(customerId);
      await post(shipped.orderNo, 'shipments', { carrier: 'EMS', trackingNo: 'EMS99999999', actor: 'admin-1' });

      const all = await search(`customerId=${customerId}`);
      expect(all.statusCode).toBe(200);
      expect(all.json()).toMatchObject({ page: 1, pageSize: 20, total: 3 });
      expect(all.json().items.map((o: { orderNo: string }) => o.orderNo)).toEqual([
        shipped.orderNo,
        paid.orderNo,
        pending.orderNo,
      ]);
      const byStatus = (await search(`customerId=${customerId}&status=PAID`)).json();
      expect(byStatus.items.map((o: { orderNo: string }) => o.orderNo)).toEqual([paid.orderNo]);
      expect(byStatus.items[0]).toMatchObject({ paymentProvider: 'alipay', refundedAmount: 0 });
      expect((await search(`customerId=${customerId}&provider=alipay`)).json().total).toBe(2);
      expect((await search(`customerId=${customerId}&provider=stripe`)).json().total).toBe(0);
      expect((await search(`orderNo=${pending.orderNo}`)).json().items).toEqual([
        expect.objectContaining({ orderNo: pending.orderNo, customerId }),
      ]);
      expect((await search(`customerId=${customerId}&from=${from}`)).json().total).toBe(3);
      expect((await search(`customerId=${customerId}&to=${from}`)).json().total).toBe(0);
      const page2 = (await search(`customerId=${customerId}&page=2&pageSize=2`)).json();
      expect(page2).toMatchObject({ page: 2, pageSize: 2, total: 3 });
      expect(page2.items.map((o: { orderNo: string }) => o.orderNo)).toEqual([pending.orderNo]);
    });

    it.each([
      ['status=LOST', 'status'],
      ['provider=paypal', 'provider'],
      ['from=yesterday', 'from'],
      ['orderNo=..%2F', 'orderNo'],
      ['pageSize=1000', 'pageSize'],
    ])('answers 400 naming the problem for %s', async (query, field) => {
      const response = await search(query);
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(response.json())).toContain(field);
    });

    it('answers 400 INVALID_DATE_RANGE when from is not before to', async () => {
      const response = await search('from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z');
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('INVALID_DATE_RANGE');
    });
  });
});
