// WeChat Pay API v3 speaks JSON both ways: answers to our calls and decrypted notification resources share these
// readers, so the client and the notification verifier judge an amount the same way.
import { type Money, fromWechatPayAmount } from '@shop/money';

export type WechatpayJson = Record<string, unknown>;

/** `text` as a JSON object, or undefined when it is not JSON or not an object. */
export function parseWechatpayObject(text: string): WechatpayJson | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isWechatpayObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isWechatpayObject(value: unknown): value is WechatpayJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An `amount` object ({total: fen integer, currency}) as Money; undefined when it is not one. */
export function wechatpayAmount(value: unknown): Money | undefined {
  if (!isWechatpayObject(value)) return undefined;
  const { total, currency } = value;
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0) return undefined;
  if (currency !== undefined && typeof currency !== 'string') return undefined;
  try {
    return fromWechatPayAmount(total, currency ?? 'CNY');
  } catch {
    return undefined;
  }
}
