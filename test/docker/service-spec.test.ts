import { describe, expect, it } from "vitest";
import { checkSwarmSpec, toSwarmServiceSpec } from "../../src/docker/service-spec.js";
import { ApiError } from "../../src/errors/api-error.js";

const defaults = { memoryBytes: 64 * 1024 * 1024, pids: 100 };
const base = { name: "web", image: "busybox:1.36", replicas: 2 };
const denied = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  }
  return "allowed";
};

describe("Swarm service specs under the container create policy", () => {
  it("sets the default memory and pids limits on every task", () => {
    const spec = toSwarmServiceSpec(base, {}, defaults);
    expect(spec.TaskTemplate?.Resources?.Limits).toEqual({ MemoryBytes: defaults.memoryBytes, Pids: 100 });
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 2 } });
  });

  it("publishes ports only with the publicPorts grant: Swarm binds every address of the node", () => {
    const settings = { ...base, ports: [{ targetPort: 80, protocol: "tcp" as const }] };
    expect(denied(() => toSwarmServiceSpec(settings, {}, defaults))).toMatch(/^policy_denied: ports\.0/);
    const spec = toSwarmServiceSpec(settings, { publicPorts: true }, defaults);
    expect(spec.EndpointSpec?.Ports).toEqual([{ Protocol: "tcp", TargetPort: 80, PublishMode: "host" }]);
  });

  it("binds host paths only under a grant, and the host network only with hostNetwork", () => {
    const bind = {
      ...base,
      mounts: [{ type: "bind" as const, source: "/srv/data", target: "/d", readOnly: true }],
    };
    expect(denied(() => toSwarmServiceSpec(bind, {}, defaults))).toMatch(/^policy_denied: mounts\.0\.source/);
    expect(denied(() => toSwarmServiceSpec(bind, { binds: [{ path: "/srv" }] }, defaults))).toBe("allowed");
    const host = { ...base, networks: ["host"] };
    expect(denied(() => toSwarmServiceSpec(host, {}, defaults))).toMatch(/hostNetwork: true/);
  });

  it("refuses a whole spec that gives its tasks power, whoever wrote it, but not Swarm's own defaults", () => {
    const written = (container: Record<string, unknown>) => ({
      TaskTemplate: {
        ContainerSpec: { Image: "busybox", Isolation: "default", ...container },
        Runtime: "container",
      },
    });
    expect(denied(() => checkSwarmSpec(written({}), {}, new Set(["host"])))).toBe("allowed");
    expect(
      denied(() => checkSwarmSpec(written({ CapabilityAdd: ["CAP_SYS_ADMIN"] }), {}, new Set())),
    ).toMatch(/CapabilityAdd/);
    expect(
      denied(() => checkSwarmSpec(written({ Sysctls: { "net.ipv4.ip_forward": "1" } }), {}, new Set())),
    ).toMatch(/Sysctls/);
    const socket = written({ Mounts: [{ Type: "bind", Source: "/var/run/docker.sock", Target: "/s" }] });
    expect(denied(() => checkSwarmSpec(socket, { binds: [{ path: "/" }] }, new Set()))).toMatch(/\/var\/run/);
    const onHost = {
      ...written({}),
      TaskTemplate: { ...written({}).TaskTemplate, Networks: [{ Target: "abc123" }] },
    };
    expect(denied(() => checkSwarmSpec(onHost, {}, new Set(["host", "abc123"])))).toMatch(/host's network/);
    // Networks given the pre-1.44 way, beside the task template, are the tasks' networks all the same.
    const onHostTheOldWay = { ...written({}), Networks: [{ Target: "abc123" }] };
    expect(denied(() => checkSwarmSpec(onHostTheOldWay, {}, new Set(["abc123"])))).toMatch(/host's network/);
    const plugin = { TaskTemplate: { Runtime: "plugin", PluginSpec: { Name: "x" } } };
    expect(denied(() => checkSwarmSpec(plugin, {}, new Set()))).toMatch(/runtime plugin/);
  });
});
