import { z } from "@hono/zod-openapi";
import { ContainerStateSchema } from "./container.js";
import { booleanQuery, labelFilterQuery, repeatedQuery } from "./query.js";

/** What a container list is narrowed by, on one host or the fleet. */
export const ListContainersQuerySchema = z.object({
  all: booleanQuery(false, "Include stopped containers (like `docker ps -a`)."),
  label: labelFilterQuery("containers"),
  status: repeatedQuery(z.array(ContainerStateSchema)).openapi({
    description: "Only containers in one of these states. Repeat for several.",
    example: ["running"],
  }),
});
