import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { checkTokenConnection, parseHostAllowList } from "../../src/hosts/connection-policy.js";

const tls = (host: string) => ({ transport: "tcp" as const, host, port: 2376, insecure: false, tls: null });
const refused = (host: string, allow?: string) => {
  try {
    checkTokenConnection(tls(host), allow === undefined ? undefined : parseHostAllowList(allow));
    return false;
  } catch {
    return true;
  }
};

describe("where a non-admin token may point portcall", () => {
  it("refuses IPv6 spellings that carry loopback or metadata addresses inside", () => {
    for (const host of [
      "::127.0.0.1",
      "::ffff:0:127.0.0.1",
      "64:ff9b::127.0.0.1",
      "64:ff9b:1::a9fe:a9fe",
      "::a9fe:a9fe",
      "2002:7f00:1::",
      "2002:a9fe:a9fe::",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",
      "::ffff:169.254.169.254",
      "fec0::1",
      "168.63.129.16",
      "192.0.0.192",
    ]) {
      expect(refused(host), host).toBe(true);
    }
  });

  it("refuses this machine's own addresses", () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .map((entry) => entry?.address.split("%")[0])
      .filter((address): address is string => Boolean(address));
    for (const address of own) expect(refused(address), address).toBe(true);
  });

  it("takes ordinary addresses, and names only when the allow list lists them", () => {
    expect(refused("10.20.30.40")).toBe(false);
    expect(refused("2001:db8::5")).toBe(false);
    expect(refused("docker-1.build.internal")).toBe(true);
    expect(refused("docker-1.build.internal", "*.build.internal")).toBe(false);
    expect(refused("build.internal", "*.build.internal")).toBe(true);
    expect(refused("10.1.2.3", "10.0.0.0/8")).toBe(false);
    expect(refused("11.1.2.3", "10.0.0.0/8")).toBe(true);
  });

  it("refuses an allow list it would have to guess at", () => {
    for (const text of [
      "10.0.0.0/8/12",
      "10.0.0.5/8",
      "fd00::1/64",
      "10.0.0.0/33",
      "not a name!",
      "10.0.0.0/x",
    ]) {
      expect(() => parseHostAllowList(text), text).toThrow();
    }
    expect(parseHostAllowList(" 10.0.0.0/8, fd00::/8 ,127.0.0.1,*.Internal ").entries).toEqual([
      "10.0.0.0/8",
      "fd00::/8",
      "127.0.0.1",
      "*.internal",
    ]);
  });
});
