import { describe, expect, it } from "vitest";
import { readJson } from "../support/http.js";
import { appOverSilentDaemon } from "../support/silent-app.js";

describe("a 415", () => {
  const app = appOverSilentDaemon("h");

  const send = (path: string, headers: Record<string, string>, body: string | Uint8Array) =>
    app().request(path, { method: "POST", headers, body });

  it("names the content type to send when the body has none", async () => {
    // A byte array, unlike a string, gets no Content-Type of its own; the length is what a client sends with it.
    const res = await send(
      "/v1/tokens",
      { "Content-Length": "12" },
      new TextEncoder().encode('{"name":"x"}'),
    );
    expect(res.status).toBe(415);
    const problem = await readJson(res);
    expect(problem.code).toBe("unsupported_media_type");
    expect(problem.detail).toBe("The body has no Content-Type. Send Content-Type: application/json.");
  });

  it("says curl -d sent a form, and what to send instead", async () => {
    const res = await send("/v1/tokens", { "Content-Type": "application/x-www-form-urlencoded" }, "{}");
    expect(res.status).toBe(415);
    expect((await readJson(res)).detail).toBe(
      `This operation does not take "application/x-www-form-urlencoded" (what curl -d sends without ` +
        `-H 'Content-Type: …'). Send Content-Type: application/json.`,
    );
  });

  it("lists every type an upload route takes: a build takes JSON or a tar", async () => {
    const res = await send("/v1/hosts/h/images/build", { "Content-Type": "application/zip" }, "PK");
    expect(res.status).toBe(415);
    expect((await readJson(res)).detail).toBe(
      'This operation does not take "application/zip". Send Content-Type: application/json or application/x-tar.',
    );
  });
});
