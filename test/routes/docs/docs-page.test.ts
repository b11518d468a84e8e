import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/app.js";
import { testServices } from "../../support/app.js";
import { launchChromium, offlinePage } from "../../support/browser.js";
import { readJson } from "../../support/http.js";
import { ROOT } from "../../support/server.js";

type Spec = { paths: Record<string, Record<string, { tags: string[]; summary: string }>> };

const SCREENSHOT = resolve(ROOT, "test-artifacts/docs.png");

// One page for the file, opened once: Swagger UI takes seconds to load and lay out a hundred operations.
describe("GET /docs in a browser", () => {
  let server: ServerType;
  let base: string;
  let browser: Browser;
  let docs: Awaited<ReturnType<typeof offlinePage>>;

  beforeAll(async () => {
    const app = createApp(await testServices());
    base = await new Promise<string>((listening) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
        listening(`http://127.0.0.1:${info.port}`),
      );
    });
    browser = await launchChromium();
    docs = await offlinePage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it("lists every tag and operation of the spec, loading nothing from outside this server", async () => {
    const spec = (await readJson(await fetch(`${base}/openapi.json`))) as Spec;
    const operations = Object.values(spec.paths).flatMap((methods) => Object.values(methods));
    const tags = [...new Set(operations.flatMap((operation) => operation.tags))];
    const { page, outside, errors } = docs;

    expect((await page.goto(`${base}/docs`))?.status()).toBe(200);
    await page.getByText("Run a container and get its result, in one call").waitFor({ timeout: 30_000 });
    await mkdir(resolve(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    for (const tag of tags) {
      await expect(page.locator(`h3#operations-tag-${tag}`).isVisible(), tag).resolves.toBe(true);
    }
    const summaries = await page.locator(".opblock-summary-description").allTextContents();
    expect(summaries.sort()).toEqual(operations.map((operation) => operation.summary).sort());
    await expect(page.getByText("createRun", { exact: true }).isVisible()).resolves.toBe(true);
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("sends “Try it out” to the server the page came from", async () => {
    const { page, outside, errors } = docs;
    const health = page.locator("#operations-Health-getHealth");
    await health.getByText("Liveness: the process is up").click();
    await health.getByRole("button", { name: "Try it out" }).click();
    await health.getByRole("button", { name: "Execute" }).click();
    const answer = health.locator(".live-responses-table tr.response");
    await answer.waitFor();
    await expect(health.locator(".request-url").textContent()).resolves.toContain(`${base}/healthz`);
    await expect(answer.locator(".response-col_status").textContent()).resolves.toContain("200");
    await expect(answer.locator(".microlight").first().textContent()).resolves.toContain('"status": "ok"');
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe("the docs page's files", () => {
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    app = createApp(await testServices());
  });

  it("are public, and the page allows no script but its own files", async () => {
    const res = await app.request("/docs");
    expect(res.status).toBe(200);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    const assets = [...(await res.text()).matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    for (const asset of assets) expect((await app.request(`/${asset}`)).status, asset).toBe(200);
  });

  it.each([
    "..%2F..%2F..%2Fpackage.json",
    "..%2Fpackage.json",
    "swagger-ui-bundle.js.map",
    "index.html",
    "package.json",
    "__proto__",
  ])("answer 404 for %s, which is not one of them", async (name) => {
    const res = await app.request(`/docs/assets/${name}`);
    expect(res.status).toBe(404);
    expect((await readJson(res)).code).toBe("not_found");
  });
});
