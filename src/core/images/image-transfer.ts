import type { DockerHost, PullProgress } from "../../docker/docker-host.js";
import type { ImageDetail } from "../../schemas/image.js";
import type { CallContext } from "../context.js";
import { acquireSlot } from "../limits.js";
import { EventFeed } from "../streams.js";

/** Moves an image between a host and its registry, reporting each progress line when given a listener. */
type Transfer = (
  onProgress: ((progress: PullProgress) => Promise<void>) | undefined,
  signal: AbortSignal,
) => Promise<void>;

/**
 * A pull's or a push's answer: the image once the transfer is done or, when the caller takes events, the
 * transfer's progress as it happens ending in the image.
 */
export function transferAnswer(
  ctx: CallContext,
  host: DockerHost,
  image: string,
  transfer: Transfer,
): Promise<ImageDetail> | EventFeed {
  if (ctx.stream !== "events") {
    return transfer(undefined, ctx.signal).then(() => host.inspectImage(image, { signal: ctx.signal }));
  }
  // A stream holds one of the subject's stream slots while it is open.
  const release = acquireSlot(ctx, "streams");
  return new EventFeed(async (send, signal) => {
    await transfer((progress) => send("progress", progress), signal);
    await send("result", { image: await host.inspectImage(image, { signal }) });
  }, release);
}
