import { beforeAll, describe, expect, it } from "vitest";
import { type TestApp, testApp } from "../support/app.js";
import { readJson } from "../support/http.js";

const post = (app: TestApp, path: string, body: unknown) =>
  app.request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

describe("control characters in names, labels and paths", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp();
  });

  it("a run label value holding NUL is refused with 400 and never reaches the store", async () => {
    const res = await post(app, "/v1/runs", {
      host: "local",
      image: "busybox:1.36",
      cmd: ["true"],
      labels: { team: "a\u0000b" },
    });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.code).toBe("invalid_request");
    expect(body.errors).toContainEqual(expect.objectContaining({ path: "labels.team" }));
    expect(await app.services.store.runs.list({ labels: [], limit: 10 })).toEqual([]);
  });

  it("host names, host labels, token names and registry users with control characters are refused with 400", async () => {
    const refused = [
      post(app, "/v1/hosts", { id: "nul-name", url: "unix:///var/run/docker.sock", name: "a\u0000" }),
      post(app, "/v1/hosts", {
        id: "nul-label",
        url: "unix:///var/run/docker.sock",
        labels: { env: "\u0007" },
      }),
      post(app, "/v1/tokens", { name: "ci\u0000", scopes: ["hosts:read"], hosts: ["*"] }),
      app.request("/v1/registries/registry.example", {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: "ci\u001b", password: "secret" }),
      }),
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(400);
      expect((await readJson(res)).code).toBe("invalid_request");
    }
    expect(app.services.hosts.list().map((host) => host.id)).not.toContain("nul-name");
  });

  it("an anonymous request to a path with %00 still gets its audit entry, the NUL shown as ␀", async () => {
    const res = await app.request("/v1/hosts/%00", {
      method: "DELETE",
      headers: { Authorization: "Bearer not-a-token" },
    });
    expect(res.status).toBe(401);
    const { items } = await app.services.audit.query({ limit: 10 });
    expect(items[0]).toMatchObject({ status: 401, method: "DELETE", path: "/v1/hosts/␀", host: "␀" });
  });
});
