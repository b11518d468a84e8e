import { z } from "@hono/zod-openapi";
import { ProblemSchema } from "./problem.js";

/** The last event of a stream that failed after its headers went out: the problem it ended with. */
export const StreamErrorEventSchema = z
  .object({ type: z.literal("error"), problem: ProblemSchema })
  .openapi("StreamErrorEvent");

/** The events of a stream that sends items of one kind: each item tagged with `type`, or a final error. */
export function itemStream<const T extends string, S extends z.ZodObject>(type: T, item: S, name: string) {
  return z
    .discriminatedUnion("type", [item.extend({ type: z.literal(type) }), StreamErrorEventSchema])
    .openapi(name, {
      description: `One event of the stream: a \`${type}\` item, or a last \`error\` when it failed after it began.`,
    });
}
