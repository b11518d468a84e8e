import { z } from "@hono/zod-openapi";
import { principalOf } from "../../auth/authenticate.js";
import { grantedClient } from "../../auth/host-access.js";
import { checkMayWriteImages } from "../../auth/image-grants.js";
import { type BuildContext, filesContext } from "../../docker/build-context.js";
import { buildSandbox, checkDockerfile } from "../../docker/build-policy.js";
import { BUILD_CONTEXT_LIMIT, spoolTarContext } from "../../docker/build-upload.js";
import type { BuildSettings } from "../../docker/docker-host.js";
import type { App } from "../../env.js";
import { ApiError } from "../../errors/api-error.js";
import { eventStream, streamFormat } from "../../http/event-stream.js";
import { acquireSlot } from "../../limits/concurrency-limiter.js";
import { parseMediaType } from "../../middleware/request-body.js";
import { operation } from "../../openapi/operation.js";
import { HOST_CALL_ERRORS, streamableResponse } from "../../openapi/responses.js";
import { ImageReferenceSchema } from "../../schemas/container-create.js";
import { ImageDetailSchema } from "../../schemas/image.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { repeatedQuery } from "../../schemas/query.js";
import { StreamErrorEventSchema } from "../../schemas/stream.js";

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

export const buildImageRoute = operation("images:build", {
  method: "post",
  path: "/v1/hosts/{host}/images/build",
  operationId: "buildImage",
  tags: ["Images"],
  summary: "Build an image on a host",
  description:
    "From a Dockerfile text and a small map of files (`application/json`), or from a tar context " +
    "(`application/x-tar`, plain or gzipped, at most 256 MiB once decompressed, settings in the query; read " +
    "whole and checked before anything reaches the daemon). Builds run sandboxed like containers: `RUN` steps " +
    "get the configured memory and CPU limits and no network unless the token's policy grants `build.network`; " +
    "an `ADD` of a URL (or of a variable, which could be one) is 403 `policy_denied` unless it grants " +
    "`build.remoteSources`. A failing step is 422 `build_failed` with the daemon's message, never a 200 with " +
    "the error inside. `Accept: application/x-ndjson` or `text/event-stream` streams the build output.",
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
    "policy_denied",
    "image_not_found",
    "registry_auth_failed",
    "payload_too_large",
    "unsupported_media_type",
    "too_many_requests",
  ],
  bodyLimits: { "application/x-tar": BUILD_CONTEXT_LIMIT },
  responses: {
    200: streamableResponse(
      "The built image; or the stream of the build.",
      ImageDetailSchema,
      BuildEventSchema,
    ),
  },
});

export function registerBuildImage(app: App): void {
  app.openapi(buildImageRoute, async (c) => {
    const { host: hostId } = c.req.valid("param");
    // The body gate let through only the declared types, exactly.
    const isTar = parseMediaType(c.req.header("Content-Type") ?? "")?.type === "application/x-tar";
    let readContext: () => Promise<BuildContext>;
    let settings: Omit<BuildSettings, "sandbox">;
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
      const dockerfile = settings.dockerfile ?? "Dockerfile";
      readContext = () => spoolTarContext(c.req.raw.body, { dockerfile, signal: c.req.raw.signal });
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
      readContext = async () => filesContext(body.dockerfile, body.files ?? {});
    }
    c.set("audit", { operationId: "buildImage", host: hostId, target: settings.tags.join(" ") });
    checkMayWriteImages(principalOf(c), settings.tags);
    // The host first: a token that may not use it gets nothing of its upload read.
    const host = await grantedClient(c, hostId);
    const { policy } = principalOf(c);
    const build = { ...settings, sandbox: buildSandbox(policy, c.get("services").buildLimits) };
    // A build holds one of the token's stream slots while it runs: an upload spooled for it holds up to 256 MiB
    // of this machine's disk until then.
    const slot = acquireSlot(c, "streams");
    const context = await checkedContext(readContext, policy).catch((error: unknown) => {
      slot();
      throw error;
    });
    const format = streamFormat(c);
    if (!format) {
      try {
        const signal = c.req.raw.signal;
        const { imageId } = await host.buildImage(context.open(), build, undefined, { signal });
        return c.json(await host.inspectImage(imageId, { signal }), 200);
      } finally {
        slot();
        await context.dispose();
      }
    }
    return eventStream(
      c,
      format,
      async (send, signal) => {
        try {
          const onOutput = (line: string) => send("output", { line });
          const { imageId } = await host.buildImage(context.open(), build, onOutput, { signal });
          await send("result", { image: await host.inspectImage(imageId, { signal }) });
        } finally {
          await context.dispose();
        }
      },
      slot,
    );
  });
}

/** The context with its Dockerfile checked; one that fails the check is disposed of before the refusal. */
async function checkedContext(
  read: () => Promise<BuildContext>,
  policy: Record<string, unknown>,
): Promise<BuildContext> {
  const context = await read();
  try {
    checkDockerfile(context.dockerfile, policy);
    return context;
  } catch (error) {
    await context.dispose();
    throw error;
  }
}
