import { z } from "@hono/zod-openapi";

// Strict grammars keep ids from ever reaching a daemon URL as `..`, `/` or an encoded separator.
export const HOST_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Docker's grammar for container, volume and network names (and container ids). */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const CONTAINER_REF_PATTERN = NAME_PATTERN;

export const HostIdSchema = z
  .string()
  .regex(HOST_ID_PATTERN, "must be a host id: lowercase letters, digits and '-', at most 63 characters")
  .openapi({
    param: { name: "host", in: "path" },
    description: "Id of a registered Docker host.",
    example: "local",
  });

export const ContainerRefSchema = z
  .string()
  .regex(CONTAINER_REF_PATTERN, "must be a container id, id prefix or name (letters, digits, '_', '.', '-')")
  .openapi({
    param: { name: "id", in: "path" },
    description: "Container id, unique id prefix, or name.",
    example: "web-1",
  });

export const HostParamsSchema = z.object({ host: HostIdSchema });
export const ContainerParamsSchema = z.object({ host: HostIdSchema, id: ContainerRefSchema });
