import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { ApiError } from "../errors/api-error.js";
import type { StoredConnection } from "./host-connection.js";

/**
 * Who set a host's connection. An operator (an admin token, the CLI, the hosts file) may point portcall at
 * anything; a non-admin token only at addresses the operator allowed, and the host stays marked as that
 * subject's, so nothing of anyone else's (stored credentials, placed runs) is sent to it.
 */
export type HostActor = { kind: "operator" } | { kind: "token" /** `issuer:subject` */; subject: string };

export const OPERATOR: HostActor = { kind: "operator" };

/** `PORTCALL_HOST_ALLOW`: the addresses (CIDRs, single IPs) and host names a non-admin may register. */
export type HostAllowList = { addresses: BlockList; names: string[]; entries: string[] };

/**
 * Where a non-admin may never point portcall when no allow list is set: this machine (loopback, any-address,
 * and its own interfaces, checked at the time), link-local and cloud metadata addresses (169.254.169.254,
 * fd00:ec2::254, Azure's 168.63.129.16, Alibaba's 100.100.100.200, 192.0.0.192), multicast and broadcast.
 * IPv4-mapped IPv6 spellings (`::ffff:127.0.0.1`) match the IPv4 rules; the other IPv6 ranges that carry an
 * IPv4 address inside (IPv4-compatible, translated, NAT64, 6to4, Teredo) are refused whole, since a relay may
 * deliver them to the address they embed.
 */
const DEFAULT_DENY: Array<[string, number, "ipv4" | "ipv6"]> = [
  ["0.0.0.0", 8, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["100.100.100.200", 32, "ipv4"],
  ["168.63.129.16", 32, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 96, "ipv6"],
  ["::ffff:0:0:0", 96, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
  ["64:ff9b:1::", 48, "ipv6"],
  ["100::", 64, "ipv6"],
  ["2001::", 32, "ipv6"],
  ["2002::", 16, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["fec0::", 10, "ipv6"],
  ["fd00:ec2::254", 128, "ipv6"],
  ["ff00::", 8, "ipv6"],
];

// Built by the first check, not at import: a BlockList's addresses load Node internals every start would pay for.
let denied: BlockList | undefined;
function deniedAddresses(): BlockList {
  if (!denied) {
    denied = new BlockList();
    for (const [network, prefix, family] of DEFAULT_DENY) denied.addSubnet(network, prefix, family);
  }
  return denied;
}

const NAME_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses the allow list once at startup; an entry it cannot read is an error naming it. */
export function parseHostAllowList(text: string): HostAllowList {
  const addresses = new BlockList();
  const names: string[] = [];
  const entries = text
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    const [network = "", prefixText, ...rest] = entry.split("/");
    const family = isIP(network);
    if (family !== 0 && rest.length === 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max)
        throw new Error(`"${entry}" has no valid prefix length (0-${max})`);
      // `10.0.0.5/8` is a typo more often than a way to write 10.0.0.0/8: refuse to guess which was meant.
      if (hostBits(network, family, prefix)) throw new Error(`"${entry}" has bits set past its /${prefix}`);
      addresses.addSubnet(network, prefix, family === 4 ? "ipv4" : "ipv6");
    } else if (prefixText === undefined && NAME_PATTERN.test(entry)) {
      names.push(entry);
    } else {
      throw new Error(`"${entry}" is neither an address, a CIDR nor a host name`);
    }
  }
  return { addresses, names, entries };
}

/** The address as one number, IPv6 `::` and embedded IPv4 included. */
function addressValue(address: string, family: number): bigint {
  if (family === 4) return address.split(".").reduce((value, part) => (value << 8n) + BigInt(part), 0n);
  const [head = "", tail = ""] = address.split("::");
  const groups = (text: string) =>
    text
      .split(":")
      .filter(Boolean)
      .flatMap((group) => {
        if (!group.includes(".")) return [Number.parseInt(group, 16)];
        const v4 = Number(addressValue(group, 4));
        return [v4 >>> 16, v4 & 0xffff];
      });
  const left = groups(head);
  const right = groups(tail);
  const all = address.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill(0), ...right]
    : left;
  return all.reduce((value, group) => (value << 16n) + BigInt(group), 0n);
}

function hostBits(address: string, family: number, prefix: number): boolean {
  const width = family === 4 ? 32 : 128;
  return (addressValue(address, family) & ((1n << BigInt(width - prefix)) - 1n)) !== 0n;
}

/** This machine's own addresses, as they are now: a container or service on it is not for a non-admin. */
function ownAddresses(): BlockList {
  const own = new BlockList();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? [])
      own.addAddress(entry.address.split("%")[0] ?? "", entry.family === "IPv4" ? "ipv4" : "ipv6");
  }
  return own;
}

function addressAllowed(address: string, allow: HostAllowList | undefined): boolean {
  const family = isIP(address) === 4 ? "ipv4" : "ipv6";
  try {
    if (allow) return allow.addresses.check(address, family);
    return !deniedAddresses().check(address, family) && !ownAddresses().check(address, family);
  } catch {
    // An address BlockList cannot read (a zone id) is not one anybody allowed.
    return false;
  }
}

/** `*.example.internal` is any name below example.internal, not example.internal itself. */
function nameMatches(entry: string, host: string): boolean {
  return entry.startsWith("*.")
    ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1
    : entry === host;
}

function refuse(why: string): never {
  throw new ApiError("forbidden", `A non-admin token cannot register this host: ${why}.`);
}

/**
 * Whether a non-admin may point portcall at this connection. It runs on the parsed and normalised result —
 * after a PATCH is merged with what is stored — and before anything touches the network or the file system,
 * so the refusal says nothing about what exists there. A host name is taken only when the allow list names
 * it: an IP literal is checked as it will be dialled, a name could resolve elsewhere at the next connection.
 */
export function checkTokenConnection(stored: StoredConnection, allow: HostAllowList | undefined): void {
  if (stored.transport === "unix")
    refuse("a unix socket reaches a daemon with no credentials; it needs admin");
  if (stored.transport === "tcp" && stored.insecure)
    refuse("plain TCP reaches a daemon with no credentials; it needs admin (or TLS)");
  const host = stored.host.toLowerCase();
  if (isIP(host) !== 0) {
    if (!addressAllowed(host, allow))
      refuse(
        allow
          ? `${host} is not in PORTCALL_HOST_ALLOW`
          : `${host} is loopback, link-local or a metadata address (an operator can allow it with PORTCALL_HOST_ALLOW)`,
      );
    return;
  }
  if (!allow?.names.some((name) => nameMatches(name, host)))
    refuse(`give an IP address, or a host name PORTCALL_HOST_ALLOW lists (${host} is not listed)`);
}
