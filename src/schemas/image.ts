import { z } from "@hono/zod-openapi";
import { ImageReferenceSchema } from "./container-create.js";
import { booleanQuery } from "./query.js";
import { StreamErrorEventSchema } from "./stream.js";

export const ImageSummarySchema = z
  .object({
    id: z.string().openapi({ example: "sha256:3f57d9401f8d…" }),
    repoTags: z.array(z.string()).openapi({ example: ["127.0.0.1:5055/portcall/busybox:latest"] }),
    repoDigests: z.array(z.string()),
    createdAt: z.iso.datetime(),
    sizeBytes: z.number().int(),
    labels: z.record(z.string(), z.string()),
  })
  .openapi("ImageSummary");

export const ImageListSchema = z.object({ items: z.array(ImageSummarySchema) }).openapi("ImageList");

export const ImageDetailSchema = ImageSummarySchema.extend({
  architecture: z.string().openapi({ example: "amd64" }),
  os: z.string().openapi({ example: "linux" }),
  config: z
    .object({
      cmd: z.array(z.string()),
      entrypoint: z.array(z.string()),
      env: z.record(z.string(), z.string()),
      workingDir: z.string().nullable(),
      user: z.string().nullable(),
      exposedPorts: z.array(z.string()).openapi({ example: ["80/tcp"] }),
    })
    .openapi("ImageConfig"),
  layers: z
    .array(z.string())
    .openapi({ description: "Digests of the image's filesystem layers, base first." }),
}).openapi("ImageDetail");

export const ImageHistorySchema = z
  .object({
    items: z.array(
      z
        .object({
          id: z
            .string()
            .nullable()
            .openapi({ description: "Image id of the step, when it is an image of its own." }),
          createdAt: z.iso.datetime(),
          createdBy: z.string().openapi({ example: '/bin/sh -c #(nop)  CMD ["sh"]' }),
          sizeBytes: z.number().int(),
          comment: z.string(),
          tags: z.array(z.string()),
        })
        .openapi("ImageLayer"),
    ),
  })
  .openapi("ImageHistory", {
    description: "The image's layer story, newest step first, like `docker history`.",
  });

export const RegistryAuthSchema = z
  .object({
    username: z.string().min(1).max(256),
    password: z
      .string()
      .min(1)
      .max(4096)
      .openapi({ description: "Or an access token. Used for this call only." }),
  })
  .strict()
  .openapi("RegistryAuth");

export const ImagePullSchema = z
  .object({
    image: ImageReferenceSchema,
    platform: z
      .string()
      .regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, "must be os/arch[/variant]")
      .optional()
      .openapi({ example: "linux/amd64" }),
    registryAuth: RegistryAuthSchema.optional(),
  })
  .strict()
  .openapi("ImagePull", { example: { image: "127.0.0.1:5055/portcall/busybox:latest" } });

/** Image references go in the `ref` query parameter: they hold `/`, `:` and `@`, which paths mangle. */
export const ImageRefQuerySchema = z.object({
  ref: ImageReferenceSchema.openapi({
    param: { name: "ref", in: "query" },
    description:
      "Image reference (`repo:tag`, `registry:5000/repo:tag`, `repo@sha256:…`) or image id (`sha256:…`).",
  }),
});

export const ImageRemoveQuerySchema = ImageRefQuerySchema.extend({
  force: booleanQuery(false, "Remove it even if containers use it or it has several tags."),
  noprune: booleanQuery(false, "Keep untagged parent images."),
});

export const ImageTagSchema = z
  .object({ source: ImageReferenceSchema, target: ImageReferenceSchema })
  .strict()
  .openapi("ImageTag", { example: { source: "app:build-42", target: "registry:5000/team/app:1.2" } });

export const ImagePruneQuerySchema = z.object({
  all: booleanQuery(false, "Also remove unused tagged images."),
});

export const ImagePruneSchema = z
  .object({ removed: z.array(z.string()), reclaimedBytes: z.number().int() })
  .openapi("ImagePruneResult");

export type ImageSummary = z.infer<typeof ImageSummarySchema>;
export type ImageDetail = z.infer<typeof ImageDetailSchema>;
export type ImageHistory = z.infer<typeof ImageHistorySchema>;

export const ImagePushSchema = z
  .object({ image: ImageReferenceSchema, registryAuth: RegistryAuthSchema.optional() })
  .strict()
  .openapi("ImagePush", { example: { image: "127.0.0.1:5055/team/hello:1" } });

export const ImageProgressEventSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("progress"),
      id: z.string().nullable().openapi({ description: "The layer, when the line is about one." }),
      status: z.string().openapi({ example: "Downloading" }),
      current: z.number().nullable(),
      total: z.number().nullable(),
    }),
    z.object({ type: z.literal("result"), image: ImageDetailSchema }),
    StreamErrorEventSchema,
  ])
  .openapi("ImageProgressEvent", {
    description: "One event of a pull's or push's stream: progress lines, then one result or error.",
  });
