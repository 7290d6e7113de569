import { BlockList, isIP } from 'node:net';

/** A set of addresses given as comma-separated CIDRs or single addresses (IPv4 and IPv6). */
export class IpRanges {
  private readonly list = new BlockList();

  private constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number(prefix), family);
    }
  }

  /** Parses "10.0.0.0/8, 203.0.113.7"; throws naming the first bad entry. */
  static parse(text: string): IpRanges {
    const entries = text
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const bad = entries.find((e) => !IpRanges.isValidEntry(e));
    if (bad !== undefined) throw new Error(`"${bad}" is not an IP address or CIDR range`);
    return new IpRanges(entries);
  }

  /** Whether a text is one valid entry: an address, or an address with a prefix length that fits its family. */
  static isValidEntry(entry: string): boolean {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32);
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  contains(address: string): boolean {
    const normalized = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(normalized);
    if (family === 0) return false;
    return this.list.check(normalized, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/**
 * The caller's address. X-Forwarded-For is believed only when the direct peer is a trusted proxy, and then only
 * up to the first hop that is not itself trusted (walking from the right), so a client cannot forge its way in
 * by sending its own X-Forwarded-For header.
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: IpRanges): string {
  if (!trusted.contains(peer) || forwardedFor === undefined) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    if (isIP(hops[i]) === 0) return peer;
    if (!trusted.contains(hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}
