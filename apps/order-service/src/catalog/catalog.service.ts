import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { parseCurrency, type Currency } from '@shop/money';
import { toSafeAmount } from '../orders/amount';

/** A product as the catalog lists it and as orders are priced from it. */
export interface CatalogProduct {
  sku: string;
  name: string;
  /** Minor units (fen, cents). */
  unitAmount: number;
  currency: Currency;
}

interface ProductRow {
  sku: string;
  name: string;
  unit_amount: string;
  currency: string;
}

function toProduct(row: ProductRow): CatalogProduct {
  return {
    sku: row.sku,
    name: row.name,
    unitAmount: toSafeAmount(row.unit_amount),
    currency: parseCurrency(row.currency),
  };
}

/** Reads the catalog: only active products are listed or sold. */
@Injectable()
export class CatalogService {
  constructor(private readonly dataSource: DataSource) {}

  /** Every active product, ordered by sku byte by byte (COLLATE "C": the same order whatever the locale). */
  async listProducts(): Promise<CatalogProduct[]> {
    const rows: ProductRow[] = await this.dataSource.query(
      'SELECT sku, name, unit_amount, currency FROM products WHERE active ORDER BY sku COLLATE "C"',
    );
    return rows.map(toProduct);
  }

  /** The active products among `skus`, by sku, read inside the caller's transaction. Unknown skus are absent. */
  async activeProducts(manager: EntityManager, skus: string[]): Promise<Map<string, CatalogProduct>> {
    const rows: ProductRow[] = await manager.query(
      'SELECT sku, name, unit_amount, currency FROM products WHERE active AND sku = ANY($1)',
      [skus],
    );
    return new Map(rows.map((row) => [row.sku, toProduct(row)]));
  }
}
