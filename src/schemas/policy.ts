import { z } from "@hono/zod-openapi";

export const BindGrantSchema = z
  .object({
    path: z
      .string()
      .openapi({ description: "A host path prefix that bind mounts may use.", example: "/srv/data" }),
    readWrite: z.boolean().optional().openapi({ description: "Whether such a bind may be writable." }),
  })
  .openapi("BindGrant");

/**
 * The `policy` claim of a token: grants that loosen the deny-by-default create policy. Other keys are kept but
 * mean nothing, so a token minted for a newer portcall still works here.
 */
export const PolicyGrantsSchema = z
  .object({
    binds: z.array(BindGrantSchema).optional(),
    publicPorts: z.boolean().optional().openapi({ description: "Publishing ports beyond loopback." }),
    hostNetwork: z.boolean().optional().openapi({ description: "The host network." }),
  })
  .catchall(z.unknown())
  .openapi("PolicyGrants", {
    description:
      "Grants that loosen the container-create policy. A token never holds grants beyond its creator's.",
    example: { binds: [{ path: "/srv/data" }] },
  });
