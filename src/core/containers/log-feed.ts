import type { ContainerLogs, DockerHost, LogQuery, StreamOptions } from "../../docker/docker-host.js";
import type { CallContext } from "../context.js";
import { acquireSlot } from "../limits.js";
import { EventFeed, TextFeed } from "../streams.js";

/**
 * A container's log as the caller takes it: `log` events when it asked for events, else the text as the
 * container wrote it. Shared by every operation that shows a container's log (a container's, a run's).
 */
export function logFeed(
  ctx: Pick<CallContext, "principal" | "services" | "stream">,
  host: DockerHost,
  containerId: string,
  query: LogQuery,
): Promise<EventFeed | TextFeed> {
  return logsFeed(ctx, (options) => host.containerLogs(containerId, query, options));
}

/** Any log the daemon streams as a container's (a service's, of all its tasks), as the caller takes it. */
export async function logsFeed(
  ctx: Pick<CallContext, "principal" | "services" | "stream">,
  open: (options: StreamOptions) => Promise<ContainerLogs>,
): Promise<EventFeed | TextFeed> {
  // Taken before the daemon's stream is opened, so a refusal leaves nothing open behind it.
  const slot = acquireSlot(ctx, "streams");
  const upstream = new AbortController();
  let logs: ContainerLogs;
  try {
    logs = await open({ signal: upstream.signal });
  } catch (error) {
    slot();
    throw error;
  }
  // Aborting here too closes the daemon's stream should the feed be dropped without being read.
  const release = () => {
    upstream.abort();
    slot();
  };
  const follow = (signal: AbortSignal) => {
    if (signal.aborted) upstream.abort();
    else signal.addEventListener("abort", () => upstream.abort(), { once: true });
  };
  if (ctx.stream === "events") {
    return new EventFeed(async (send, signal) => {
      follow(signal);
      for await (const line of logs.lines()) await send("log", line);
    }, release);
  }
  return new TextFeed(async (write, signal) => {
    follow(signal);
    for await (const chunk of logs.text()) await write(chunk);
  }, release);
}
