import { Money, MoneyError } from '@shop/money';
import type { CatalogProduct } from '../catalog/catalog.service';
import type { OrderItemDto } from './create-order.dto';
import { OrderError, type FieldProblem } from './order.error';

/** One order line priced from the catalog. */
export interface PricedLine {
  lineNo: number;
  sku: string;
  name: string;
  quantity: number;
  unitAmount: Money;
  lineAmount: Money;
}

/** An order's lines and total, all in one currency. */
export interface PricedOrder {
  lines: PricedLine[];
  total: Money;
}

/**
 * Refuses a sku that appears twice. Merging the lines would guess at the client's intent (a double tap? two
 * separate wishes?); a clear 400 lets the client decide, and keeps one line per sku in the database.
 */
export function assertDistinctSkus(items: OrderItemDto[]): void {
  const firstIndex = new Map<string, number>();
  const problems: FieldProblem[] = [];
  items.forEach((item, index) => {
    const first = firstIndex.get(item.sku);
    if (first === undefined) firstIndex.set(item.sku, index);
    else
      problems.push({
        field: `items[${index}].sku`,
        problems: [`sku "${item.sku}" already appears in items[${first}]; send one line per sku`],
      });
  });
  if (problems.length > 0) throw OrderError.forFields('DUPLICATE_SKU', problems);
}

/**
 * Prices the requested items from the catalog: the only source of prices. Refuses unknown (or inactive) skus
 * and items in different currencies, naming every offending field at once.
 */
export function priceItems(items: OrderItemDto[], catalog: Map<string, CatalogProduct>): PricedOrder {
  const unknown: FieldProblem[] = items.flatMap((item, index) =>
    catalog.has(item.sku) ? [] : [{ field: `items[${index}].sku`, problems: [`unknown sku "${item.sku}"`] }],
  );
  if (unknown.length > 0) throw OrderError.forFields('UNKNOWN_SKU', unknown);

  const products = items.map((item) => catalog.get(item.sku)!);
  const currency = products[0].currency;
  const mixed: FieldProblem[] = products.flatMap((product, index) =>
    product.currency === currency
      ? []
      : [
          {
            field: `items[${index}].sku`,
            problems: [
              `"${product.sku}" is priced in ${product.currency} but items[0] in ${currency}; one order has one currency`,
            ],
          },
        ],
  );
  if (mixed.length > 0) throw OrderError.forFields('MIXED_CURRENCIES', mixed);

  try {
    const lines = items.map((item, index) => {
      const product = products[index];
      const unitAmount = Money.of(product.unitAmount, product.currency);
      return {
        lineNo: index,
        sku: product.sku,
        name: product.name,
        quantity: item.quantity,
        unitAmount,
        lineAmount: unitAmount.multiply(item.quantity),
      };
    });
    return {
      lines,
      total: Money.sum(
        lines.map((l) => l.lineAmount),
        currency,
      ),
    };
  } catch (error) {
    // Only reachable with absurd catalog prices; still a clear refusal rather than a 500.
    if (error instanceof MoneyError && error.code === 'MONEY_OUT_OF_RANGE') {
      throw new OrderError('ORDER_TOTAL_OUT_OF_RANGE', `The order total is too large: ${error.message}`);
    }
    throw error;
  }
}
