import { pipeline, Readable, Transform } from "node:stream";
import { z } from "@hono/zod-openapi";
import { grantedClient } from "../../auth/host-access.js";
import { contextFromFiles } from "../../docker/build-context.js";
import type { BuildSettings } from "../../docker/docker-host.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { eventStream, streamFormat } from "../../http/event-stream.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, streamableResponse } from "../../openapi/responses.js";
import { ImageReferenceSchema } from "../../schemas/container-create.js";
import { ImageDetailSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { repeatedQuery } from "../../schemas/query.js";
import { StreamErrorEventSchema } from "../../schemas/stream.js";

/** The largest tar context a build takes; the stream to the daemon is cut beyond it. */
export const BUILD_CONTEXT_LIMIT = 256 * 1024 * 1024;

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]{1,255}$/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const BuildFromFilesSchema = z
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

/** For a tar upload, the settings come as query parameters (repeat `tag` and `buildArg`). */
const TarBuildQuerySchema = z.object({
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

const BuildEventSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("output"), line: z.string() }),
    z.object({ type: z.literal("result"), image: ImageDetailSchema }),
    StreamErrorEventSchema,
  ])
  .openapi("BuildEvent", {
    description: "One event of a build's stream: output lines, then one result or error.",
  });

export const buildImageRoute = operation("images:write", {
  method: "post",
  path: "/v1/hosts/{host}/images/build",
  operationId: "buildImage",
  tags: ["Images"],
  summary: "Build an image on a host",
  description:
    "From a Dockerfile text and a small map of files (`application/json`), or from a tar context " +
    "(`application/x-tar`, at most 256 MiB, settings in the query). A failing step is 422 `build_failed` with " +
    "the daemon's message, never a 200 with the error inside. `Accept: application/x-ndjson` or " +
    "`text/event-stream` streams the build output.",
  request: {
    params: HostParamsSchema,
    query: TarBuildQuerySchema,
    body: {
      content: {
        "application/json": { schema: BuildFromFilesSchema },
        "application/x-tar": { schema: z.string().openapi({ format: "binary" }) },
      },
      // Required in practice: the handler refuses a request with neither body. Declared optional so that the
      // JSON validator lets a tar upload through untouched.
      required: false,
    },
  },
  errors: [
    ...HOST_CALL_ERRORS,
    "build_failed",
    "image_not_found",
    "registry_auth_failed",
    "payload_too_large",
    "unsupported_media_type",
    "too_many_requests",
  ],
  responses: {
    200: streamableResponse(
      "The built image; or the stream of the build.",
      ImageDetailSchema,
      BuildEventSchema,
    ),
  },
});

/**
 * The uploaded tar as a stream, cut with 413 once it passes the limit. `pipeline` carries an upload the client
 * aborts into the daemon request as an error, instead of an unhandled stream error that would end the process.
 */
function tarContext(body: ReadableStream<Uint8Array> | null): Readable {
  if (!body) throw new ApiError("invalid_request", "A tar build needs the context as the request body.");
  let seen = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > BUILD_CONTEXT_LIMIT)
        done(new ApiError("payload_too_large", "The build context is larger than 256 MiB."));
      else done(null, chunk);
    },
  });
  pipeline(Readable.fromWeb(body as never), limit, () => {
    // Errors reach the daemon request through `limit`, which docker-modem reads and destroys on error.
  });
  return limit;
}

export function registerBuildImage(app: App): void {
  app.openapi(buildImageRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    const isTar = (c.req.header("Content-Type") ?? "").startsWith("application/x-tar");
    let context: Readable;
    let settings: BuildSettings;
    if (isTar) {
      const query = c.req.valid("query");
      if (query.tag.length === 0)
        throw new ApiError("invalid_request", "A tar build needs at least one `tag`.");
      settings = {
        tags: query.tag,
        target: query.target,
        dockerfile: query.dockerfile,
        buildArgs: Object.fromEntries(
          query.buildArg.map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]),
        ),
      };
      context = tarContext(c.req.raw.body);
    } else {
      const parsed = BuildFromFilesSchema.safeParse(c.req.valid("json"));
      if (!parsed.success) {
        throw new ApiError(
          "invalid_request",
          "A build needs a JSON body with `dockerfile` and `tags`, or a tar context.",
          {
            errors: parsed.error.issues.map((issue) => ({
              location: "json",
              path: issue.path.join("."),
              message: issue.message,
            })),
          },
        );
      }
      const body = parsed.data;
      settings = { tags: body.tags, target: body.target, buildArgs: body.buildArgs, labels: body.labels };
      context = contextFromFiles(body.dockerfile, body.files ?? {});
    }
    c.set("audit", { operationId: "buildImage", host: hostId, target: settings.tags.join(" ") });
    const host = await grantedClient(c, hostId).catch((error: unknown) => {
      context.destroy();
      throw error;
    });
    const format = streamFormat(c);
    if (!format) {
      const { imageId } = await host.buildImage(context, settings, undefined, { signal: c.req.raw.signal });
      return c.json(await host.inspectImage(imageId, { signal: c.req.raw.signal }), 200);
    }
    return eventStream(c, format, async (send, signal) => {
      const { imageId } = await host.buildImage(context, settings, (line) => send("output", { line }), {
        signal,
      });
      await send("result", { image: await host.inspectImage(imageId, { signal }) });
    }) as never;
  });
}
