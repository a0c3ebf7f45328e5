import { addressBucket } from '../../../functions/shared/address-bucket';

describe('addressBucket: what a per-address limit counts', () => {
  it('counts an IPv4 address (plain or IPv4-mapped) on its own', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 in the same bucket, however it is written', () => {
    const a = addressBucket('2001:db8:aa:bb:1:2:3:4');
    expect(a).toBe('2001:db8:aa:bb::/64');
    expect(addressBucket('2001:0DB8:00aa:00bb:ffff:ffff:ffff:ffff')).toBe(a);
    expect(addressBucket('2001:db8:aa:bb::9')).toBe(a);
    expect(addressBucket('2001:db8:aa:bc::9')).not.toBe(a);
  });

  it('expands :: anywhere, including a leading one and an embedded IPv4 tail', () => {
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps anything that is not an address as it is (never throws inside a limiter)', () => {
    expect(addressBucket('unknown')).toBe('unknown');
    expect(addressBucket('')).toBe('unknown');
  });
});
