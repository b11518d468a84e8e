import { z } from "@hono/zod-openapi";
import { ImageReferenceSchema } from "./container-create.js";
import { ImageDetailSchema } from "./image.js";
import { repeatedQuery } from "./query.js";
import { StreamErrorEventSchema } from "./stream.js";

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]{1,255}$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const BuildFromFilesSchema = z
  .object({
    dockerfile: z
      .string()
      .min(1)
      .max(64 * 1024)
      .openapi({ example: "FROM 127.0.0.1:5055/portcall/busybox:latest\nCOPY hello.txt /hello.txt\n" }),
    files: z
      .record(
        z.string().regex(RELATIVE_PATH, "must be a relative path without '..'"),
        z.string().max(256 * 1024),
      )
      .refine((files) => Object.keys(files).length <= 64, "at most 64 files")
      .optional()
      .openapi({
        description: "Files of the context, by relative path (text).",
        example: { "hello.txt": "hi\n" },
      }),
    tags: z.array(ImageReferenceSchema).min(1).max(16),
    buildArgs: z.record(z.string().regex(ARG_NAME), z.string().max(4096)).optional(),
    target: z.string().regex(TARGET).optional(),
    labels: z.record(z.string().max(255), z.string().max(4096)).optional(),
  })
  .strict()
  .openapi("ImageBuild", {
    example: {
      dockerfile: "FROM 127.0.0.1:5055/portcall/busybox:latest\nCOPY hello.txt /hello.txt\n",
      files: { "hello.txt": "hi\n" },
      tags: ["127.0.0.1:5055/team/hello:1"],
    },
  });

export type BuildFromFiles = z.infer<typeof BuildFromFilesSchema>;

/** For a tar upload, the settings come as query parameters (repeat `tag` and `buildArg`). */
export const TarBuildQuerySchema = z.object({
  tag: repeatedQuery(z.array(ImageReferenceSchema).max(16)).openapi({
    description: "Tags of the built image (tar uploads; repeat for several).",
  }),
  buildArg: repeatedQuery(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}=.*$/))).openapi({
    description: "`NAME=value` build arguments (tar uploads; repeat for several).",
  }),
  target: z.string().regex(TARGET).optional().openapi({ description: "Stage to build (tar uploads)." }),
  dockerfile: z
    .string()
    .regex(RELATIVE_PATH)
    .optional()
    .openapi({ description: "Dockerfile path in the context (tar uploads)." }),
});

export type TarBuildQuery = z.infer<typeof TarBuildQuerySchema>;

export const BuildEventSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("output"), line: z.string() }),
    z.object({ type: z.literal("result"), image: ImageDetailSchema }),
    StreamErrorEventSchema,
  ])
  .openapi("BuildEvent", {
    description: "One event of a build's stream: output lines, then one result or error.",
  });

/**
 * A tar context as the channel hands it over: the request body unread, so that it can be counted and checked
 * as it is spooled (null when a tar request came without a body).
 */
export const BuildUploadSchema = z.custom<ReadableStream<Uint8Array> | null>(
  (value) => value === null || value instanceof ReadableStream,
  "must be the tar context as a stream",
);
