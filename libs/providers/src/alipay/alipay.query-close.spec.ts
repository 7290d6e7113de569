import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import { type AlipayKeys, AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import { AlipayClient } from './alipay.client';
import { parseChinaTime } from './china-time';

// alipay.trade.query and alipay.trade.close through the client against the simulator: signed both ways.
const APP_ID = '2021000000000009';
const SELLER_ID = '2088000000000009';

let keys: AlipayKeys;
let simulator: AlipaySimulator;
let client: AlipayClient;
let receiver: Server;
let notifyUrl: string;
let seq = 0;
const nextOrderNo = (): string => `ORD_QC_${Date.now()}_${++seq}`;

beforeAll(async () => {
  keys = await generateAlipayKeys();
  simulator = new AlipaySimulator({
    appId: APP_ID,
    sellerId: SELLER_ID,
    appPublicKey: keys.app.publicKeyBase64,
    alipayPrivateKey: keys.alipay.privateKeyPem,
  });
  await simulator.start();
  client = new AlipayClient({
    appId: APP_ID,
    privateKey: keys.app.privateKeyPkcs8Base64,
    alipayPublicKey: keys.alipay.publicKeyBase64,
    gatewayUrl: simulator.gatewayUrl,
  });
  // Acknowledges every notification: these tests are about the synchronous methods.
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('success'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
});

afterAll(async () => {
  await simulator.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

async function open(orderNo: string, fen = 19_600): Promise<void> {
  await client.createPayment({ orderNo, amount: Money.of(fen, 'CNY'), subject: 'Tea', method: 'qr', notifyUrl });
}

describe('AlipayClient.queryPayment', () => {
  it('answers not-found for a trade that was never opened', async () => {
    await expect(client.queryPayment(nextOrderNo())).resolves.toEqual({
      status: 'not-found',
      providerStatus: 'ACQ.TRADE_NOT_EXIST',
    });
  });

  it('answers pending while the buyer has not paid', async () => {
    const orderNo = nextOrderNo();
    await open(orderNo);
    await expect(client.queryPayment(orderNo)).resolves.toEqual({
      status: 'pending',
      providerStatus: 'WAIT_BUYER_PAY',
    });
  });

  it('answers paid with trade_no, the amount and send_pay_date read as China time', async () => {
    const orderNo = nextOrderNo();
    await open(orderNo);
    const trade = simulator.markPaidWithoutNotify(orderNo);
    const result = await client.queryPayment(orderNo);
    expect(result).toEqual({
      status: 'paid',
      providerTransactionId: trade.tradeNo,
      amount: Money.of(19_600, 'CNY'),
      paidAt: parseChinaTime(trade.gmtPayment!),
      providerStatus: 'TRADE_SUCCESS',
    });
    // China time is UTC+8: the instant is within a few seconds of now.
    expect(Math.abs(result.paidAt!.getTime() - Date.now())).toBeLessThan(10_000);
  });

  it('answers closed for a closed trade', async () => {
    const orderNo = nextOrderNo();
    await open(orderNo);
    await client.closePayment(orderNo);
    await expect(client.queryPayment(orderNo)).resolves.toMatchObject({
      status: 'closed',
      providerStatus: 'TRADE_CLOSED',
    });
  });

  it('refuses an answer signed with another key', async () => {
    const forger = new AlipayClient({
      appId: APP_ID,
      privateKey: keys.app.privateKeyPkcs8Base64,
      alipayPublicKey: keys.app.publicKeyBase64, // not Alipay's key: every answer fails verification
      gatewayUrl: simulator.gatewayUrl,
    });
    await expect(forger.queryPayment(nextOrderNo())).rejects.toMatchObject({
      code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
    });
  });
});

describe('AlipayClient.closePayment', () => {
  it('closes a waiting trade; the simulator then refuses to let the buyer pay it', async () => {
    const orderNo = nextOrderNo();
    await open(orderNo);
    await client.closePayment(orderNo);
    expect(simulator.trade(orderNo)?.status).toBe('TRADE_CLOSED');
    await expect(simulator.pay(orderNo)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });
    expect(() => simulator.markPaidWithoutNotify(orderNo)).toThrow(
      expect.objectContaining({ code: 'SIMULATOR_TRADE_CLOSED' }),
    );
  });

  it('counts a trade that does not exist and an already closed trade as closed', async () => {
    await expect(client.closePayment(nextOrderNo())).resolves.toBeUndefined();
    const orderNo = nextOrderNo();
    await open(orderNo);
    await client.closePayment(orderNo);
    await expect(client.closePayment(orderNo)).resolves.toBeUndefined();
  });

  it('refuses to close a paid trade with PROVIDER_TRADE_PAID', async () => {
    const orderNo = nextOrderNo();
    await open(orderNo);
    const trade = simulator.markPaidWithoutNotify(orderNo);
    await expect(client.closePayment(orderNo)).rejects.toMatchObject({
      code: 'PROVIDER_TRADE_PAID',
      details: { providerTransactionId: trade.tradeNo },
    });
    expect(simulator.trade(orderNo)?.status).toBe('TRADE_SUCCESS');
  });
});
