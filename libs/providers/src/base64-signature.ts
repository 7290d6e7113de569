/**
 * Whether `text` is canonical base64 (RFC 4648 section 4: the standard alphabet, padded to a multiple of four,
 * nothing else). Node's base64 decoder skips any character outside the alphabet and anything after the padding,
 * so a signature with bytes appended ("…==%00", "…==!", "…\n") would still verify: an attacker could then vary
 * the stored body of a genuine notification at will. Signatures are checked only in their canonical form.
 */
export function isCanonicalBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}
