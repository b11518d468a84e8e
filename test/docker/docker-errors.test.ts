import { describe, expect, it } from "vitest";
import { toApiError } from "../../src/docker/docker-errors.js";

// docker-modem's error shapes, as it builds them; a daemon cannot be made to produce some of these on demand.
const modemError = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    json: { message },
  });
const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

const context = { hostId: "edge-1", deadlineMs: 10_000 };

describe("daemon and socket failures become portcall errors", () => {
  it("says which container is missing on a daemon 404", () => {
    const error = toApiError(modemError(404, "No such container: web"), {
      ...context,
      target: { kind: "container", ref: "web" },
    });
    expect(error).toMatchObject({ code: "container_not_found", status: 404 });
    expect(error.message).toBe('Container "web" does not exist on host "edge-1".');
  });

  it.each([
    ["ECONNREFUSED", "the connection was refused"],
    ["ENOENT", "its socket does not exist"],
    ["EACCES", "permission to its socket was denied"],
  ])("answers 503 host_unavailable when the socket fails with %s", (code, phrase) => {
    const error = toApiError(socketError(code), context);
    expect(error).toMatchObject({ code: "host_unavailable", status: 503 });
    expect(error.message).toContain(phrase);
    expect(error.message).not.toContain("/var/run/docker.sock");
  });

  it("answers 504 host_timeout when our deadline fired", () => {
    const error = toApiError(new DOMException("aborted", "AbortError"), {
      ...context,
      abortedBy: "deadline",
    });
    expect(error).toMatchObject({ code: "host_timeout", status: 504 });
    expect(error.message).toBe('Host "edge-1" did not answer within 10000 ms.');
  });

  it("answers 502 host_error with the daemon's message, never docker-modem's wording", () => {
    const error = toApiError(modemError(500, "driver failed\r\nFAKE LOG LINE"), context);
    expect(error).toMatchObject({ code: "host_error", status: 502 });
    expect(error.message).toBe('Host "edge-1" answered HTTP 500: driver failed FAKE LOG LINE.');
    expect(error.message).not.toContain("HTTP code");
  });

  it.each([
    [{ message: { nested: true } }, 'answered HTTP 500: {"message":{"nested":true}}.'],
    [{ error: "engine says no" }, "answered HTTP 500: engine says no."],
    [{}, "answered HTTP 500."],
    [Buffer.from("not json at all"), "answered HTTP 500: not json at all."],
  ])("reads a daemon's error body %j as text, never as [object Object]", (json, reads) => {
    // As docker-modem builds it: the body's `message`, else `error`, else the body, pasted into a string.
    const error = Object.assign(new Error(`(HTTP code 500) server error - ${String(json)} `), {
      statusCode: 500,
      json,
    });
    expect(toApiError(error, context).message).toBe(`Host "edge-1" ${reads}`);
  });

  it("says nothing rather than [object Object] for a streaming call's body without a message", () => {
    const error = Object.assign(new Error("(HTTP code 500) server error - [object Object] "), {
      statusCode: 500,
      json: null,
    });
    expect(toApiError(error, context).message).toBe('Host "edge-1" answered HTTP 500.');
  });

  it("passes a daemon 400 on as invalid_request with the daemon's reason", () => {
    const error = toApiError(modemError(400, "invalid filter 'x'"), context);
    expect(error).toMatchObject({ code: "invalid_request", status: 400 });
    expect(error.message).toContain("invalid filter 'x'");
  });

  it("never shows an unknown exception's text", () => {
    const error = toApiError(new TypeError("Cannot read properties of undefined (reading 'Id')"), context);
    expect(error.code).toBe("host_error");
    expect(error.message).not.toContain("Cannot read");
  });
});
