import { StringDecoder } from "node:string_decoder";
import { checkExecTarget } from "../../docker/create-policy.js";
import type { ExecSession } from "../../docker/exec-session.js";
import type { LogStream } from "../../docker/log-frames.js";
import { OutputCapture } from "../../docker/output-capture.js";
import { HOST_CALL_ERRORS } from "../../errors/api-error.js";
import { ExecEventSchema, ExecRequestSchema, ExecResultSchema } from "../../schemas/exec.js";
import { ContainerParamsSchema } from "../../schemas/params.js";
import { grantedClient } from "../access.js";
import { acquireSlot } from "../limits.js";
import { defineOperation } from "../operation.js";
import { EventFeed, type Send } from "../streams.js";

/** The output events of one exec: text as it comes, a character split across chunks sent whole. */
async function streamOutput(session: ExecSession, send: Send): Promise<void> {
  const decoders: Record<LogStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  const sendText = async (stream: LogStream, data: string) => {
    if (data) await send("output", { stream, data });
  };
  const outcome = await session.run((stream, data) => sendText(stream, decoders[stream].write(data)));
  for (const stream of ["stdout", "stderr"] as const) await sendText(stream, decoders[stream].end());
  await send("exit", outcome);
}

export const execContainer = defineOperation({
  name: "execContainer",
  scope: "containers:exec",
  tags: ["Containers"],
  summary: "Run a command in a running container",
  description:
    "Runs `cmd` in the container, never privileged, with `stdin` (if any) as its input, and answers when it has " +
    "ended: exit code, output (its beginning and end within `outputLimitBytes`) and duration. With `Accept: " +
    "application/x-ndjson` or `text/event-stream` the output streams as it comes (`output` events) and ends with " +
    "an `exit` event. A command that fails to start (unknown user, missing working directory) ends with Docker's " +
    "exit code 126 and its message on stdout; a program that is not there ends with 127 (126 without `/bin/sh`).\n\n" +
    "When `timeoutSeconds` pass, or the client goes away, the command is killed with SIGKILL together with " +
    "everything it started (its process group and descendants), and the answer says `timedOut: true`. Docker " +
    "has no call for this, so the command runs under the container's `/bin/sh`, which tells portcall its pid " +
    "and then becomes the command, and a second exec as the same user kills it. In a container without " +
    "`/bin/sh` the command runs as given and cannot be killed: the call still ends at the deadline with " +
    "`timedOut: true`, but the command runs on until it ends or the container stops.\n\n" +
    "The create policy applies to the container itself: exec into a container that is privileged, has added " +
    "capabilities, host devices, loosened security options or a namespace of the host or another container, " +
    "or that binds a host path (directly or through a volume) or uses the host network beyond the token's " +
    "policy grants, is 403 `policy_denied`.\n\n" +
    "Each call holds one of its subject's exec slots until it ends (429 `too_many_requests` past the limit).",
  input: ContainerParamsSchema.extend({ exec: ExecRequestSchema }),
  output: ExecResultSchema,
  errors: [
    ...HOST_CALL_ERRORS,
    "container_not_found",
    "conflict",
    "policy_denied",
    "too_many_requests",
    "unsupported_media_type",
    "payload_too_large",
    "internal_error",
  ],
  http: {
    method: "post",
    path: "/v1/hosts/{host}/containers/{id}/exec",
    body: "exec",
    responses: { 200: "How the command ended, with its output; or the stream of its output and end." },
  },
  stream: { events: ExecEventSchema },
  async run(ctx, { host: hostId, id, exec: { timeoutSeconds, outputLimitBytes, ...command } }) {
    const host = await grantedClient(ctx, hostId);
    const target = await host.containerPowers(id, { signal: ctx.signal });
    checkExecTarget(target, ctx.principal.policy);
    const slot = acquireSlot(ctx, "exec");
    const streamed = ctx.stream === "events";
    // Started before any answer goes out, so a missing or stopped container is a real 404 or 409.
    const upstream = new AbortController();
    let session: ExecSession;
    try {
      // By the id just checked: a name could be given to another container in between.
      session = await host.exec(
        target.id,
        { ...command, timeoutMs: timeoutSeconds * 1000 },
        { signal: streamed ? upstream.signal : ctx.signal },
      );
    } catch (error) {
      slot();
      throw error;
    }
    if (streamed) {
      return new EventFeed((send, signal) => {
        if (signal.aborted) upstream.abort();
        else signal.addEventListener("abort", () => upstream.abort(), { once: true });
        return streamOutput(session, send);
      }, slot);
    }
    try {
      const capture = new OutputCapture(outputLimitBytes);
      const outcome = await session.run((stream, data) => capture.push(stream, data));
      return { ...outcome, ...capture.result() };
    } finally {
      slot();
    }
  },
});
