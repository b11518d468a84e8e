import { z } from "@hono/zod-openapi";
import { ProblemSchema } from "../errors/problem.js";

/** The last event of a stream that failed after its headers went out: the problem it ended with. */
export const StreamErrorEventSchema = z
  .object({ type: z.literal("error"), problem: ProblemSchema })
  .openapi("StreamErrorEvent");
