import type { CatalogProduct } from '../catalog/catalog.service';
import { OrderError } from './order.error';
import { assertDistinctSkus, priceItems } from './pricing';

const catalog = new Map<string, CatalogProduct>(
  [
    { sku: 'TEA', name: 'Tea', unitAmount: 12_800, currency: 'CNY' as const },
    { sku: 'MUG', name: 'Mug', unitAmount: 6800, currency: 'CNY' as const },
    { sku: 'POT', name: 'Pot', unitAmount: 4500, currency: 'USD' as const },
    { sku: 'HUGE', name: 'Huge', unitAmount: Number.MAX_SAFE_INTEGER, currency: 'CNY' as const },
  ].map((p) => [p.sku, p]),
);

function refusal(run: () => unknown): OrderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OrderError);
    return error as OrderError;
  }
  throw new Error('expected a refusal');
}

describe('pricing an order from the catalog', () => {
  it('multiplies each catalog price by its quantity and adds the lines in integer minor units', () => {
    const { lines, total } = priceItems(
      [
        { sku: 'TEA', quantity: 3 },
        { sku: 'MUG', quantity: 999 },
      ],
      catalog,
    );
    expect(lines.map((l) => [l.lineNo, l.sku, l.name, l.quantity, l.unitAmount.amount, l.lineAmount.amount])).toEqual([
      [0, 'TEA', 'Tea', 3, 12_800, 38_400],
      [1, 'MUG', 'Mug', 999, 6800, 6_793_200],
    ]);
    expect(total.toJSON()).toEqual({ amount: 6_831_600, currency: 'CNY' });
  });

  it('names every unknown sku with its position', () => {
    const error = refusal(() =>
      priceItems(
        [
          { sku: 'X', quantity: 1 },
          { sku: 'TEA', quantity: 1 },
          { sku: 'Y', quantity: 1 },
        ],
        catalog,
      ),
    );
    expect(error.code).toBe('UNKNOWN_SKU');
    expect(error.message).toBe('items[0].sku: unknown sku "X"; items[2].sku: unknown sku "Y"');
  });

  it('refuses items in different currencies', () => {
    const error = refusal(() =>
      priceItems(
        [
          { sku: 'TEA', quantity: 1 },
          { sku: 'POT', quantity: 1 },
        ],
        catalog,
      ),
    );
    expect(error.code).toBe('MIXED_CURRENCIES');
    expect(error.message).toContain('items[1].sku');
  });

  it('refuses a total beyond the safe integer range instead of rounding it', () => {
    const error = refusal(() => priceItems([{ sku: 'HUGE', quantity: 2 }], catalog));
    expect(error.code).toBe('ORDER_TOTAL_OUT_OF_RANGE');
  });

  it('refuses a sku that appears twice, naming the later line and the first', () => {
    const error = refusal(() =>
      assertDistinctSkus([
        { sku: 'TEA', quantity: 1 },
        { sku: 'MUG', quantity: 1 },
        { sku: 'TEA', quantity: 2 },
      ]),
    );
    expect(error.code).toBe('DUPLICATE_SKU');
    expect(error.message).toBe('items[2].sku: sku "TEA" already appears in items[0]; send one line per sku');
    expect(() => assertDistinctSkus([{ sku: 'TEA', quantity: 1 }])).not.toThrow();
  });
});
