import { isIPv4, isIPv6 } from 'node:net';

/**
 * The bucket a per-address limit counts a caller in. An IPv4 address is its own bucket; an IPv6 caller usually
 * holds a whole /64 (one home or phone gets 2^64 addresses), so counting each address alone would give an attacker
 * unlimited tries: IPv6 is counted per /64. IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as the IPv4 address.
 */
export function addressBucket(address: string): string {
  const ip = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip || 'unknown';
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, without leading zeros (`2001:db8::1` → 2001,db8,0,0,0,0,0,1). */
function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const parse = (part: string) => (part ? part.split(':') : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  // A trailing dotted IPv4 part stands for two hextets.
  const last = right.length ? right : left;
  const dotted = last.at(-1);
  if (dotted?.includes('.')) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - left.length - right.length;
  const all = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return all.map((h) => (parseInt(h, 16) || 0).toString(16));
}
