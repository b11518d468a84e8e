import { afterAll, beforeAll } from "vitest";
import { type TestApp, testApp } from "./app.js";
import { type FaultSocket, silentSocket } from "./fault-sockets.js";

/**
 * The real app with one host whose daemon never answers, set up and torn down around the calling `describe`:
 * whatever a test sees there was settled before portcall would have called Docker.
 *
 * @example
 * const app = appOverSilentDaemon("h");
 * it("…", async () => expect((await app().request("/v1/hosts/h/containers?al=1")).status).toBe(400));
 */
export function appOverSilentDaemon(hostId = "h"): () => TestApp {
  let socket: FaultSocket | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    socket = await silentSocket();
    app = await testApp({ hosts: [{ id: hostId, url: socket.url }] });
  });
  afterAll(() => socket?.close());
  return () => {
    if (!app) throw new Error("the app is made in beforeAll: call it inside a test");
    return app;
  };
}
