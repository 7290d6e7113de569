import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderName } from '@shop/contracts';
import { CallbackService } from './callback.service';
import { callbackSource } from './callback-sources';

/**
 * The providers' notify URLs, POST /callbacks/<provider>, each answered in its provider's format: Alipay form
 * (`success`), WeChat Pay JSON (204), UnionPay form (200 `ok`), Stripe JSON (200). Bodies arrive raw.
 */
@Controller('callbacks')
export class CallbacksController {
  constructor(private readonly callbacks: CallbackService) {}

  @Post('alipay')
  @HttpCode(200)
  alipay(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.answer('alipay', request, reply);
  }

  @Post('wechatpay')
  @HttpCode(200)
  wechatpay(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.answer('wechatpay', request, reply);
  }

  @Post('unionpay')
  @HttpCode(200)
  unionpay(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.answer('unionpay', request, reply);
  }

  @Post('stripe')
  @HttpCode(200)
  stripe(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.answer('stripe', request, reply);
  }

  private async answer(provider: ProviderName, request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const answer = await this.callbacks.handle(provider, {
      body: request.body,
      contentType: request.headers['content-type'],
      headers: request.headers,
      sourceIp: callbackSource(request),
    });
    void reply.status(answer.status).header('content-type', answer.contentType);
    return answer.body;
  }
}
