import type { Writable } from "node:stream";
import { type LambdaContext, type LambdaEvent, streamHandle } from "hono/aws-lambda";
import type { App } from "../env.js";

/** A handler as the Lambda runtime calls it in response-streaming mode. */
export type StreamingHandler = (
  event: LambdaEvent,
  stream: Writable,
  context: LambdaContext,
) => Promise<void>;

/** The part of the Node.js Lambda runtime's `awslambda` global that response streaming uses. */
type LambdaRuntime = { streamifyResponse(handler: StreamingHandler): StreamingHandler };

const runtime = () => (globalThis as { awslambda?: LambdaRuntime }).awslambda;

/**
 * A response-streaming handler over `app` (a function URL with InvokeMode RESPONSE_STREAM): streams reach the
 * client as they are written. `after` runs once the answer has ended. Outside the Lambda runtime, which gives
 * the `awslambda` global this needs, the handler says so when called instead of failing the module's import.
 */
export function streamingHandler(app: App, after: () => Promise<void>): StreamingHandler {
  const lambda = runtime();
  if (!lambda) {
    return async () => {
      throw new Error(
        "streamHandler runs in the AWS Lambda Node.js runtime only: it needs its awslambda global",
      );
    };
  }
  // hono's streamHandle marks its handler for the runtime; the outer one is marked too, as it is the export.
  const streamed = streamHandle(app) as unknown as StreamingHandler;
  return lambda.streamifyResponse(async (event, stream, context) => {
    try {
      await streamed(event, stream, context);
    } finally {
      await after();
    }
  });
}
