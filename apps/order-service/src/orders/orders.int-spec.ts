import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { eventually, groupJoined, startServiceForTest, type RunningService } from '@shop/testing';
import type { OrderServiceConfig } from '../order-service.config';
import { service } from '../service';

// The order-service's internal HTTP API end to end, on the real PostgreSQL (real migrations) and Kafka.
describe('order-service orders API', () => {
  let orders: RunningService<OrderServiceConfig>;
  let dataSource: DataSource;
  let reader: Consumer;
  const published: EventEnvelope[] = [];

  beforeAll(async () => {
    orders = await startServiceForTest(service);
    dataSource = orders.app.get(DataSource);
    // Two products the seed does not have: one priced in USD (for mixed currencies), one no longer sold.
    await dataSource.query(`
      INSERT INTO products (sku, name, unit_amount, currency, active) VALUES
        ('TEAPOT-YIXING', 'Yixing clay teapot', 4500, 'USD', true),
        ('VASE-RETIRED', 'Retired vase', 9900, 'CNY', false)`);
    const settings = orders.app.get<KafkaSettings>(KAFKA_SETTINGS);
    reader = createKafka({ ...settings, clientId: 'orders-test' }).consumer({
      groupId: physicalName(settings, 'orders-test-reader'),
    });
    const joined = groupJoined(reader);
    await reader.connect();
    await reader.subscribe({ topic: physicalName(settings, Topics.OrderCreated), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        published.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
      },
    });
    await joined;
  });

  afterAll(async () => {
    await reader?.disconnect();
    await orders?.stop();
  });

  function newCustomer(): string {
    return `cust-${randomBytes(6).toString('hex')}`;
  }

  async function createOrder(body: unknown) {
    return orders.request({ method: 'POST', url: '/internal/v1/orders', payload: body as object });
  }

  async function createdOrder(customerId: string, items = [{ sku: 'MUG-CELADON', quantity: 1 }]) {
    const response = await createOrder({ customerId, items });
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  async function rowCounts(): Promise<Record<string, number>> {
    const [row] = await dataSource.query(`
      SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM order_lines) AS lines,
             (SELECT count(*)::int FROM order_timeline) AS timeline, (SELECT count(*)::int FROM outbox_events) AS outbox`);
    return row;
  }

  describe('GET /internal/v1/products', () => {
    it('lists the active products by sku, with integer prices in minor units', async () => {
      const response = await orders.request({ method: 'GET', url: '/internal/v1/products' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        items: [
          { sku: 'CHOPSTICKS-EBONY', name: 'Ebony chopsticks, 5 pairs', unitAmount: 3900, currency: 'CNY' },
          { sku: 'MUG-CELADON', name: 'Celadon mug, 350 ml', unitAmount: 6800, currency: 'CNY' },
          {
            sku: 'TEA-LONGJING-250G',
            name: 'West Lake Longjing green tea, 250 g',
            unitAmount: 12800,
            currency: 'CNY',
          },
          { sku: 'TEAPOT-YIXING', name: 'Yixing clay teapot', unitAmount: 4500, currency: 'USD' },
        ],
      });
    });
  });

  describe('POST /internal/v1/orders', () => {
    it('prices the order from the catalog and answers 201 with the order waiting for payment', async () => {
      const customerId = newCustomer();
      const response = await createOrder({
        customerId,
        items: [
          { sku: 'TEA-LONGJING-250G', quantity: 2 },
          { sku: 'MUG-CELADON', quantity: 1 },
        ],
      });
      expect(response.statusCode).toBe(201);
      const order = response.json();
      expect(order).toEqual({
        orderNo: expect.stringMatching(/^\d{14}[0-9A-Z]{10}$/),
        status: 'PENDING_PAYMENT',
        customerId,
        totalAmount: 32_400,
        currency: 'CNY',
        items: [
          {
            sku: 'TEA-LONGJING-250G',
            name: 'West Lake Longjing green tea, 250 g',
            quantity: 2,
            unitAmount: 12_800,
            lineAmount: 25_600,
          },
          { sku: 'MUG-CELADON', name: 'Celadon mug, 350 ml', quantity: 1, unitAmount: 6800, lineAmount: 6800 },
        ],
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        paymentDueAt: expect.any(String),
        paidAt: null,
        paymentProvider: null,
        providerTransactionId: null,
        cancelledAt: null,
        cancelReason: null,
        refundedAmount: 0,
        shippedAt: null,
        completedAt: null,
        shipments: [],
        review: null,
        timeline: [
          {
            at: order.createdAt,
            event: 'created',
            actor: 'system',
            detail: { totalAmount: 32_400, currency: 'CNY', lineCount: 2 },
          },
        ],
      });
      // Unpaid, it expires ORDER_PAYMENT_TIMEOUT_SECONDS (default 1800) after creation: the sweep's own rule.
      expect(Date.parse(order.paymentDueAt) - Date.parse(order.createdAt)).toBe(1800 * 1000);
      // The order number starts with the UTC time of creation.
      const utc = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      expect(order.orderNo.slice(0, 8)).toBe(utc);
    });

    it('publishes OrderCreated, keyed by the order number, to Kafka', async () => {
      const order = await createdOrder(newCustomer(), [{ sku: 'CHOPSTICKS-EBONY', quantity: 3 }]);
      const event = await eventually(async () => published.find((e) => e.key === order.orderNo), {
        message: `OrderCreated for ${order.orderNo} on Kafka`,
      });
      expect(event).toMatchObject({
        type: 'OrderCreated',
        version: 1,
        producer: 'order-service',
        key: order.orderNo,
        payload: {
          orderNo: order.orderNo,
          customerId: order.customerId,
          totalAmount: 11_700,
          currency: 'CNY',
          items: [{ sku: 'CHOPSTICKS-EBONY', quantity: 3, unitAmount: 3900 }],
        },
      });
    });

    it('gives every order its own number', async () => {
      const customerId = newCustomer();
      const numbers = await Promise.all(
        Array.from({ length: 20 }, async () => (await createdOrder(customerId)).orderNo as string),
      );
      expect(new Set(numbers).size).toBe(20);
    });

    it('refuses a client-sent price or total (unknown fields) with 400 naming them, and stores nothing', async () => {
      const before = await rowCounts();
      const response = await createOrder({
        customerId: newCustomer(),
        totalAmount: 1,
        items: [{ sku: 'TEA-LONGJING-250G', quantity: 1, unitAmount: 1 }],
      });
      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(body.message).toContain('property totalAmount should not exist');
      expect(body.message).toContain('items.0.unitAmount');
      expect(await rowCounts()).toEqual(before);
    });

    const sku = (value: unknown) => ({ sku: value, quantity: 1 });
    const qty = (value: unknown) => ({ sku: 'MUG-CELADON', quantity: value });
    it.each([
      ['no items', { items: undefined }, 'VALIDATION_FAILED', /^items: .*items must be an array/],
      ['empty items', { items: [] }, 'VALIDATION_FAILED', 'items: items should not be empty'],
      [
        '51 lines',
        { items: Array.from({ length: 51 }, (_, i) => sku(`SKU-${i}`)) },
        'VALIDATION_FAILED',
        'items: items must contain no more than 50 elements',
      ],
      ['items not an array', { items: { sku: 'MUG-CELADON', quantity: 1 } }, 'VALIDATION_FAILED', 'items: '],
      [
        'a sku that is not a string',
        { items: [sku(42)] },
        'VALIDATION_FAILED',
        /^items\.0\.sku: .*sku must be a string/,
      ],
      ['quantity 0', { items: [qty(0)] }, 'VALIDATION_FAILED', 'items.0.quantity: quantity must not be less than 1'],
      [
        'quantity 1000',
        { items: [qty(1000)] },
        'VALIDATION_FAILED',
        'items.0.quantity: quantity must not be greater than 999',
      ],
      [
        'a fractional quantity',
        { items: [qty(1.5)] },
        'VALIDATION_FAILED',
        'items.0.quantity: quantity must be an integer',
      ],
      [
        'a quantity as a string',
        { items: [qty('2')] },
        'VALIDATION_FAILED',
        /^items\.0\.quantity: .*quantity must be an integer number/,
      ],
      ['no customerId', { customerId: undefined }, 'VALIDATION_FAILED', 'customerId: '],
      [
        'an unknown sku',
        { items: [sku('MUG-CELADON'), sku('NO-SUCH-SKU')] },
        'UNKNOWN_SKU',
        'items[1].sku: unknown sku "NO-SUCH-SKU"',
      ],
      ['a product no longer sold', { items: [sku('VASE-RETIRED')] }, 'UNKNOWN_SKU', 'items[0].sku: unknown sku'],
      [
        'the same sku twice',
        { items: [sku('MUG-CELADON'), sku('TEA-LONGJING-250G'), sku('MUG-CELADON')] },
        'DUPLICATE_SKU',
        'items[2].sku: sku "MUG-CELADON" already appears in items[0]',
      ],
      [
        'mixed currencies',
        { items: [sku('MUG-CELADON'), sku('TEAPOT-YIXING')] },
        'MIXED_CURRENCIES',
        'items[1].sku: "TEAPOT-YIXING" is priced in USD but items[0] in CNY',
      ],
    ])('refuses %s with 400 naming the field, and stores nothing', async (_case, change, code, text) => {
      const before = await rowCounts();
      const response = await createOrder({ customerId: newCustomer(), items: [sku('MUG-CELADON')], ...change });
      expect(response.statusCode).toBe(400);
      const message = text instanceof RegExp ? expect.stringMatching(text) : expect.stringContaining(text);
      expect(response.json()).toMatchObject({ statusCode: 400, code, message });
      expect(await rowCounts()).toEqual(before);
    });

    it('lists the offending fields in details, like the validation pipe does', async () => {
      const response = await createOrder({ customerId: newCustomer(), items: [sku('NOPE-1'), sku('NOPE-2')] });
      expect(response.json()).toMatchObject({
        code: 'UNKNOWN_SKU',
        message: 'items[0].sku: unknown sku "NOPE-1"; items[1].sku: unknown sku "NOPE-2"',
        details: {
          fields: [
            { field: 'items[0].sku', problems: ['unknown sku "NOPE-1"'] },
            { field: 'items[1].sku', problems: ['unknown sku "NOPE-2"'] },
          ],
        },
      });
    });
  });

  describe('GET /internal/v1/orders/:orderNo', () => {
    it('answers the owner with the order and its timeline, and anyone when no customerId is given', async () => {
      const created = await createdOrder(newCustomer());
      for (const query of [`?customerId=${created.customerId}`, '']) {
        const response = await orders.request({ method: 'GET', url: `/internal/v1/orders/${created.orderNo}${query}` });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual(created);
      }
    });

    it("answers another customer's order exactly like an unknown one: 404 ORDER_NOT_FOUND", async () => {
      const created = await createdOrder(newCustomer());
      const foreign = await orders.request({
        method: 'GET',
        url: `/internal/v1/orders/${created.orderNo}?customerId=${newCustomer()}`,
      });
      const unknownNo = `${created.orderNo.slice(0, 14)}0000000000`;
      const unknown = await orders.request({ method: 'GET', url: `/internal/v1/orders/${unknownNo}` });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json()).toMatchObject({
        statusCode: 404,
        code: 'ORDER_NOT_FOUND',
        message: `Order ${created.orderNo} not found`,
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ code: 'ORDER_NOT_FOUND', message: `Order ${unknownNo} not found` });
      expect(Object.keys(foreign.json()).sort()).toEqual(Object.keys(unknown.json()).sort());
    });

    it('refuses an order number that cannot exist with 400 naming orderNo', async () => {
      const response = await orders.request({ method: 'GET', url: '/internal/v1/orders/ORD-1' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('orderNo') });
    });
  });

  describe('GET /internal/v1/orders', () => {
    it("pages through a customer's orders, newest first, and never shows anyone else's", async () => {
      const customerId = newCustomer();
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createdOrder(customerId)).orderNo);
      await createdOrder(newCustomer());
      const newestFirst = [...created].reverse();

      const page = async (n: number) => {
        const response = await orders.request({
          method: 'GET',
          url: `/internal/v1/orders?customerId=${customerId}&page=${n}&pageSize=2`,
        });
        expect(response.statusCode).toBe(200);
        return response.json();
      };
      const first = await page(1);
      expect(first).toMatchObject({ page: 1, pageSize: 2, total: 5 });
      expect(first.items[0]).toEqual({
        orderNo: newestFirst[0],
        status: 'PENDING_PAYMENT',
        customerId,
        totalAmount: 6800,
        refundedAmount: 0,
        currency: 'CNY',
        lineCount: 1,
        createdAt: expect.any(String),
        paidAt: null,
        paymentProvider: null,
        underReview: false,
      });
      const pages = [first, await page(2), await page(3), await page(4)];
      expect(pages.map((p) => p.items.map((o: { orderNo: string }) => o.orderNo))).toEqual([
        newestFirst.slice(0, 2),
        newestFirst.slice(2, 4),
        newestFirst.slice(4),
        [],
      ]);
      expect(pages.every((p) => p.total === 5)).toBe(true);
    });

    it('defaults to page 1 of 20', async () => {
      const customerId = newCustomer();
      await createdOrder(customerId);
      const response = await orders.request({ method: 'GET', url: `/internal/v1/orders?customerId=${customerId}` });
      expect(response.json()).toMatchObject({ page: 1, pageSize: 20, total: 1 });
    });

    it.each([
      ['pageSize above 100', 'customerId=c1&pageSize=101', 'pageSize'],
      ['pageSize 0', 'customerId=c1&pageSize=0', 'pageSize'],
      ['page 0', 'customerId=c1&page=0', 'page'],
      ['a page that is not a number', 'customerId=c1&page=abc', 'page'],
      ['a fractional page', 'customerId=c1&page=1.5', 'page'],
      ['no customerId', 'page=1', 'customerId'],
      ['an unknown parameter', 'customerId=c1&status=PAID', 'status'],
    ])('refuses %s with 400 naming the field', async (_case, query, field) => {
      const response = await orders.request({ method: 'GET', url: `/internal/v1/orders?${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { fields: [expect.objectContaining({ field })] },
      });
    });
  });
});
