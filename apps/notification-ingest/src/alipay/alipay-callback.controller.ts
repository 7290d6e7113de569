import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callbackSource } from '../callbacks/callback-sources';
import { AlipayCallbackService } from './alipay-callback.service';

/** Alipay's notify_url: POST /callbacks/alipay (application/x-www-form-urlencoded, answered `success`/`fail`). */
@Controller('callbacks')
export class AlipayCallbackController {
  constructor(private readonly callbacks: AlipayCallbackService) {}

  @Post('alipay')
  @HttpCode(200)
  async alipay(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const answer = await this.callbacks.handle({
      body: request.body,
      contentType: request.headers['content-type'],
      headers: request.headers,
      sourceIp: callbackSource(request),
    });
    void reply.status(answer.status).header('content-type', answer.contentType);
    return answer.body;
  }
}
