import { ApiError } from "../../errors/api-error.js";
import { toRun } from "../../runs/run-view.js";
import { splitLabelFilter } from "../../schemas/query.js";
import { RunPageSchema } from "../../schemas/run.js";
import { ListRunsQuerySchema } from "../../schemas/run-query.js";
import { grantedHosts } from "../access.js";
import { defineOperation } from "../operation.js";

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

export const listRuns = defineOperation({
  name: "listRuns",
  scope: "runs:read",
  tags: ["Runs"],
  summary: "List runs",
  description: "Runs on the hosts the token may use, newest first, a page at a time.",
  input: ListRunsQuerySchema,
  output: RunPageSchema,
  errors: ["invalid_request", "internal_error"],
  http: { method: "get", path: "/v1/runs", responses: { 200: "One page of runs." } },
  async run(ctx, query) {
    const permitted = grantedHosts(ctx).map((host) => host.id);
    const hosts = query.host ? permitted.filter((id) => id === query.host) : permitted;
    const rows = await ctx.services.runs.list({
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
    return { items: page.map(toRun), nextCursor };
  },
});
