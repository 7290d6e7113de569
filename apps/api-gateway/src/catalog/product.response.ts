import { ApiProperty } from '@nestjs/swagger';

/** One product of the catalog; amounts in minor units. */
export class ProductResponse {
  @ApiProperty({ example: 'TEA-LONGJING-250G' })
  sku!: string;

  @ApiProperty({ example: 'Longjing green tea, 250 g' })
  name!: string;

  @ApiProperty({ type: 'integer', description: 'Minor units (fen, cents)', example: 12800 })
  unitAmount!: number;

  @ApiProperty({ example: 'CNY' })
  currency!: string;
}

/** GET /api/v1/products. */
export class ProductListResponse {
  @ApiProperty({ type: () => [ProductResponse] })
  items!: ProductResponse[];
}
