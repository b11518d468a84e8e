import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "../errors/api-error.js";
import { ContainerSummarySchema } from "./container.js";
import { ImageSummarySchema } from "./image.js";
import { HOST_ID_PATTERN } from "./params.js";
import { repeatedQuery } from "./query.js";

const hostTag = { host: z.string().openapi({ description: "The host it is on.", example: "build-1" }) };

/** `host` (repeatable) narrowing a fleet-wide request to some of the token's hosts. */
export const HostSelectionQuerySchema = z.object({
  host: repeatedQuery(z.array(z.string().regex(HOST_ID_PATTERN, "must be a host id"))).openapi({
    description: "Only these hosts (repeat for several); every host the token may use when absent.",
    example: ["build-1"],
  }),
});

export const FleetQuerySchema = HostSelectionQuerySchema.extend({
  timeoutMs: z.coerce
    .number()
    .int()
    .min(100)
    .max(30_000)
    .default(2_000)
    .openapi({
      description:
        "How long to wait for each host. A host that has not answered by then is left out, with an entry in " +
        "`errors`; the answer never takes much longer than this.",
      example: 2_000,
    }),
});

export const FleetHostErrorSchema = z
  .object({
    host: z.string().openapi({ example: "build-2" }),
    code: z.enum(ERROR_CODES).openapi({ example: "host_timeout" }),
    message: z.string().openapi({ example: 'Host "build-2" did not answer within 2000 ms.' }),
  })
  .openapi("FleetHostError", { description: "A host whose items are missing, and why." });

function fleetList<T extends z.ZodObject>(item: T, itemName: string, listName: string) {
  return z
    .object({
      items: z.array(item.extend(hostTag).openapi(itemName)),
      errors: z.array(FleetHostErrorSchema).openapi({ description: "One entry per host that failed." }),
    })
    .openapi(listName);
}

export const FleetContainerListSchema = fleetList(
  ContainerSummarySchema,
  "FleetContainer",
  "FleetContainerList",
);
export const FleetImageListSchema = fleetList(ImageSummarySchema, "FleetImage", "FleetImageList");
