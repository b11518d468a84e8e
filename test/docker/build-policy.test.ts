import { describe, expect, it } from "vitest";
import { buildSandbox, checkDockerfile } from "../../src/docker/build-policy.js";
import { ApiError } from "../../src/errors/api-error.js";

const limits = { memoryBytes: 512 * 1024 * 1024, cpus: 0.5 };
const refusal = (dockerfile: Buffer | string, policy: Record<string, unknown> = {}) => {
  try {
    checkDockerfile(Buffer.isBuffer(dockerfile) ? dockerfile : Buffer.from(dockerfile), policy);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  return undefined;
};

describe("the build sandbox", () => {
  it("gives every build the configured limits and no network, unless the token's policy grants one", () => {
    expect(buildSandbox({}, limits)).toEqual({ ...limits, network: "none" });
    expect(buildSandbox({ build: { network: true } }, limits)).toEqual({ ...limits, network: "default" });
    // A policy that does not parse grants nothing, and no grant reaches the host's network.
    expect(buildSandbox({ build: { network: "host" } }, limits).network).toBe("none");
    expect(buildSandbox({ hostNetwork: true }, limits).network).toBe("none");
  });

  it("refuses a remote ADD with policy_denied, naming the line and the grant", () => {
    const error = refusal("FROM busybox\nADD https://example.com/x /x\n");
    expect(error?.code).toBe("policy_denied");
    expect(error?.message).toMatch(
      /^Dockerfile line 2: ADD https:\/\/example\.com\/x: the daemon would fetch it/,
    );
    expect(error?.message).toContain("build: { remoteSources: true }");
    expect(refusal("FROM busybox\nADD https://example.com/x /x\n", { build: { remoteSources: true } })).toBe(
      undefined,
    );
  });

  it("says why a variable source is refused, and what to write instead", () => {
    expect(refusal("FROM busybox\nADD $URL /x\n")?.message).toMatch(
      /could name a URL.*use COPY, or a literal path/,
    );
  });

  it("reads a Dockerfile that is not UTF-8 byte by byte, as the daemon does", () => {
    // A lone 0xA0 byte ends a flag for the daemon's flag reader, where UTF-8 decoding would hide it.
    const latin1 = Buffer.concat([
      Buffer.from("FROM busybox\nADD --chown="),
      Buffer.from([0xa0]),
      Buffer.from("$URL /x\n"),
    ]);
    expect(refusal(latin1)?.code).toBe("policy_denied");
  });

  it("leaves a Dockerfile without remote sources alone", () => {
    expect(refusal("FROM busybox\nCOPY . /app\nADD app.tar.gz /opt/\nRUN make\n")).toBe(undefined);
  });
});
