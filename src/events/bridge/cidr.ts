/**
 * The `{"cidr": "10.0.0.0/24"}` pattern matcher (IPv4 and IPv6): parsed with the checks and
 * reasons of AWS's matching library (event-ruler), matched with node's BlockList.
 */
import { BlockList, isIP } from 'node:net';

/** A CIDR AWS would refuse; the message is AWS's reason. */
export class InvalidCidr extends Error {}

// What event-ruler takes for an address before parsing it; anything else is "nonstandard".
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** Whether a string value of an event lies in the CIDR block; throws InvalidCidr for a bad CIDR. */
export function cidr(text: string): (v: unknown) => boolean {
  // Java's split, which event-ruler uses, drops trailing empty parts: "10.0.0.0/" has no mask.
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new InvalidCidr("Malformed CIDR, one '/' required");
  const [address, maskText] = parts as [string, string];
  if (!/^[+-]?[0-9]+$/.test(maskText) || Math.abs(Number(maskText)) > 2 ** 31 - 1) throw new InvalidCidr('Malformed CIDR, mask bits must be an integer');
  const mask = Number(maskText);
  if (mask < 0) throw new InvalidCidr('Malformed CIDR, mask bits must not be negative');
  if (!IPV4_SHAPE.test(address) && !IPV6_SHAPE.test(address)) throw new InvalidCidr(`Nonstandard IP address: ${address}`);
  const version = isIP(address);
  if (version === 0) throw new InvalidCidr(`Invalid IP address: ${address}`);
  // event-ruler's limits: a /32 (IPv4) or /128 (IPv6) block is refused.
  if (version === 4 && mask > 31) throw new InvalidCidr('IPv4 mask bits must be < 32');
  if (version === 6 && mask > 127) throw new InvalidCidr('IPv6 mask bits must be < 128');
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(address, mask, family);
  // Only an address of the block's own family matches (BlockList would also let an IPv4-mapped
  // IPv6 address into an IPv4 block; event-ruler compares them as different byte strings).
  return (v) => typeof v === 'string' && isIP(v) === version && block.check(v, family);
}
