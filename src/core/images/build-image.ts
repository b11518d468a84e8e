import type { z } from "zod";
import { checkMayWriteImages } from "../../auth/image-grants.js";
import { type BuildContext, filesContext } from "../../docker/build-context.js";
import { buildSandbox, checkDockerfile } from "../../docker/build-policy.js";
import { BUILD_CONTEXT_LIMIT, spoolTarContext } from "../../docker/build-upload.js";
import type { BuildSettings } from "../../docker/docker-host.js";
import { ApiError, HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ImageDetailSchema } from "../../schemas/image.js";
import {
  BuildEventSchema,
  BuildFromFilesSchema,
  BuildUploadSchema,
  TarBuildQuerySchema,
} from "../../schemas/image-build.js";
import { HostParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { acquireSlot } from "../limits.js";
import { defineOperation } from "../operation.js";
import { EventFeed } from "../streams.js";

const BuildInputSchema = HostParamsSchema.extend(TarBuildQuerySchema.shape).extend({
  spec: BuildFromFilesSchema.optional(),
  context: BuildUploadSchema.optional(),
});

type BuildInput = z.output<typeof BuildInputSchema>;

/** What a build is asked for: its settings, and how to get its context once the caller may have it read. */
type BuildSource = { settings: Omit<BuildSettings, "sandbox">; read: () => Promise<BuildContext> };

/** The tags a request names, the tar upload's (from the query) or the JSON body's; none when it is refused. */
function requestedTags({ context, tag, spec }: BuildInput): string[] | undefined {
  if (context !== undefined) return tag.length > 0 ? tag : undefined;
  return spec?.tags;
}

function missingBody(): ApiError {
  const issues = BuildFromFilesSchema.safeParse({}).error?.issues ?? [];
  return new ApiError(
    "invalid_request",
    "A build needs a JSON body with `dockerfile` and `tags`, or a tar context.",
    {
      errors: issues.map((issue) => ({
        location: "json",
        path: issue.path.join("."),
        message: issue.message,
      })),
    },
  );
}

function sourceOf(input: BuildInput, signal: AbortSignal): BuildSource {
  const { context, spec } = input;
  if (context !== undefined) {
    const { tag, buildArg, target, dockerfile } = input;
    if (tag.length === 0) throw new ApiError("invalid_request", "A tar build needs at least one `tag`.");
    const buildArgs = Object.fromEntries(
      buildArg.map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]),
    );
    const path = dockerfile ?? "Dockerfile";
    return {
      settings: { tags: tag, target, dockerfile, buildArgs },
      read: () => spoolTarContext(context, { dockerfile: path, signal }),
    };
  }
  if (!spec) throw missingBody();
  return {
    settings: { tags: spec.tags, target: spec.target, buildArgs: spec.buildArgs, labels: spec.labels },
    read: async () => filesContext(spec.dockerfile, spec.files ?? {}),
  };
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

export const buildImage = defineOperation({
  name: "buildImage",
  scope: "images:build",
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
  input: BuildInputSchema,
  output: ImageDetailSchema,
  errors: [
    ...HOST_CALL_ERRORS,
    "build_failed",
    "policy_denied",
    "image_not_found",
    "registry_auth_failed",
    "payload_too_large",
    "unsupported_media_type",
    "too_many_requests",
    "internal_error",
  ],
  audit: (input) => ({ host: input.host, target: requestedTags(input)?.join(" ") ?? null }),
  http: {
    method: "post",
    path: "/v1/hosts/{host}/images/build",
    body: "spec",
    upload: { field: "context", types: { "application/x-tar": BUILD_CONTEXT_LIMIT } },
    responses: { 200: "The built image; or the stream of the build." },
  },
  stream: { events: BuildEventSchema },
  async run(ctx, input) {
    const { settings, read } = sourceOf(input, ctx.signal);
    checkMayWriteImages(ctx.principal, settings.tags);
    // The host first: a token that may not use it gets nothing of its upload read.
    const host = await grantedClient(ctx, input.host);
    const { policy } = ctx.principal;
    const build = { ...settings, sandbox: buildSandbox(policy, ctx.services.buildLimits) };
    // A build holds one of the token's stream slots while it runs: an upload spooled for it holds up to 256 MiB
    // of this machine's disk until then.
    const slot = acquireSlot(ctx, "streams");
    const context = await checkedContext(read, policy).catch((error: unknown) => {
      slot();
      throw error;
    });
    if (ctx.stream !== "events") {
      try {
        const { imageId } = await host.buildImage(context.open(), build, undefined, { signal: ctx.signal });
        return await host.inspectImage(imageId, { signal: ctx.signal });
      } finally {
        slot();
        await context.dispose();
      }
    }
    return new EventFeed(async (send, signal) => {
      try {
        const onOutput = (line: string) => send("output", { line });
        const { imageId } = await host.buildImage(context.open(), build, onOutput, { signal });
        await send("result", { image: await host.inspectImage(imageId, { signal }) });
      } finally {
        await context.dispose();
      }
    }, slot);
  },
});
