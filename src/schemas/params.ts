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

/**
 * A path parameter naming a Docker object by id, id prefix or name: Docker's name grammar, which keeps it out
 * of path tricks. `what` completes the error ("must be a …").
 */
export const dockerRefParam = (param: string, what: string, description: string, example?: string) =>
  z
    .string()
    .regex(NAME_PATTERN, `must be a ${what} (letters, digits, '_', '.', '-')`)
    .openapi({ param: { name: param, in: "path" }, description, ...(example ? { example } : {}) });

export const ContainerRefSchema = dockerRefParam(
  "id",
  "container id, id prefix or name",
  "Container id, unique id prefix, or name.",
  "web-1",
);

export const HostParamsSchema = z.object({ host: HostIdSchema });
export const ContainerParamsSchema = z.object({ host: HostIdSchema, id: ContainerRefSchema });
