import { describe, expect, it } from "vitest";
import { canUseHost, grantCovered, type Principal, policyCovered } from "../../src/auth/principal.js";

const principal = (hosts: string[]): Principal => ({
  subject: "s",
  tokenId: "t",
  issuer: "portcall",
  scopes: new Set(),
  hosts,
  policy: {},
  expiresAt: 0,
});

describe("host grants", () => {
  it.each([
    [["*"], { id: "anything", labels: {} }, true],
    [["build-1"], { id: "build-1", labels: {} }, true],
    [["build-1"], { id: "build-10", labels: {} }, false],
    [["build-*"], { id: "build-eu-3", labels: {} }, true],
    [["build-*"], { id: "prod-1", labels: {} }, false],
    [["label:env=prod"], { id: "x", labels: { env: "prod" } }, true],
    [["label:env=prod"], { id: "x", labels: { env: "staging" } }, false],
    [["label:gpu"], { id: "x", labels: { gpu: "a100" } }, true],
    [["label:gpu"], { id: "x", labels: {} }, false],
  ])("grants %j on host %j: %s", (hosts, host, expected) => {
    expect(canUseHost(principal(hosts), host)).toBe(expected);
  });

  it.each([
    ["build-eu-*", ["build-*"], true],
    ["build-1", ["build-*"], true],
    ["*", ["build-*"], false],
    ["prod-*", ["build-*"], false],
    ["label:env=prod", ["label:env=prod"], true],
    ["label:env=prod", ["build-*"], false],
    ["build-*", ["label:env=prod"], false],
    ["anything", ["*"], true],
    ["a*b", ["a*"], true],
    ["a*", ["a*b"], false],
  ])("a request for %s is covered by %j: %s", (requested, held, expected) => {
    expect(grantCovered(requested, held)).toBe(expected);
  });

  it("covers a policy request only by what is held", () => {
    expect(policyCovered({}, {})).toBe(true);
    expect(policyCovered({ binds: ["/srv"] }, { binds: ["/srv", "/data"] })).toBe(true);
    expect(policyCovered({ binds: ["/"] }, { binds: ["/srv"] })).toBe(false);
    expect(policyCovered({ publishAll: true }, {})).toBe(false);
    expect(policyCovered({ publishAll: true }, { publishAll: true })).toBe(true);
  });
});
