import { z } from "@hono/zod-openapi";
import { ObjectLabelsSchema } from "./container-create.js";
import { HostIdSchema, NAME_PATTERN } from "./params.js";

const NAME = NAME_PATTERN;
const nameOf = (what: string) =>
  z.string().regex(NAME, `must be a ${what} name: letters, digits, '_', '.', '-'`);
const Labels = ObjectLabelsSchema;

export const VolumeSchema = z
  .object({
    name: z.string(),
    driver: z.string().openapi({ example: "local" }),
    mountpoint: z.string(),
    createdAt: z.iso.datetime().nullable(),
    labels: z.record(z.string(), z.string()),
    scope: z.string().openapi({ example: "local" }),
  })
  .openapi("Volume");

export const VolumeListSchema = z.object({ items: z.array(VolumeSchema) }).openapi("VolumeList");

export const VolumeCreateSchema = z
  .object({
    name: nameOf("volume"),
    labels: Labels.optional(),
    driverOpts: z.record(z.string().max(64), z.string().max(4096)).optional().openapi({
      description:
        "Options of the local driver. Options that bind a host path (`o=bind`, `device=…`) need a `binds` policy grant covering it.",
    }),
  })
  .strict()
  .openapi("VolumeCreate", { example: { name: "cache", labels: { team: "ci" } } });

export const NetworkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    driver: z.string(),
    scope: z.string(),
    internal: z.boolean(),
    labels: z.record(z.string(), z.string()),
    subnets: z.array(z.string()),
    containers: z.array(
      z
        .object({ id: z.string(), name: z.string(), ipv4Address: z.string().nullable() })
        .openapi("NetworkMember"),
    ),
  })
  .openapi("Network");

export const NetworkListSchema = z.object({ items: z.array(NetworkSchema) }).openapi("NetworkList");

export const NetworkCreateSchema = z
  .object({
    name: nameOf("network"),
    internal: z.boolean().default(false).openapi({ description: "No route out of the network." }),
    labels: Labels.optional(),
  })
  .strict()
  .openapi("NetworkCreate", { example: { name: "app-net", internal: false } });

export const NetworkMembershipSchema = z
  .object({
    container: z.string().regex(NAME, "must be a container id or name"),
    aliases: z.array(z.string().regex(NAME)).max(16).optional(),
  })
  .strict()
  .openapi("NetworkMembership", { example: { container: "web-1", aliases: ["web"] } });

export const VolumeParamsSchema = z.object({
  host: HostIdSchema,
  name: nameOf("volume").openapi({ param: { name: "name", in: "path" } }),
});

export const NetworkParamsSchema = z.object({
  host: HostIdSchema,
  network: nameOf("network").openapi({
    param: { name: "network", in: "path" },
    description: "Network id or name.",
  }),
});

export type Volume = z.infer<typeof VolumeSchema>;
export type Network = z.infer<typeof NetworkSchema>;
