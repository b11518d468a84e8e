// portcall as an AWS Lambda function, over the same app as the server. `handler`: API Gateway (HTTP and REST
// APIs), an ALB or a buffered function URL, and the scheduled sweep (an EventBridge "Scheduled Event").
// `streamHandler`: a function URL in response-streaming mode, where SSE and NDJSON answers stream.
// Nothing happens at import but building the app: services are built by the first invocation.
import { handle, type LambdaContext, type LambdaEvent } from "hono/aws-lambda";
import { createApp } from "./app.js";
import { bufferedFront } from "./function/buffered.js";
import { FunctionInstance } from "./function/function-instance.js";
import { streamingHandler } from "./function/streaming.js";

/** What EventBridge sends for a schedule's rule; only the fields that tell it apart are read. */
export type ScheduledEvent = { source: "aws.events"; "detail-type": "Scheduled Event" };

function isScheduled(event: unknown): event is ScheduledEvent {
  if (typeof event !== "object" || event === null) return false;
  const fields = event as Record<string, unknown>;
  return fields.source === "aws.events" && fields["detail-type"] === "Scheduled Event";
}

const instance = new FunctionInstance();
const app = createApp(() => instance.services());
const buffered = handle(bufferedFront(app));

export async function handler(event: LambdaEvent | ScheduledEvent, context: LambdaContext) {
  if (isScheduled(event)) return instance.sweep();
  try {
    return await buffered(event, context);
  } finally {
    await instance.afterInvocation();
  }
}

export const streamHandler = streamingHandler(app, () => instance.afterInvocation());

/** Closes what this instance holds open (the store, Docker connections) and gives back what it holds. */
export function shutdown(): Promise<void> {
  return instance.close();
}

// The runtime sends SIGTERM before it shuts an instance down when an extension is registered.
process.once("SIGTERM", () => {
  void shutdown().finally(() => process.exit(0));
});
