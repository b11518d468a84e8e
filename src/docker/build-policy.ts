import { ApiError } from "../errors/api-error.js";
import { PolicyGrantsSchema } from "../schemas/policy.js";
import { remoteSources } from "./dockerfile-check.js";

/** Limits every build's `RUN` steps get, from the configuration. */
export type BuildLimits = { memoryBytes: number; cpus: number };

/** What the daemon's build API is told about the containers of a build's `RUN` steps. */
export type BuildSandbox = BuildLimits & { network: "none" | "default" };

const grantsOf = (policy: Record<string, unknown>) => PolicyGrantsSchema.safeParse(policy).data ?? {};

/**
 * A `RUN` step is a container on the daemon's host: it gets the configured limits always, and a network only
 * with the `build.network` grant (the default bridge then, never the host's). As with the create policy, the
 * grant comes from the token alone: an admin's token without it builds in the same sandbox.
 */
export function buildSandbox(policy: Record<string, unknown>, limits: BuildLimits): BuildSandbox {
  return { ...limits, network: grantsOf(policy).build?.network === true ? "default" : "none" };
}

/**
 * Refuses a Dockerfile whose `ADD` would have the daemon fetch a URL, from where it runs and with what it can
 * reach (services bound to its loopback, metadata endpoints), unless the token has `build.remoteSources`.
 */
export function checkDockerfile(dockerfile: Buffer, policy: Record<string, unknown>): void {
  if (grantsOf(policy).build?.remoteSources === true) return;
  const text = dockerfile.toString("utf8");
  // The daemon's parser reads bytes: a file that is not UTF-8 is read one character per byte as well.
  const views = Buffer.from(text, "utf8").equals(dockerfile) ? [text] : [text, dockerfile.toString("latin1")];
  const found = views.flatMap(remoteSources)[0];
  if (!found) return;
  const why =
    found.reason === "url"
      ? "the daemon would fetch it from where it runs"
      : "the daemon expands the variable, which could name a URL, so it cannot be checked before the build; " +
        "use COPY, or a literal path";
  throw new ApiError(
    "policy_denied",
    `Dockerfile line ${found.line}: ADD ${found.source}: ${why}. The policy grant build: { remoteSources: true } ` +
      "would allow it.",
  );
}
