import { expect, it } from "vitest";
import { type Json, readJson } from "../../support/http.js";
import { codeOf, mcpAttackTarget, problemOf } from "../../support/mcp-attack.js";
import { bindBackedVolume, describeWithRig, dockerCli, rigDocker } from "../../support/rig.js";

describeWithRig("attacking the MCP endpoint", () => {
  const env = mcpAttackTarget();
  const { unique, busybox, labels, dockerRun, containersWith, result } = env;

  // The create policy, exec policy and image grants hold as over REST.

  it("the create policy holds over MCP: no host bind, host network, public port or bind-backed volume", async () => {
    const volume = `mcpsec-etc-${unique}`;
    await bindBackedVolume("rig1", volume, "/etc");
    try {
      const spec = { image: busybox, cmd: ["cat", "/h/passwd"], labels: labels({ "mcpsec.policy": unique }) };
      const refusals: Json[] = [
        { mounts: [{ type: "bind", source: "/etc", target: "/h" }] },
        { mounts: [{ type: "bind", source: "/", target: "/h", readOnly: false }] },
        { mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/h/docker.sock" }] },
        { mounts: [{ type: "bind", source: "/etc/../etc", target: "/h" }] },
        { network: "host" },
        { ports: [{ containerPort: 80, hostIp: "0.0.0.0", hostPort: 18080 }] },
        { mounts: [{ type: "volume", source: volume, target: "/h" }] },
      ];
      for (const extra of refusals) {
        for (const name of ["run_container", "create_container"]) {
          const res = await result(env.bot, name, {
            host: "rig1",
            ...spec,
            ...extra,
            start: name === "create_container",
          });
          expect(res.isError, `${name} ${JSON.stringify(extra)}`).toBe(true);
          expect(["policy_denied", "invalid_request"], `${name} ${JSON.stringify(extra)}`).toContain(
            codeOf(res),
          );
          expect(JSON.stringify(res)).not.toMatch(/root:x:0:0/);
        }
      }
      const [denied] = refusals;
      const explained = await result(env.bot, "run_container", { host: "rig1", ...spec, ...denied });
      expect(codeOf(explained)).toBe("policy_denied");
      expect(problemOf(explained).nextStep).toMatch(/grant/);
      expect(await containersWith("rig1", `mcpsec.policy=${unique}`)).toEqual([]);
      const runs = await readJson(await env.target.api(`/v1/runs?label=mcpsec.policy=${unique}`));
      expect(runs.items).toEqual([]);
    } finally {
      await dockerCli("rig1", "volume", "rm", "-f", volume);
    }
  });

  it("Docker's own fields smuggled beside portcall's, or a nested body beside the flat one, never reach the daemon", async () => {
    const name = `mcpsec-smuggle-${unique}`;
    const res = await result(env.bot, "create_container", {
      host: "rig1",
      image: busybox,
      name,
      cmd: ["sleep", "60"],
      labels: labels({ "mcpsec.smuggle": unique }),
      HostConfig: { Privileged: true, Binds: ["/:/host"], NetworkMode: "host", CapAdd: ["ALL"] },
      Privileged: true,
      CapAdd: ["SYS_ADMIN"],
      NetworkMode: "host",
      container: {
        image: busybox,
        name,
        mounts: [{ type: "bind", source: "/", target: "/host", readOnly: false }],
        network: "host",
      },
      spec: { mounts: [{ type: "bind", source: "/", target: "/host" }] },
    });
    const created = await containersWith("rig1", `mcpsec.smuggle=${unique}`);
    if (!res.isError) expect(created.length).toBe(1);
    for (const summary of created) {
      const detail = await rigDocker("rig1").getContainer(summary.Id).inspect();
      expect(detail.HostConfig.Privileged).toBe(false);
      expect(detail.HostConfig.Binds ?? []).toEqual([]);
      expect(detail.HostConfig.CapAdd ?? []).toEqual([]);
      expect(detail.HostConfig.NetworkMode).not.toBe("host");
      expect(detail.Mounts.filter((mount) => mount.Type === "bind")).toEqual([]);
      expect(detail.HostConfig.SecurityOpt?.some((opt: string) => opt.startsWith("no-new-privileges"))).toBe(
        true,
      );
      await rigDocker("rig1").getContainer(summary.Id).remove({ force: true });
    }
  });

  it("exec through MCP is refused into a container the token could not have created, and the command never runs", async () => {
    // Made behind portcall's back, as a CI runner or an admin would; the rig's daemons cannot run --privileged.
    const powers: string[][] = [
      ["--cap-add", "SYS_PTRACE"],
      ["--pid", "host"],
      ["--security-opt", "seccomp=unconfined"],
      ["-v", "/etc:/hostetc:ro"],
      ["--network", "host"],
    ];
    for (const [index, flags] of powers.entries()) {
      const name = `mcpsec-power${index}-${unique}`;
      await dockerRun("rig1", name, "-d", ...flags, busybox, "sleep", "600");
      const res = await result(env.bot, "exec_container", {
        host: "rig1",
        id: name,
        cmd: ["sh", "-c", "touch /tmp/pwned; cat /hostetc/shadow"],
      });
      expect(codeOf(res), flags.join(" ")).toBe("policy_denied");
      await expect(dockerCli("rig1", "exec", name, "test", "-e", "/tmp/pwned")).rejects.toThrow();
    }
  });

  it("image grants hold over MCP: a token without an images grant cannot remove an image by name or by id", async () => {
    const planted = `mcpsec/victim-${unique}:1`;
    await dockerCli("rig1", "tag", busybox, planted);
    try {
      const { Id } = await rigDocker("rig1").getImage(planted).inspect();
      for (const ref of [planted, Id, Id.slice("sha256:".length, 19), `docker.io/${planted}`]) {
        const res = await result(env.bot, "remove_image", { host: "rig1", ref, force: true });
        expect(res.isError, ref).toBe(true);
        expect(["policy_denied", "image_not_found"], ref).toContain(codeOf(res));
      }
      expect((await rigDocker("rig1").getImage(planted).inspect()).Id).toBe(Id);
      expect((await rigDocker("rig1").getImage(busybox).inspect()).Id).toBe(Id);
    } finally {
      await dockerCli("rig1", "rmi", planted).catch(() => "");
    }
  });
});
