import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { stringify } from "node:querystring";
import { addAbortSignal } from "node:stream";

/** How docker-modem reaches its daemon, as dockerode's constructor resolved it from our connection. */
export type ModemTarget = {
  socketPath?: string | (() => unknown);
  host?: string;
  port?: number | string;
  protocol?: string;
  ca?: string | string[] | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** `v1.47` once the API version was negotiated. */
  version?: string;
  headers?: Record<string, string>;
};

/** Each status the call expects: `true` for success, else the reason docker-modem would name in its error. */
export type StatusCodes = Record<number, true | string>;

export type JsonGet = {
  path: string;
  /** Values that are objects (filters) go as JSON, as docker-modem sends them. */
  query?: Record<string, string | number | boolean | object | undefined>;
  statusCodes: StatusCodes;
};

function queryString(query: JsonGet["query"]): string {
  if (!query) return "";
  const flat: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    flat[key] = typeof value === "object" ? JSON.stringify(value) : value;
  }
  const text = stringify(flat);
  return text ? `?${text}` : "";
}

/** docker-modem's error for an unexpected status, so that `toApiError` reads both alike. */
function statusError(status: number, reason: string | undefined, body: Buffer): Error {
  let json: unknown = null;
  try {
    json = JSON.parse(body.toString());
  } catch {
    // Not JSON: the body's text is the cause.
  }
  const payload = json as { message?: unknown; error?: unknown } | null;
  const cause = payload?.message || payload?.error || (json ?? body.toString());
  const error = new Error(`(HTTP code ${status}) ${reason ?? "unexpected"} - ${String(cause)} `);
  return Object.assign(error, { reason, statusCode: status, json: json ?? body });
}

/**
 * A GET whose answer is JSON, sent on docker-modem's own connection settings and Node's global agents (the
 * same pooled keep-alive sockets its calls use; a custom agent makes every call slow under concurrency), but
 * without what docker-modem does per call that a read does not need: it renders the whole request with
 * `util.inspect` for its debug log even when that log is off, resolves URLs and copies options. The hot reads
 * (inspect, list) go this way; everything else stays on dockerode.
 */
export function getJson<T>(modem: ModemTarget, call: JsonGet, signal: AbortSignal): Promise<T> {
  const path = `${modem.version ? `/${modem.version}` : ""}${call.path}${queryString(call.query)}`;
  const https = modem.protocol === "https";
  const base = { method: "GET", path, headers: { ...modem.headers }, signal };
  const options =
    typeof modem.socketPath === "string"
      ? { ...base, socketPath: modem.socketPath }
      : { ...base, host: modem.host, port: modem.port, ca: modem.ca, cert: modem.cert, key: modem.key };
  return new Promise<T>((resolve, reject) => {
    let req: ClientRequest;
    const onResponse = (res: IncomingMessage) => {
      // The request's signal covers only the wait for headers; the body is read under it too.
      addAbortSignal(signal, res);
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        const expected = call.statusCodes[status];
        if (expected !== true) return reject(statusError(status, expected, body));
        try {
          resolve(JSON.parse(body.toString()) as T);
        } catch (error) {
          reject(error);
        }
      });
    };
    try {
      req = https ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
    } catch (error) {
      reject(error);
      return;
    }
    req.on("error", reject);
    req.end();
  });
}
