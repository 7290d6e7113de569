import { Controller, Get } from '@nestjs/common';
import { UpstreamClient } from '../upstream/upstream.client';

/** The shop's catalog; public, like a shop window. */
@Controller('api/v1/products')
export class CatalogController {
  constructor(private readonly upstream: UpstreamClient) {}

  @Get()
  async list(): Promise<unknown> {
    return (await this.upstream.call('order-service', 'GET', '/internal/v1/products')).body;
  }
}
