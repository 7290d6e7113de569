import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-docs';
import { ProductListResponse } from './product.response';
import { Controller, Get } from '@nestjs/common';
import { UpstreamClient } from '../upstream/upstream.client';

/** The shop's catalog; public, like a shop window. */
@ApiTags('catalog')
@Controller('api/v1/products')
export class CatalogController {
  constructor(private readonly upstream: UpstreamClient) {}

  @Get()
  @ApiOperation({ summary: 'The catalog (public)' })
  @ApiOkResponse({ type: ProductListResponse })
  @ApiErrors({ 502: 'UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE' })
  async list(): Promise<ProductListResponse> {
    return (await this.upstream.call<ProductListResponse>('order-service', 'GET', '/internal/v1/products')).body;
  }
}
