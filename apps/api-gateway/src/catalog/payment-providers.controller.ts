import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-docs';
import { UpstreamClient } from '../upstream/upstream.client';

/** A payment provider this shop accepts, and how it can be paid with. */
export class PaymentProviderResponse {
  @ApiProperty({ enum: ['alipay', 'wechatpay', 'unionpay', 'stripe'], example: 'alipay' })
  provider!: string;

  @ApiProperty({
    type: [String],
    enum: ['qr', 'page', 'native', 'checkout'],
    description: 'qr/native: a QR code to scan; page/checkout: the buyer continues at the provider',
    example: ['qr', 'page'],
  })
  methods!: string[];

  @ApiProperty({ type: [String], example: ['CNY'] })
  currencies!: string[];
}

/** GET /api/v1/payment-providers. */
export class PaymentProviderListResponse {
  @ApiProperty({ type: () => [PaymentProviderResponse] })
  items!: PaymentProviderResponse[];
}

/** The providers a checkout can offer: only the enabled ones (public, like the catalog). */
@ApiTags('catalog')
@Controller('api/v1/payment-providers')
export class PaymentProvidersController {
  constructor(private readonly upstream: UpstreamClient) {}

  @Get()
  @ApiOperation({ summary: 'The enabled payment providers and their methods (public)' })
  @ApiOkResponse({ type: PaymentProviderListResponse })
  @ApiErrors({ 502: 'UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE' })
  async list(): Promise<PaymentProviderListResponse> {
    return (await this.upstream.call<PaymentProviderListResponse>('payment-gateway', 'GET', '/internal/v1/providers'))
      .body;
  }
}
