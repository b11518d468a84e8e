import { describe, expect, it } from "vitest";
import type { HostRecord } from "../../../src/hosts/host-record.js";
import type { Store } from "../../../src/store/ports/store.js";

const host = (id: string, overrides: Partial<HostRecord> = {}): HostRecord => ({
  id,
  name: id,
  labels: { pool: "ci" },
  url: "tcp://10.0.0.1:2376",
  stored: {
    transport: "tcp",
    host: "10.0.0.1",
    port: 2376,
    insecure: false,
    tls: { ca: "CA", cert: "CERT" },
  },
  sealedSecrets: "sealed.jwe",
  source: "api",
  owner: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...overrides,
});

export function hostsContract(store: () => Store): void {
  describe("hosts", () => {
    it("keeps every field of an inserted host, and lists hosts by id", async () => {
      const { hosts } = store();
      const socket = host("b-local", {
        url: "unix:///var/run/docker.sock",
        stored: { transport: "unix", socketPath: "/var/run/docker.sock" },
        sealedSecrets: null,
        source: "file",
        owner: "token:someone",
        labels: {},
      });
      expect(await hosts.insert(host("c-remote"))).toBe(true);
      expect(await hosts.insert(socket)).toBe(true);
      expect(await hosts.insert(host("a-first"))).toBe(true);
      const listed = await hosts.list();
      expect(listed.map((record) => record.id)).toEqual(["a-first", "b-local", "c-remote"]);
      expect(listed[1]).toEqual(socket);
      expect(listed[2]).toEqual(host("c-remote"));
    });

    it("refuses a second host with the same id, keeping the first", async () => {
      const { hosts } = store();
      await hosts.insert(host("h"));
      expect(await hosts.insert(host("h", { name: "other" }))).toBe(false);
      expect((await hosts.list()).map((record) => record.name)).toEqual(["h"]);
    });

    it("updates every field but when it was created, and deletes", async () => {
      const { hosts } = store();
      await hosts.insert(host("h"));
      await hosts.insert(host("other"));
      const changed = host("h", {
        name: "renamed",
        labels: {},
        url: "ssh://me@10.0.0.2:22",
        stored: {
          transport: "ssh",
          host: "10.0.0.2",
          port: 22,
          username: "me",
          hostKeyFingerprint: "SHA256:abc",
        },
        sealedSecrets: null,
        owner: "token:x",
        createdAt: "2030-01-01T00:00:00.000Z",
        updatedAt: "2026-02-01T00:00:00.000Z",
      });
      expect(await hosts.update(changed, host("h").updatedAt)).toBe(true);
      const [updated] = await hosts.list();
      expect(updated).toEqual({ ...changed, createdAt: "2026-01-01T00:00:00.000Z" });
      await hosts.delete("h");
      await hosts.delete("never-there");
      expect((await hosts.list()).map((record) => record.id)).toEqual(["other"]);
    });

    it("changes a host only from the version it was read at, and tells a change made meanwhile by another", async () => {
      const { hosts } = store();
      await hosts.insert(host("h"));
      const read = host("h").updatedAt;
      const first = host("h", { name: "first", updatedAt: "2026-03-01T00:00:00.000Z" });
      const second = host("h", { name: "second", updatedAt: "2026-03-01T00:00:00.001Z" });
      expect(await hosts.update(first, read)).toBe(true);
      // Read before the first change: refused, and the first change stays.
      expect(await hosts.update(second, read)).toBe(false);
      expect((await hosts.list())[0]?.name).toBe("first");
      await hosts.delete("h");
      expect(await hosts.update(second, first.updatedAt)).toBe(false);
      expect(await hosts.list()).toEqual([]);
    });

    it("moves its fingerprint with every change, and only then", async () => {
      const { hosts } = store();
      const empty = await hosts.fingerprint();
      await hosts.insert(host("h"));
      const one = await hosts.fingerprint();
      expect(one).not.toBe(empty);
      expect(await hosts.fingerprint()).toBe(one);
      await hosts.update(host("h", { labels: { a: "b" } }), host("h").updatedAt);
      const changed = await hosts.fingerprint();
      expect(changed).not.toBe(one);
      await hosts.delete("h");
      expect(await hosts.fingerprint()).toBe(empty);
      // The same id registered again (later) is another host, even before any change to it.
      await hosts.insert(host("h", { createdAt: "2026-06-01T00:00:00.000Z" }));
      expect(await hosts.fingerprint()).not.toBe(one);
    });
  });
}

export function metaContract(store: () => Store): void {
  describe("meta", () => {
    it("gets what was set, the latest value of a key", async () => {
      const { meta } = store();
      expect(await meta.get("k")).toBeUndefined();
      await meta.set("k", "one");
      await meta.set("other", "x");
      await meta.set("k", "two");
      expect(await meta.get("k")).toBe("two");
      expect(await meta.get("other")).toBe("x");
    });

    it("sets a key only when it has no value, for exactly one of several callers", async () => {
      const { meta } = store();
      const results = await Promise.all(["a", "b", "c"].map((value) => meta.setIfAbsent("first", value)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ["a", "b", "c"][results.indexOf(true)];
      expect(await meta.get("first")).toBe(winner);
      await meta.set("later", "set");
      expect(await meta.setIfAbsent("later", "again")).toBe(false);
      expect(await meta.get("later")).toBe("set");
    });
  });
}
