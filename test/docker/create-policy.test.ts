import type Dockerode from "dockerode";
import { beforeAll, describe, expect, it } from "vitest";
import { toContainerPowers } from "../../src/docker/container-mapper.js";
import { checkExecTarget, toDockerCreateBody } from "../../src/docker/create-policy.js";
import { ApiError } from "../../src/errors/api-error.js";
import { ContainerSpecSchema } from "../../src/schemas/container-create.js";
import { type TestApp, testApp } from "../support/app.js";
import { readJson } from "../support/http.js";

const defaults = { memoryBytes: 128 * 1024 * 1024, pids: 256 };
const spec = (extra: Record<string, unknown>) => ContainerSpecSchema.parse({ image: "busybox:1", ...extra });
const build = (extra: Record<string, unknown>, policy: Record<string, unknown> = {}) =>
  toDockerCreateBody(spec(extra), policy, defaults);

function denial(extra: Record<string, unknown>, policy: Record<string, unknown> = {}): string {
  try {
    build(extra, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("policy_denied");
    return (error as ApiError).message;
  }
  throw new Error("the policy allowed it");
}

describe("the create policy", () => {
  it("always sets no-new-privileges, never privileged, and default memory and pids limits", () => {
    const body = build({});
    expect(body.HostConfig).toMatchObject({
      SecurityOpt: ["no-new-privileges:true"],
      Privileged: false,
      Memory: defaults.memoryBytes,
      PidsLimit: defaults.pids,
    });
    expect(build({ limits: { memoryBytes: 64 * 1024 * 1024, pids: 10 } }).HostConfig).toMatchObject({
      Memory: 64 * 1024 * 1024,
      PidsLimit: 10,
    });
  });

  it("publishes on 127.0.0.1 by default", () => {
    expect(build({ ports: [{ containerPort: 80 }] }).HostConfig?.PortBindings).toEqual({
      "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
    });
  });

  it.each([
    ["the Docker socket", "/var/run/docker.sock"],
    ["anything under /run", "/run/containerd"],
    ["the whole of /var/run's parent", "/var"],
    ["the host's root", "/"],
    ["/proc", "/proc/1"],
  ])("never binds %s, whatever the grant", (_, source) => {
    const message = denial(
      { mounts: [{ type: "bind", source, target: "/x" }] },
      { binds: [{ path: "/", readWrite: true }] },
    );
    expect(message).toMatch(/mounts\.0\.source: binding .* would expose/);
    expect(message).toContain("No grant allows it");
  });

  it("denies host binds without a grant, naming the grant that would allow it", () => {
    expect(denial({ mounts: [{ type: "bind", source: "/srv/data", target: "/data" }] })).toBe(
      'mounts.0.source: a bind mount of host path /srv/data is not allowed. The policy grant binds: [{ path: "/srv/data" }] would allow it.',
    );
  });

  it("allows a bind under a granted prefix read-only, and writable only when the grant says so", () => {
    const grant = { binds: [{ path: "/srv" }] };
    expect(
      build({ mounts: [{ type: "bind", source: "/srv/data", target: "/data" }] }, grant).HostConfig?.Mounts,
    ).toEqual([{ Type: "bind", Source: "/srv/data", Target: "/data", ReadOnly: true }]);
    expect(
      denial({ mounts: [{ type: "bind", source: "/srv/data", target: "/data", readOnly: false }] }, grant),
    ).toMatch(/mounts\.0\.readOnly: writing to \/srv\/data/);
    expect(denial({ mounts: [{ type: "bind", source: "/srvx", target: "/data" }] }, grant)).toMatch(
      /not allowed/,
    );
  });

  it("denies publishing beyond loopback and the host network without their grants", () => {
    expect(denial({ ports: [{ containerPort: 80, hostIp: "0.0.0.0" }] })).toContain("publicPorts: true");
    expect(denial({ ports: [{ containerPort: 80, hostIp: "::" }] })).toContain("publicPorts: true");
    expect(
      build({ ports: [{ containerPort: 80, hostIp: "0.0.0.0" }] }, { publicPorts: true }).HostConfig
        ?.PortBindings,
    ).toBeDefined();
    expect(denial({ network: "host" })).toContain("hostNetwork: true");
  });

  it("refuses '..' in a bind source before the policy even looks", () => {
    expect(
      ContainerSpecSchema.safeParse({
        image: "busybox:1",
        mounts: [{ type: "bind", source: "/srv/../run", target: "/x" }],
      }).success,
    ).toBe(false);
  });
});

describe("the create schema over HTTP", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  });
  const create = (raw: string) =>
    app.request("/v1/hosts/nowhere/containers", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: raw,
    });

  it.each([
    ["Privileged", '{"image":"busybox:1","Privileged":true}'],
    ["privileged", '{"image":"busybox:1","privileged":true}'],
    ["an escaped \\u0050rivileged", '{"image":"busybox:1","\\u0050rivileged":true}'],
    ["HostConfig", '{"image":"busybox:1","HostConfig":{"Binds":["/:/host"]}}'],
    ["a capability", '{"image":"busybox:1","capAdd":["SYS_ADMIN"]}'],
    ["volumesFrom", '{"image":"busybox:1","volumesFrom":["db"]}'],
    ["devices", '{"image":"busybox:1","devices":[{"pathOnHost":"/dev/sda"}]}'],
    ["a host pid namespace", '{"image":"busybox:1","pidMode":"host"}'],
    ["another container's network", '{"image":"busybox:1","network":"container:db"}'],
    ["an unconfined security option", '{"image":"busybox:1","securityOpt":["seccomp=unconfined"]}'],
    ["sysctls", '{"image":"busybox:1","sysctls":{"net.ipv4.ip_forward":"1"}}'],
    ["a cgroup parent", '{"image":"busybox:1","cgroupParent":"/"}'],
    ["a custom runtime", '{"image":"busybox:1","runtime":"runc-unsafe"}'],
    ["a user namespace mode", '{"image":"busybox:1","usernsMode":"host"}'],
    [
      "a key inside a mount",
      '{"image":"busybox:1","mounts":[{"type":"volume","source":"v","target":"/v","propagation":"shared"}]}',
    ],
    ["a duplicate key", '{"image":"busybox:1","image":"evil:1"}'],
    ["a duplicate escaped key", '{"image":"busybox:1","\\u0069mage":"evil:1"}'],
    ["an image reference with a path trick", '{"image":"../../etc/passwd"}'],
  ])("answers 400 for %s", async (_, raw) => {
    const res = await create(raw);
    expect(res.status).toBe(400);
    expect((await readJson(res)).code).toBe("invalid_request");
  });
});

describe("what exec weighs of a container", () => {
  const inspected = (hostConfig: Record<string, unknown>) =>
    ({ Id: "c1", HostConfig: hostConfig, Mounts: [] }) as unknown as Dockerode.ContainerInspectInfo;
  const refusal = (powers: ReturnType<typeof toContainerPowers>) => {
    try {
      checkExecTarget(powers, {});
      return undefined;
    } catch (error) {
      return error instanceof ApiError ? error.message : String(error);
    }
  };

  it("refuses a container in the host's cgroup namespace where that is not every container's default", () => {
    const info = inspected({ CgroupnsMode: "host" });
    expect(refusal(toContainerPowers(info, [], { hostCgroupIsDefault: false }))).toMatch(
      /shares the cgroup namespace of host/,
    );
    // On a cgroup v1 daemon every container is there unless it asks otherwise.
    expect(refusal(toContainerPowers(info, [], { hostCgroupIsDefault: true }))).toBeUndefined();
    expect(refusal(toContainerPowers(inspected({ CgroupnsMode: "private" }), []))).toBeUndefined();
  });

  it("refuses a container with kernel settings of its own", () => {
    const info = inspected({ Sysctls: { "kernel.shm_rmid_forced": "1" } });
    expect(refusal(toContainerPowers(info, []))).toMatch(/kernel settings \(kernel.shm_rmid_forced=1\)/);
  });
});
