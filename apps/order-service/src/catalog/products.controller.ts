import { Controller, Get } from '@nestjs/common';
import { CatalogService, type CatalogProduct } from './catalog.service';

/** The catalog, read by the api-gateway for its public product list. */
@Controller('internal/v1/products')
export class ProductsController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  async list(): Promise<{ items: CatalogProduct[] }> {
    return { items: await this.catalog.listProducts() };
  }
}
