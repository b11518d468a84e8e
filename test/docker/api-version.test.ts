import { describe, expect, it } from "vitest";
import { ApiVersionNegotiation } from "../../src/docker/api-version.js";
import type { CallOptions } from "../../src/docker/call-options.js";

/** A daemon that offers `offered` once `answer()` is called; it records each request's options. */
function daemon(offered: string) {
  const asked: CallOptions[] = [];
  const chosen: string[] = [];
  let answer = () => {};
  const negotiation = new ApiVersionNegotiation({
    hostId: "edge-1",
    offered: (options) => {
      asked.push(options);
      return new Promise((resolve) => {
        answer = () => resolve(offered);
      });
    },
    chosen: (apiVersion) => chosen.push(apiVersion),
  });
  return { negotiation, asked, chosen, answer: () => answer() };
}

describe("the Engine API version spoken to a host", () => {
  it("is asked once for all the callers waiting, and a newer daemon is spoken to at portcall's newest", async () => {
    const host = daemon("1.51");
    const first = host.negotiation.resolve({});
    const second = host.negotiation.resolve({ timeoutMs: 500 });
    host.answer();
    expect(await Promise.all([first, second])).toEqual(["1.47", "1.47"]);
    expect(await host.negotiation.resolve({})).toBe("1.47");
    expect(host.asked).toHaveLength(1);
    expect(host.chosen).toEqual(["1.47"]);
    expect(host.negotiation.settled).toBe("1.47");
  });

  it("refuses a daemon older than portcall speaks, and asks again on the next call", async () => {
    const host = daemon("1.39");
    const first = host.negotiation.resolve({});
    host.answer();
    await expect(first).rejects.toMatchObject({
      code: "host_error",
      message: 'Host "edge-1" speaks Engine API 1.39; portcall needs 1.40 or newer.',
    });
    const second = host.negotiation.resolve({});
    host.answer();
    await expect(second).rejects.toMatchObject({ code: "host_error" });
    expect(host.asked).toHaveLength(2);
    expect(host.negotiation.settled).toBeUndefined();
  });

  it("lets a caller whose client left stop waiting, and drops the request once nobody waits", async () => {
    const host = daemon("1.45");
    const leaving = new AbortController();
    const staying = new AbortController();
    const left = host.negotiation.resolve({ signal: leaving.signal });
    const stays = host.negotiation.resolve({ signal: staying.signal });
    leaving.abort();
    await expect(left).rejects.toMatchObject({ code: "host_unavailable" });
    expect(host.asked[0]?.signal?.aborted).toBe(false);
    staying.abort();
    await expect(stays).rejects.toMatchObject({ code: "host_unavailable" });
    expect(host.asked[0]?.signal?.aborted).toBe(true);
  });
});
