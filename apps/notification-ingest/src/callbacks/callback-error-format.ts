import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { callbackProviderOf } from './callback-route';

/**
 * WeChat Pay reads every refusal of a notification as JSON {"code":"FAIL","message":...}: the answers given
 * before its controller runs (403 source not allowed, 429 rate limited, 413 too large, 415 no parser, 404
 * disabled) and our coded errors are rewritten into that shape, keeping the status and our code in the message.
 * The other providers only look at the status (and Alipay/UnionPay at a fixed body their verifiers already send).
 * Must run before app.init().
 */
export function configureCallbackErrorFormats(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode < 400 || callbackProviderOf(request) !== 'wechatpay' || typeof payload !== 'string') {
        done(null, payload);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        parsed = undefined;
      }
      const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      if (fields.code === 'FAIL') {
        done(null, payload);
        return;
      }
      const code = typeof fields.code === 'string' ? fields.code : `HTTP_${reply.statusCode}`;
      const message = typeof fields.message === 'string' ? fields.message : 'refused';
      void reply.header('content-type', 'application/json; charset=utf-8');
      done(null, JSON.stringify({ code: 'FAIL', message: `${code}: ${message}` }));
    });
}
