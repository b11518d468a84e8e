import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeDaemon, fakeTlsDaemon, post, rigTls, startTarget, type Target } from "../support/attack.js";
import { readJson } from "../support/http.js";
import { describeWithRig, rig } from "../support/rig.js";

/** Every header value the fake daemon saw, X-Registry-Auth decoded too, as one text to search. */
function everythingSent(daemon: FakeDaemon): string {
  return daemon.requests
    .flatMap((request) =>
      Object.values(request.headers).flatMap((value) => {
        const text = String(value);
        return [
          text,
          Buffer.from(text, "base64").toString("utf8"),
          Buffer.from(text, "base64url").toString("utf8"),
        ];
      }),
    )
    .join("\n");
}

/**
 * A token that may register hosts runs a daemon of its own and registers it. Nothing of anyone else's may reach
 * it: not the registry password an admin stored, not another subject's runs placed by labels.
 */
describeWithRig("a host a token registered receives nothing of anyone else's", () => {
  let target: Target;
  let attacker: string;
  let victim: string;
  let fake: FakeDaemon;
  beforeAll(async () => {
    // The operator lets tokens register loopback hosts, so the attacker's listener can be registered at all.
    target = await startTarget({ PORTCALL_HOST_ALLOW: "127.0.0.1/32" });
    const { authRegistry } = rig();
    const stored = await target.api(
      `/v1/registries/${authRegistry.address}`,
      post({ username: authRegistry.username, password: authRegistry.password }, "PUT"),
    );
    expect(stored.status).toBeLessThan(300);
    const admin = await target.api(
      "/v1/hosts",
      post({ id: "prod-a", url: rig().daemons.rig1?.dockerHost, labels: { env: "prod" } }),
    );
    expect(admin.status).toBe(201);
    // Looks idle, so placement by load would prefer it.
    fake = await fakeTlsDaemon((req) =>
      req.method === "GET" && /\/containers\/json/.test(req.url) ? { status: 200, body: [] } : undefined,
    );
    attacker = await target.mint(
      "attacker",
      ["hosts:write", "hosts:read", "images:write", "runs:create", "runs:read"],
      ["*"],
    );
    victim = await target.mint("victim", ["runs:create", "runs:read"], ["*"]);
  });
  afterAll(async () => {
    await fake?.close();
    await target.discard();
  });

  it("a token's own daemon never receives the registry password an admin stored", async () => {
    const registered = await target.as(
      attacker,
      "/v1/hosts",
      post({ id: "evil-daemon", url: fake.url, tls: rigTls() }),
    );
    expect(registered.status).toBe(201);
    expect((await readJson(registered)).owner).toBe("portcall:attacker");

    const image = rig().images.busyboxAuth;
    const pull = await target.as(attacker, "/v1/hosts/evil-daemon/images/pull", post({ image }));
    expect(pull.status).toBe(401);
    expect((await readJson(pull)).code).toBe("registry_auth_failed");
    const run = await target.as(
      attacker,
      "/v1/runs",
      post({ host: "evil-daemon", image, cmd: ["true"], pull: "always" }),
    );
    expect(run.status).toBeGreaterThanOrEqual(400);
    expect(fake.requests.some((request) => request.url.includes("/images/create"))).toBe(true);
    expect(everythingSent(fake)).not.toContain(rig().authRegistry.password);

    // The credentials are there, and work, on the host the admin registered.
    const onAdminHost = await target.api("/v1/hosts/prod-a/images/pull", post({ image }));
    expect(onAdminHost.status).toBe(200);
  });

  it("a token cannot label its host so that someone else's runs go to it", async () => {
    const labelled = await target.as(
      attacker,
      "/v1/hosts",
      post({ id: "evil-labelled", url: fake.url, tls: rigTls(), labels: { env: "prod" } }),
    );
    expect(labelled.status).toBe(403);
    const relabel = await target.as(
      attacker,
      "/v1/hosts/evil-daemon",
      post({ labels: { env: "prod" } }, "PATCH"),
    );
    expect(relabel.status).toBe(403);
    const host = await readJson(await target.api("/v1/hosts/evil-daemon"));
    expect(host.labels).toEqual({});
  });

  it("someone else's run placed by labels, or by load, never lands on a host a token registered", async () => {
    const before = fake.requests.length;
    for (const labels of [{ env: "prod" }, {}]) {
      const res = await target.as(
        victim,
        "/v1/runs",
        post({
          hostSelector: { labels },
          image: rig().images.busybox,
          cmd: ["sh", "-c", 'test -n "$DB_PASSWORD"'],
          env: { DB_PASSWORD: "victim-secret" },
        }),
      );
      const run = await readJson(res);
      expect(res.status, JSON.stringify(run)).toBe(201);
      expect(run.host).toBe("prod-a");
      expect(run.exitCode).toBe(0);
    }
    // Health probes (`/_ping`, `/version`) go to every host; nothing else may.
    const work = fake.requests.slice(before).filter((r) => !/\/(_ping|version)(\?|$)/.test(r.url));
    expect(work.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });
});
