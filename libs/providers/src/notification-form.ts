/** A form-encoded notification body (Alipay, UnionPay) decoded into fields, or the first key it repeats. */
export type DecodedNotificationForm =
  | { readonly fields: Record<string, string>; readonly repeated?: undefined }
  | { readonly fields?: undefined; readonly repeated: string };

/**
 * Decodes an application/x-www-form-urlencoded notification exactly once: decoding again would turn a literal "%"
 * or "+" into something the provider never signed. A repeated key is reported rather than resolved, since which
 * of its values was signed would be a guess.
 */
export function decodeNotificationForm(rawBody: string): DecodedNotificationForm {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of new URLSearchParams(rawBody)) {
    if (Object.hasOwn(fields, key)) return { repeated: key };
    fields[key] = value;
  }
  return { fields: { ...fields } };
}
