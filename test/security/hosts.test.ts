import { afterAll, beforeAll, expect, it } from "vitest";
import {
  closedPort,
  fakeTlsDaemon,
  post,
  recordingListener,
  rigTls,
  silentPort,
  startTarget,
  type Target,
} from "../support/attack.js";
import { readJson } from "../support/http.js";
import { describeWithRig, rig } from "../support/rig.js";

/** Attacks on host registration by a token that may register hosts, against portcall's default settings. */
describeWithRig("registering hosts, as a non-admin with hosts:write", () => {
  let target: Target;
  let attacker: string;
  beforeAll(async () => {
    target = await startTarget();
    attacker = await target.mint("attacker", ["hosts:write", "hosts:read"], ["evil-*"]);
  });
  afterAll(() => target.discard());

  const hostIds = async () =>
    (await readJson(await target.api("/v1/hosts"))).items.map((host: { id: string }) => host.id);

  it("a non-admin cannot register a unix socket by writing its scheme in capitals, with spaces or any other spelling", async () => {
    const socket = rig().daemons.rig1?.socket ?? "";
    const spellings = [
      `unix://${socket}`,
      `UNIX://${socket}`,
      `Unix://${socket}`,
      ` unix://${socket}`,
      `\tunix://${socket}`,
      `unix://${socket} `,
      `unix:${socket}`,
      `unix:/${socket}`,
      `uNiX://${socket.replace("/docker.sock", "/./docker.sock")}`,
      `unix://${socket.replace(/\//g, "%2F").replace(/^%2F/, "/")}`,
    ];
    for (const [index, url] of spellings.entries()) {
      const res = await target.as(attacker, "/v1/hosts", post({ id: `evil-${index}`, url }));
      expect(res.status, JSON.stringify(url)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(url)).not.toBe(201);
    }
    expect((await hostIds()).filter((id: string) => id.startsWith("evil-"))).toEqual([]);
  });

  it("a non-admin cannot tell from the refusal whether a socket exists on portcall's machine", async () => {
    const existing = await target.as(
      attacker,
      "/v1/hosts",
      post({ id: "evil-probe", url: `unix://${rig().daemons.rig1?.socket}` }),
    );
    const missing = await target.as(
      attacker,
      "/v1/hosts",
      post({ id: "evil-probe", url: "unix:///no/such/docker.sock" }),
    );
    const file = await target.as(
      attacker,
      "/v1/hosts",
      post({ id: "evil-probe", url: "unix:///etc/passwd" }),
    );
    const details = await Promise.all(
      [existing, missing, file].map(async (res) => (await readJson(res)).detail),
    );
    expect([existing.status, missing.status, file.status]).toEqual([403, 403, 403]);
    expect(new Set(details).size).toBe(1);
    expect(details[0]).not.toMatch(/socket at|not a socket|cannot read/);
  });

  it("a non-admin cannot point portcall at this machine's own ports by any spelling of loopback", async () => {
    const listener = await silentPort();
    try {
      const tls = rigTls();
      const urls = [
        `tcp://127.0.0.1:${listener.port}`,
        `tcp://127.1.2.3:${listener.port}`,
        `tcp://localhost:${listener.port}`,
        `tcp://LOCALHOST:${listener.port}`,
        `tcp://[::1]:${listener.port}`,
        `tcp://[::ffff:127.0.0.1]:${listener.port}`,
        `tcp://[0:0:0:0:0:0:0:1]:${listener.port}`,
        `tcp://0177.0.0.1:${listener.port}`,
        `tcp://2130706433:${listener.port}`,
        `tcp://127.1:${listener.port}`,
        `tcp://0.0.0.0:${listener.port}`,
        `tcp://169.254.169.254:${listener.port}`,
        `tcp://[fe80::1]:${listener.port}`,
      ];
      for (const [index, url] of urls.entries()) {
        const res = await target.as(attacker, "/v1/hosts", post({ id: `evil-l${index}`, url, tls }));
        expect(res.status, url).toBe(403);
      }
      const ssh = await target.as(
        attacker,
        "/v1/hosts",
        post({
          id: "evil-ssh",
          url: `ssh://root@127.0.0.1:${listener.port}`,
          ssh: { privateKey: tls.key, hostKeyFingerprint: `SHA256:${"A".repeat(43)}` },
        }),
      );
      expect(ssh.status).toBeGreaterThanOrEqual(400);
      expect(ssh.status).not.toBe(201);
      expect(listener.connections).toBe(0);
      expect((await hostIds()).filter((id: string) => id.startsWith("evil-"))).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  it("a non-admin cannot register plain TCP, even on an address it may use", async () => {
    const res = await target.as(
      attacker,
      "/v1/hosts",
      post({ id: "evil-plain", url: "tcp://127.0.0.1:2375", insecure: true }),
    );
    expect(res.status).toBe(403);
  });

  it("a non-admin cannot move an admin's plain-TCP host elsewhere by leaving insecure out of the patch", async () => {
    const admins = await recordingListener();
    const elsewhere = await recordingListener();
    try {
      const created = await target.api(
        "/v1/hosts",
        post({ id: "evil-admins", url: admins.url, insecure: true }),
      );
      expect(created.status).toBe(201);
      const patches = [
        { url: elsewhere.url },
        { url: elsewhere.url, insecure: true },
        { url: `TCP://127.0.0.1:${elsewhere.port}` },
        { name: "mine now", url: elsewhere.url },
        { name: "passed off as another host" },
        { tls: rigTls() },
      ];
      for (const patch of patches) {
        const res = await target.as(attacker, "/v1/hosts/evil-admins", post(patch, "PATCH"));
        expect(res.status, JSON.stringify(patch)).toBe(403);
      }
      const deleted = await target.as(attacker, "/v1/hosts/evil-admins", { method: "DELETE" });
      expect(deleted.status).toBe(403);
      const host = await readJson(await target.api("/v1/hosts/evil-admins"));
      expect(host.url).toBe(admins.url);
      expect(host.owner).toBeNull();
      await target.api("/v1/hosts/evil-admins/info");
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await Promise.all([admins.close(), elsewhere.close()]);
    }
  });
});

describeWithRig("host grants", () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget();
    await target.api("/v1/hosts", post({ id: "plain", url: rig().daemons.rig1?.dockerHost }));
  });
  afterAll(() => target.discard());

  it("a grant on a label named like an object property (label:toString) covers no host without that label", async () => {
    for (const grant of ["label:toString", "label:constructor", "label:hasOwnProperty", "label:valueOf=x"]) {
      const token = await target.mint(`reader-${grant}`, ["hosts:read"], [grant]);
      const res = await target.as(token, "/v1/hosts");
      expect((await readJson(res)).items, grant).toEqual([]);
      expect((await target.as(token, "/v1/hosts/plain")).status, grant).toBe(404);
    }
  });
});

describeWithRig("registering hosts where the operator allowed loopback", () => {
  let target: Target;
  let attacker: string;
  beforeAll(async () => {
    // A short deadline: the open port never answers the TLS handshake.
    target = await startTarget({ PORTCALL_HOST_ALLOW: "127.0.0.1/32", PORTCALL_DOCKER_TIMEOUT_MS: "1500" });
    attacker = await target.mint("attacker", ["hosts:write", "hosts:read"], ["evil-*"]);
  });
  afterAll(() => target.discard());

  it("registering hosts cannot map which ports are open, or read what answers there: all fail alike, at the deadline", async () => {
    const open = await silentPort();
    // Other HTTPS services the CA vouches for: one with a secret in its error page, one with a /version of its own.
    const errorPage = await fakeTlsDaemon(() => ({
      status: 404,
      body: { message: "internal: AWS_SECRET=AKIA" },
    }));
    const otherVersion = await fakeTlsDaemon(() => ({ status: 200, body: { major: "1", minor: "29" } }));
    try {
      const tls = rigTls();
      const ports = {
        open: open.port,
        closed: await closedPort(),
        errorPage: errorPage.port,
        otherVersion: otherVersion.port,
      };
      const answers: Record<string, { status: number; detail: string; statusError: string }> = {};
      for (const [kind, port] of Object.entries(ports)) {
        const id = `evil-${kind.toLowerCase()}`;
        const res = await target.as(attacker, "/v1/hosts", post({ id, url: `tcp://127.0.0.1:${port}`, tls }));
        expect(res.status).toBe(201);
        const started = performance.now();
        const info = await target.as(attacker, `/v1/hosts/${id}/info`);
        // Never sooner than the deadline (1500 ms), whatever is there; a slow machine only adds.
        expect(performance.now() - started, kind).toBeGreaterThanOrEqual(1400);
        const host = await readJson(await target.as(attacker, `/v1/hosts/${id}`));
        answers[kind] = {
          status: info.status,
          detail: (await readJson(info)).detail.replace(id, "ID"),
          statusError: String(host.status.error).replace(id, "ID"),
        };
      }
      for (const kind of Object.keys(ports)) expect(answers[kind], kind).toEqual(answers.closed);
      expect(answers.open?.detail).toBe('Host "ID" is unreachable.');
      expect(JSON.stringify(answers)).not.toContain("AWS_SECRET");
      // An address outside the allow list is still refused.
      const outside = await target.as(
        attacker,
        "/v1/hosts",
        post({ id: "evil-x", url: "tcp://127.0.0.2:1", tls }),
      );
      expect(outside.status).toBe(403);
    } finally {
      await Promise.all([open.close(), errorPage.close(), otherVersion.close()]);
    }
  });

  it("a host the operator allowed by address still cannot be a unix socket or a name", async () => {
    for (const url of [`unix://${rig().daemons.rig1?.socket}`, "tcp://localhost:2376"]) {
      const res = await target.as(attacker, "/v1/hosts", post({ id: "evil-y", url, tls: rigTls() }));
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).not.toBe(201);
    }
  });
});
