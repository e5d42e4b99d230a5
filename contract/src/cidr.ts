/**
 * Pure IPv4/IPv6 address and CIDR parsing and matching (no Worker or Node APIs), used to map a
 * client address to a region locally (where there is no `request.cf`). Addresses are held as
 * bigints: 32 bits for IPv4, 128 for IPv6. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is
 * treated as the IPv4 address it carries.
 */

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

export interface Cidr {
  version: 4 | 6;
  /** the network address (host bits cleared) */
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;
const V4_MAPPED_PREFIX = 0xffffn << 32n;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith("0"))) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseHextets(text: string): number[] | undefined {
  if (text === "") return [];
  const out: number[] = [];
  const parts = text.split(":");
  for (const [i, part] of parts.entries()) {
    // a trailing dotted quad takes the place of the last two hextets
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    out.push(Number.parseInt(part, 16));
  }
  return out;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = parseHextets(halves[0] ?? "");
  const tail = halves.length === 2 ? parseHextets(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.reduce((acc, h) => (acc << 16n) | BigInt(h), 0n);
}

/** Parses an IPv4 or IPv6 address (brackets and an IPv6 zone are accepted); undefined if invalid. */
export function parseIp(text: string): IpAddress | undefined {
  let t = text.trim();
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  const zone = t.indexOf("%");
  if (zone >= 0) t = t.slice(0, zone);
  if (!t.includes(":")) {
    const v4 = parseIpv4(t);
    return v4 === undefined ? undefined : { version: 4, value: v4 };
  }
  const v6 = parseIpv6(t);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === V4_MAPPED_PREFIX >> 32n) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/** Parses `addr/prefix` (or a bare address: a host route); undefined if invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : undefined;
  const trimmed = addrText.trim();
  // an IPv4-mapped network is not folded to IPv4 here: its prefix counts 128 bits
  const version: 4 | 6 = trimmed.includes(":") ? 6 : 4;
  const value = version === 4 ? parseIpv4(trimmed) : parseIpv6(trimmed);
  if (value === undefined) return undefined;
  const bits = BITS[version];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { version, network: value & mask(bits, prefix), prefix };
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** Whether `ip` lies in `cidr` (IPv4-mapped IPv6 networks also match the IPv4 addresses). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.version === ip.version) {
    return (ip.value & mask(BITS[cidr.version], cidr.prefix)) === cidr.network;
  }
  if (cidr.version === 6 && ip.version === 4) {
    const mapped = V4_MAPPED_PREFIX | ip.value;
    return (mapped & mask(128, cidr.prefix)) === cidr.network;
  }
  return false;
}
