import type { ProviderName } from '@shop/contracts';
import { PaymentError } from './payment.error';

// What each provider accepts as a payment's lifetime, in minutes. Stripe Checkout sessions live 30 minutes to
// 24 hours counted from creation on Stripe's clock: 31 leaves a minute for transit and clock skew, since exactly 30
// is refused whenever Stripe's second ticks over before it checks. Alipay's timeout_express is at most 15 days. A shorter deadline than a provider's minimum is still kept:
// the order's expiry closes the provider's transaction then (and UnionPay, which cannot be closed, has no minimum).
const LIFETIME_MINUTES: Readonly<Record<ProviderName, { min: number; max: number }>> = {
  alipay: { min: 1, max: 15 * 24 * 60 },
  wechatpay: { min: 1, max: 30 * 24 * 60 },
  unionpay: { min: 1, max: 30 * 24 * 60 },
  stripe: { min: 31, max: 24 * 60 - 1 },
};

/**
 * When the provider's payment must stop accepting money, for a payment that must be paid by `payBy` (the order's
 * expiry): `now` plus the time left rounded up to whole minutes and held to what the provider accepts. Each
 * provider client writes it in its own format. Refuses a deadline already passed: the order is about to expire
 * (the sweep lags by at most its interval), and a payment opened now could only become a LATE_PAYMENT.
 */
export function providerDeadline(provider: ProviderName, orderNo: string, payBy: Date, now: Date): Date {
  const remainingMs = payBy.getTime() - now.getTime();
  if (remainingMs <= 0) {
    throw new PaymentError('ORDER_PAYMENT_EXPIRED', `Order ${orderNo} had to be paid by ${payBy.toISOString()}`, {
      orderNo,
      payBy: payBy.toISOString(),
    });
  }
  const { min, max } = LIFETIME_MINUTES[provider];
  const minutes = Math.min(max, Math.max(min, Math.ceil(remainingMs / 60_000)));
  return new Date(now.getTime() + minutes * 60_000);
}
