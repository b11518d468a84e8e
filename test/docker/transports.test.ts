import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { HostCreate } from "../../src/schemas/host.js";
import { appOver, testServices } from "../support/app.js";
import { readJson } from "../support/http.js";
import { describeWithRig, ensureImage, removeLabelled, rig, rigDocker, testLabel } from "../support/rig.js";
import { read, transportHosts } from "../support/transports.js";

describeWithRig("reaching daemons over unix socket, mutual TLS and SSH", () => {
  const label = testLabel();
  const daemonOf = { unix: "rig1", tls: "rig2", ssh: "rig3" } as const;
  let hosts: Awaited<ReturnType<typeof transportHosts>>;

  beforeAll(async () => {
    hosts = await transportHosts();
    expect(rig().tls.daemon).toBe(daemonOf.tls);
    expect(rig().ssh.daemon).toBe(daemonOf.ssh);
    for (const [transport, daemon] of Object.entries(daemonOf)) {
      const docker = rigDocker(daemon);
      await ensureImage(docker, rig().images.busybox);
      await docker.createContainer({
        Image: rig().images.busybox,
        name: `${transport}-${label.value.slice(0, 8)}`,
        Labels: { [label.key]: label.value },
      });
    }
  });
  afterAll(async () => {
    await Promise.all(
      Object.values(daemonOf).map((daemon) => removeLabelled(rigDocker(daemon), label.filter)),
    );
  });

  it("lists each daemon's containers through the same route, whatever the transport", async () => {
    const services = await testServices({ hosts: Object.values(hosts) });
    const app = await appOver(services);
    for (const [transport, host] of Object.entries(hosts)) {
      const res = await app.request(`/v1/hosts/${host.id}/containers?all=true&label=${label.filter}`);
      expect(res.status, transport).toBe(200);
      expect((await readJson(res)).items.map((c: { name: string }) => c.name)).toEqual([
        `${transport}-${label.value.slice(0, 8)}`,
      ]);
    }
    await services.hosts.probeAll();
    const { items } = await readJson(await app.request("/v1/hosts"));
    expect(
      items.map((h: { id: string; transport: string; status: { reachable: boolean } }) => [
        h.id,
        h.transport,
        h.status.reachable,
      ]),
    ).toEqual([
      ["via-ssh", "ssh", true],
      ["via-tls", "tcp", true],
      ["via-unix", "unix", true],
    ]);
    const tlsHost = items.find((h: { id: string }) => h.id === "via-tls");
    expect(tlsHost.tls.certSubject).toBeTruthy();
    expect(Date.parse(tlsHost.tls.certExpiresAt)).toBeGreaterThan(Date.now());
    expect(items.find((h: { id: string }) => h.id === "via-ssh").ssh).toEqual({
      username: rig().ssh.user,
      hostKeyFingerprint: rig().ssh.hostKeyFingerprint,
    });
    await services.hosts.close();
  });

  /** The problem a call to a host registered with these settings ends in; the host is closed after. */
  async function problemThrough(host: HostCreate) {
    const services = await testServices({ hosts: [host] });
    try {
      const res = await (await appOver(services)).request(`/v1/hosts/${host.id}/containers`);
      expect(res.status).toBe(503);
      return await readJson(res);
    } finally {
      await services.hosts.close();
    }
  }

  it("answers 503 naming the TLS failure when the daemon refuses portcall's client certificate", async () => {
    const { tls } = rig();
    const problem = await problemThrough({
      id: "rogue",
      url: tls.url,
      tls: { ca: await read(tls.ca), cert: await read(tls.rogueCert), key: await read(tls.rogueKey) },
    });
    expect(problem.code).toBe("host_unavailable");
    expect(problem.detail).toMatch(/TLS|connection was reset/);
  });

  it("answers 503 naming the TLS failure when the daemon's certificate is not signed by the given CA", async () => {
    const { tls } = rig();
    const problem = await problemThrough({
      id: "untrusted",
      url: tls.url,
      tls: { ca: await read(tls.rogueCa), cert: await read(tls.cert), key: await read(tls.key) },
    });
    expect(problem.detail).toMatch(/the TLS handshake failed \(\w+/);
  });

  it("answers 503 naming the host key when the SSH server presents another one", async () => {
    const { ssh } = rig();
    const problem = await problemThrough({
      id: "spoofed",
      url: ssh.url,
      ssh: {
        privateKey: await read(ssh.privateKey),
        hostKeyFingerprint: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
      },
    });
    expect(problem.detail).toContain(`presented key ${ssh.hostKeyFingerprint}`);
  });

  it("answers 503 naming the authentication failure for an SSH key the server does not accept", async () => {
    const { ssh } = rig();
    const dir = await mkdtemp(join(tmpdir(), "portcall-key-"));
    try {
      await promisify(execFile)("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id")]);
      const problem = await problemThrough({
        id: "stranger",
        url: ssh.url,
        ssh: { privateKey: await read(join(dir, "id")), hostKey: await read(ssh.hostPublicKey) },
      });
      expect(problem.detail).toMatch(/ssh: .*authentication/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
