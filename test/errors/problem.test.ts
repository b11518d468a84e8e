import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/env.js";
import { onError } from "../../src/errors/problem.js";
import { createLogger } from "../../src/logging/logger.js";
import { testApp, testServices } from "../support/app.js";
import { readJson } from "../support/http.js";

describe("errors are RFC 9457 problem documents", () => {
  it("answers an unknown route with 404 problem+json naming the route", async () => {
    const res = await (await testApp()).request("/v2/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await readJson(res);
    expect(body).toMatchObject({
      type: "urn:portcall:error:not_found",
      title: "No such route",
      status: 404,
      code: "not_found",
      detail: "No route matches GET /v2/nothing-here.",
    });
    expect(body.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("echoes a caller's X-Request-Id in the header and the problem", async () => {
    const res = await (await testApp()).request("/nowhere", {
      headers: { "X-Request-Id": "ci-job-42_step-3" },
    });
    expect(res.headers.get("x-request-id")).toBe("ci-job-42_step-3");
    expect((await readJson(res)).requestId).toBe("ci-job-42_step-3");
  });

  it("replaces an X-Request-Id that could forge log lines with a generated one", async () => {
    const res = await (await testApp()).request("/healthz", { headers: { "X-Request-Id": "a b\u0007c" } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers a bad query value with 400 invalid_request naming the field", async () => {
    const res = await (await testApp()).request("/v1/hosts/local/containers?all=maybe&status=sleeping");
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.code).toBe("invalid_request");
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ location: "query", path: "all" }),
        expect.objectContaining({ location: "query", path: "status.0" }),
      ]),
    );
  });

  it("hides unexpected exceptions behind 500 internal_error and logs them with the request id", async () => {
    const lines: string[] = [];
    const services = await testServices({ logger: createLogger("error", (line) => lines.push(line)) });
    const app = new OpenAPIHono<AppEnv>();
    app.use(requestId());
    app.use(async (c, next) => {
      c.set("services", services);
      await next();
    });
    app.onError(onError);
    app.get("/boom", () => {
      throw new Error("ENOENT /secret/path/of/the/server");
    });
    app.get("/teapot", () => {
      throw new HTTPException(418, { message: "short and stout" });
    });

    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    const body = await readJson(res);
    expect(body.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("/secret/path");
    expect(lines.join("")).toContain(body.requestId);
    expect((await app.request("/teapot")).status).toBe(500);
  });
});
