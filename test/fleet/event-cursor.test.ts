import { describe, expect, it } from "vitest";
import { EventCursor } from "../../src/fleet/event-cursor.js";

describe("the resume cursor of the merged event stream", () => {
  it("survives its own encoding, per host to the nanosecond", () => {
    const cursor = EventCursor.at(Date.parse("2026-11-28T00:00:00Z"));
    cursor.advance("rig1", 1795839804883226141n);
    cursor.advance("rig2", 1795839700000000001n);
    const resumed = EventCursor.decode(cursor.encode());
    expect(resumed.sinceFor("rig1")).toBe(1795839804883226142n);
    expect(resumed.sinceFor("rig2")).toBe(1795839700000000002n);
    expect(resumed.sinceFor("rig3")).toBe(BigInt(Date.parse("2026-11-28T00:00:00Z")) * 1_000_000n);
  });

  it("stays small: about 100 characters for three hosts", () => {
    const cursor = EventCursor.fresh();
    for (const host of ["rig1", "rig2", "rig3"]) cursor.advance(host, BigInt(Date.now()) * 1_000_000n + 123n);
    expect(cursor.encode().length).toBeLessThan(130);
  });

  it("gives an id it can read back for any number of hosts, resuming the ones it left out early rather than late", () => {
    const start = 1795839000000000000n;
    const cursor = EventCursor.at(Number(start / 1_000_000n));
    const hosts = Array.from(
      { length: 600 },
      (_, index) => `host-with-a-rather-long-name-${String(index).padStart(4, "0")}`,
    );
    for (const [index, host] of hosts.entries()) cursor.advance(host, start + BigInt(index + 1) * 1_000n);
    const id = cursor.encode();
    expect(id.length).toBeLessThanOrEqual(8192);
    const resumed = EventCursor.decode(id);
    // The newest hosts keep their exact place; none resumes after an event it has not delivered.
    expect(resumed.sinceFor("host-with-a-rather-long-name-0599")).toBe(start + 600_001n);
    hosts.forEach((host, index) => {
      expect(resumed.sinceFor(host)).toBeLessThanOrEqual(start + BigInt(index + 1) * 1_000n + 1n);
    });
    expect(resumed.sinceFor("host-with-a-rather-long-name-0000")).toBeGreaterThanOrEqual(start);
  });

  it("forgets hosts the stream no longer covers", () => {
    const start = Date.parse("2026-11-28T00:00:00Z");
    const cursor = EventCursor.at(start);
    cursor.advance("rig1", 1795839804000000005n);
    cursor.advance("rig2", 1795839804000000006n);
    const narrowed = EventCursor.decode(cursor.narrowTo(["rig2"]).encode());
    expect(narrowed.sinceFor("rig2")).toBe(1795839804000000007n);
    expect(narrowed.sinceFor("rig1")).toBe(BigInt(start) * 1_000_000n);
  });

  it("lets a host far behind resume from about 104 days back, not from a rounded time", () => {
    const cursor = EventCursor.at(Date.parse("2026-11-28T00:00:00Z"));
    cursor.advance("old", 1n);
    const since = EventCursor.decode(cursor.encode()).sinceFor("old");
    expect(BigInt(Date.parse("2026-11-28T00:00:00Z")) * 1_000_000n - since).toBe(
      BigInt(Number.MAX_SAFE_INTEGER) - 1n,
    );
  });

  it("takes an RFC 3339 time as the start for every host", () => {
    const cursor = EventCursor.resume("2026-11-28T01:02:03.5+01:00");
    expect(cursor.sinceFor("any")).toBe(BigInt(Date.parse("2026-11-28T00:02:03.500Z")) * 1_000_000n);
  });

  it("gives out only ids it takes back, whatever time it is asked to start from", () => {
    for (const since of ["1900-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"]) {
      const cursor = EventCursor.resume(since);
      const resumed = EventCursor.decode(cursor.encode());
      expect(resumed.sinceFor("any")).toBe(cursor.sinceFor("any"));
      expect(resumed.sinceFor("any")).toBeGreaterThanOrEqual(0n);
    }
    const clocked = EventCursor.at(0);
    clocked.advance("skewed", 10n ** 24n);
    expect(() => EventCursor.decode(clocked.encode())).not.toThrow();
  });

  it("refuses anything it did not give out with 400", () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const text of [
      "5",
      "not base64!",
      encode({ rig1: 1 }),
      encode(["1", 0, { "../etc": 1 }]),
      encode(["1", -1, {}]),
      encode(["x", 0, {}]),
      encode(["1", 0, { rig1: 1.5 }]),
      // Offsets reaching back past zero: the start or a host before any time there is.
      encode(["1", 9007199254740991, {}]),
      encode(["1", 2, {}]),
      encode(["5", 0, { rig1: 6 }]),
      "A".repeat(9000),
    ]) {
      expect(() => EventCursor.resume(text), text.slice(0, 40)).toThrow(
        expect.objectContaining({ code: "invalid_request" }),
      );
    }
  });
});
