import http from "node:http";

export type Answer = { status: number; body: string };

/**
 * Requests over a keep-alive pool of node:http's own, which the test can close at once (`destroy()`): the
 * server's descriptors are compared with none of the load's connections still open.
 */
export class LoadClient {
  readonly agent: http.Agent;

  constructor(
    private readonly url: string,
    private readonly token: string,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** One request, its whole body read; rejects only when the connection fails. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = this.open(method, path, body, headers, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
  }

  /** A followed stream read until `enough` says so, then left, as a client closing its tab does. */
  sample(path: string, accept: string, enough: (text: string) => boolean): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = this.open("GET", path, undefined, { Accept: accept }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        const done = () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: text });
        };
        if ((res.statusCode ?? 0) !== 200) {
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          return;
        }
        res.on("data", (chunk: string) => {
          text += chunk;
          if (enough(text)) done();
        });
        res.on("end", done);
        res.on("error", done);
      });
      // Once the sample is taken, the error of the connection it destroyed comes too late to count.
      req.on("error", reject);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }

  private open(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    onResponse: (res: http.IncomingMessage) => void,
  ): http.ClientRequest {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${this.url}${path}`,
      {
        method,
        agent: this.agent,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(payload ? { "Content-Type": "application/json" } : {}),
          ...headers,
        },
      },
      onResponse,
    );
    req.end(payload);
    return req;
  }
}
