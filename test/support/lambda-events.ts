import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { LambdaContext, LambdaEvent } from "hono/aws-lambda";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "lambda");

/**
 * An API Gateway v2 (HTTP API) or function URL event: one format for both. hono's type of it asks for fields
 * (requestContext.authorizer) that only some integrations send; the recorded events are as AWS sends them.
 */
export type HttpEvent = Extract<LambdaEvent, { rawPath: string }>;

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

export function lambdaContext(): LambdaContext {
  return {
    ...fixture<Omit<LambdaContext, "getRemainingTimeInMillis">>("lambda-context.json"),
    getRemainingTimeInMillis: () => 30_000,
  };
}

/**
 * A recorded event, sent by another caller: `token` replaces the recorded Authorization (null: none), `path`
 * the path (in both places API Gateway puts it), `body` the JSON body.
 */
export function httpEvent(
  name: string,
  changes: { token?: string | null; path?: string; body?: unknown; headers?: Record<string, string> } = {},
): HttpEvent {
  const event = fixture<HttpEvent>(name);
  if (changes.token === null) delete event.headers.authorization;
  else if (changes.token !== undefined) event.headers.authorization = `Bearer ${changes.token}`;
  if (changes.path !== undefined) {
    event.rawPath = changes.path;
    event.requestContext.http.path = changes.path;
  }
  if (changes.body !== undefined) {
    event.body = JSON.stringify(changes.body);
    event.headers["content-length"] = String(Buffer.byteLength(event.body));
  }
  Object.assign(event.headers, changes.headers);
  return event;
}

/** What a response stream received: the runtime's metadata prelude, then the body. */
export class RecordedResponseStream extends Writable {
  private readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }

  /** The prelude is JSON, then 8 zero bytes, then the body: how a function URL tells status from body. */
  answer(): { statusCode: number; headers: Record<string, string>; body: string } {
    const all = Buffer.concat(this.chunks);
    const end = all.indexOf(Buffer.alloc(8));
    if (end < 0) throw new Error(`no metadata prelude in the stream: ${all.toString("utf8").slice(0, 200)}`);
    const metadata = JSON.parse(all.subarray(0, end).toString("utf8"));
    return { ...metadata, body: all.subarray(end + 8).toString("utf8") };
  }
}

/**
 * The part of the Node.js Lambda runtime's `awslambda` global that response streaming uses, as it behaves:
 * `streamifyResponse` marks a handler as streaming, and `HttpResponseStream.from` writes the metadata prelude
 * (status, headers, cookies as JSON, then 8 zero bytes) ahead of the body.
 */
export function installAwsLambdaStandIn(): void {
  const awslambda = {
    streamifyResponse: <T>(handler: T): T => handler,
    HttpResponseStream: {
      from(stream: Writable, metadata: Record<string, unknown>): Writable {
        stream.write(JSON.stringify(metadata));
        stream.write(Buffer.alloc(8));
        return stream;
      },
    },
  };
  Object.assign(globalThis, { awslambda });
}
