import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MetricsRegistry } from '@shop/runtime';
import { CALLBACK_BODY_LIMIT_BYTES, configureCallbackBodies } from './callback-bodies';
import { CallbackStats } from '../stats/callback-stats';
import { CallbackMetrics } from './callback-metrics';

@Controller()
class EchoController {
  @Post('callbacks/stripe')
  callback(@Body() body: unknown): { type: string; body: unknown } {
    return { type: typeof body, body };
  }

  @Post('internal/echo')
  other(@Body() body: unknown): { type: string; body: unknown } {
    return { type: typeof body, body };
  }
}

@Module({
  controllers: [EchoController],
  // The per-minute counts go to a database this test has none of; the body parsers do not touch them.
  providers: [MetricsRegistry, CallbackMetrics, { provide: CallbackStats, useValue: { add: () => undefined } }],
})
class EchoModule {}

// The raw-body parsers in isolation: callback routes get the body as sent, every other route keeps Nest's JSON.
describe('configureCallbackBodies', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(EchoModule, new FastifyAdapter({ bodyLimit: 1024 * 1024 }), {
      logger: false,
    });
    configureCallbackBodies(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  const post = (url: string, payload: string, contentType = 'application/json') =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

  it('hands JSON to a callback route as the raw string, byte for byte', async () => {
    const raw = '{\n  "id": "evt_1",  "amount": 1.50, "note": "\\u00e9"\n}';
    expect((await post('/callbacks/stripe', raw)).json()).toEqual({ type: 'string', body: raw });
  });

  it('keeps parsing JSON into objects on other routes, with the application limit', async () => {
    expect((await post('/internal/echo', '{"a":1}')).json()).toEqual({ type: 'object', body: { a: 1 } });
    const big = JSON.stringify({ pad: 'x'.repeat(CALLBACK_BODY_LIMIT_BYTES * 2) });
    expect((await post('/internal/echo', big)).statusCode).toBe(201);
    expect((await post('/internal/echo', '{"a":')).statusCode).toBe(400);
  });

  it('limits every callback body to 64 KB, JSON, form and text alike', async () => {
    const over = 'x'.repeat(CALLBACK_BODY_LIMIT_BYTES + 1);
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
      expect((await post('/callbacks/stripe', over, type)).statusCode).toBe(413);
      expect((await post('/callbacks/stripe', over.slice(1), type)).statusCode).toBe(201);
    }
  });
});
