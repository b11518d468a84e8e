import { z } from "@hono/zod-openapi";
import { grantedHosts } from "../../auth/host-access.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { operation } from "../../openapi/operation.js";
import { jsonResponse } from "../../openapi/responses.js";
import { toRun } from "../../runs/run-view.js";
import { HOST_ID_PATTERN } from "../../schemas/params.js";
import { labelFilterQuery, splitLabelFilter } from "../../schemas/query.js";
import { RunPageSchema, RunStatusSchema } from "../../schemas/run.js";

const ListRunsQuerySchema = z.object({
  host: z.string().regex(HOST_ID_PATTERN, "must be a host id").optional(),
  status: RunStatusSchema.optional(),
  label: labelFilterQuery("runs"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "The `nextCursor` of the previous page." }),
});

type Cursor = { createdAt: string; id: string };

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(text: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor>;
    if (typeof parsed.createdAt === "string" && typeof parsed.id === "string") {
      return { createdAt: parsed.createdAt, id: parsed.id };
    }
  } catch {
    // falls through to the refusal below
  }
  throw new ApiError("invalid_request", "cursor: is not a cursor this API gave out", {
    errors: [{ location: "query", path: "cursor", message: "is not a cursor this API gave out" }],
  });
}

export const listRunsRoute = operation("runs:read", {
  method: "get",
  path: "/v1/runs",
  operationId: "listRuns",
  tags: ["Runs"],
  summary: "List runs",
  description: "Runs on the hosts the token may use, newest first, a page at a time.",
  request: { query: ListRunsQuerySchema },
  errors: ["invalid_request"],
  responses: { 200: jsonResponse(RunPageSchema, "One page of runs.") },
});

export function registerListRuns(app: App): void {
  app.openapi(listRunsRoute, async (c) => {
    const query = c.req.valid("query");
    const permitted = grantedHosts(c).map((host) => host.id);
    const hosts = query.host ? permitted.filter((id) => id === query.host) : permitted;
    const rows = await c.get("services").runs.list({
      hosts,
      status: query.status,
      labels: query.label.map(splitLabelFilter),
      limit: query.limit + 1,
      cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
    return c.json({ items: page.map(toRun), nextCursor }, 200);
  });
}
