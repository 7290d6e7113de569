import { IpRanges, clientAddress } from './ip-ranges';

describe('IpRanges', () => {
  it('matches addresses inside CIDR ranges and single addresses, IPv4 and IPv6', () => {
    const ranges = IpRanges.parse('110.75.0.0/16, 203.0.113.7, 2001:db8::/32');
    expect(ranges.contains('110.75.143.2')).toBe(true);
    expect(ranges.contains('110.76.0.1')).toBe(false);
    expect(ranges.contains('203.0.113.7')).toBe(true);
    expect(ranges.contains('203.0.113.8')).toBe(false);
    expect(ranges.contains('2001:db8::1')).toBe(true);
    expect(ranges.contains('::ffff:110.75.1.1')).toBe(true);
    expect(ranges.contains('not-an-ip')).toBe(false);
  });

  it('refuses a bad entry, naming it', () => {
    expect(() => IpRanges.parse('10.0.0.0/8, 10.0.0.0/33')).toThrow('"10.0.0.0/33"');
    expect(() => IpRanges.parse('example.com')).toThrow('"example.com"');
    expect(IpRanges.parse('').isEmpty).toBe(true);
  });
});

describe('clientAddress', () => {
  const trusted = IpRanges.parse('10.0.0.0/8');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('198.51.100.9', '110.75.1.1', trusted)).toBe('198.51.100.9');
  });

  it('takes the first untrusted hop from the right behind trusted proxies', () => {
    expect(clientAddress('10.0.0.2', '110.75.1.1', trusted)).toBe('110.75.1.1');
    expect(clientAddress('10.0.0.2', '1.2.3.4, 110.75.1.1, 10.0.0.5', trusted)).toBe('110.75.1.1');
  });

  it('falls back to the peer on a malformed header', () => {
    expect(clientAddress('10.0.0.2', 'garbage', trusted)).toBe('10.0.0.2');
  });
});
