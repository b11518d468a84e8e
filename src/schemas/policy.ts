import { z } from "@hono/zod-openapi";

export const BindGrantSchema = z
  .object({
    path: z
      .string()
      .openapi({ description: "A host path prefix that bind mounts may use.", example: "/srv/data" }),
    readWrite: z.boolean().optional().openapi({ description: "Whether such a bind may be writable." }),
  })
  .openapi("BindGrant");

export const BuildGrantSchema = z
  .object({
    network: z
      .boolean()
      .optional()
      .openapi({ description: "`RUN` steps get the default bridge network (without it: no network)." }),
    remoteSources: z
      .boolean()
      .optional()
      .openapi({ description: "`ADD` of URLs, fetched by the daemon from where it runs." }),
  })
  .strict()
  .openapi("BuildGrant", { description: "What a build may do beyond its default sandbox." });

/**
 * The `policy` claim of a token: grants that loosen the deny-by-default create policy. Other keys are kept but
 * mean nothing, so a token minted for a newer portcall still works here.
 */
export const PolicyGrantsSchema = z
  .object({
    binds: z.array(BindGrantSchema).optional(),
    publicPorts: z.boolean().optional().openapi({ description: "Publishing ports beyond loopback." }),
    hostNetwork: z.boolean().optional().openapi({ description: "The host network." }),
    images: z
      .array(z.string().min(1).max(255))
      .max(64)
      .optional()
      .openapi({
        description:
          "Repositories the token may write: tag, build and push targets (`team/*`, " +
          "`127.0.0.1:5055/team/app`). `*` matches any characters, `/` included. Without it a token writes no " +
          "repository; admins write any.",
        example: ["team/*"],
      }),
    build: BuildGrantSchema.optional(),
  })
  .catchall(z.unknown())
  .openapi("PolicyGrants", {
    description:
      "Grants that loosen the container-create policy. A token never holds grants beyond its creator's.",
    example: { binds: [{ path: "/srv/data" }] },
  });
