import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/errors/api-error.js";
import { testApp } from "../support/app.js";
import { readJson } from "../support/http.js";

type Operation = {
  operationId?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};

async function fetchDocument() {
  const res = await (await testApp()).request("/openapi.json");
  expect(res.status).toBe(200);
  return readJson(res);
}

function operations(document: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("lists the container operations with stable operationIds", async () => {
    const document = await fetchDocument();
    expect(document.paths["/v1/hosts/{host}/containers"].get.operationId).toBe("listContainers");
    expect(document.paths["/v1/hosts/{host}/containers/{id}"].get.operationId).toBe("inspectContainer");
  });

  it("gives every operation a camelCase operationId and a tag, each id used once", async () => {
    const ids = operations(await fetchDocument()).map(({ operation }) => {
      expect(operation.tags?.length).toBeGreaterThan(0);
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z0-9]+$/);
      return operation.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes every error response as a problem+json Problem with the closed list of codes", async () => {
    const document = await fetchDocument();
    expect(document.components.schemas.Problem.properties.code.enum).toEqual(ERROR_CODES);
    for (const { path, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || path === "/readyz") continue;
        expect(response.content?.["application/problem+json"]?.schema.$ref, `${path} ${status}`).toBe(
          "#/components/schemas/Problem",
        );
      }
    }
  });

  it("documents the 400, 404, 503 and 504 a container call can end in", async () => {
    const { responses } = (await fetchDocument()).paths["/v1/hosts/{host}/containers/{id}"].get;
    expect(Object.keys(responses)).toEqual(
      expect.arrayContaining(["200", "400", "404", "500", "502", "503", "504"]),
    );
    expect(responses["404"].description).toContain("container_not_found");
    expect(responses["404"].description).toContain("host_not_found");
  });
});

describe("openapi/openapi.json", () => {
  it("is what the code generates (run `npm run openapi` after changing a route)", async () => {
    const { renderOpenApi } = await import("../../scripts/generate-openapi.js");
    const committed = await import("node:fs/promises").then((fs) =>
      fs.readFile(new URL("../../openapi/openapi.json", import.meta.url), "utf8"),
    );
    expect(committed).toBe(renderOpenApi());
  });
});
