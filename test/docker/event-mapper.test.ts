import { describe, expect, it } from "vitest";
import { parseEngineEvent, toDockerTime } from "../../src/docker/event-mapper.js";

// Lines as Docker 20.10 writes them on GET /events; timeNano is past a double's precision on purpose.
const dieLine =
  '{"status":"die","id":"4c2a","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"4c2a",' +
  '"Attributes":{"exitCode":"3","image":"busybox","name":"web-1","app":"web"}},"scope":"local",' +
  '"time":1795839804,"timeNano":1795839804883226141}';

describe("Docker events as portcall's events", () => {
  it("maps a container's die, keeping the time to the nanosecond", () => {
    expect(parseEngineEvent("rig1", dieLine)).toEqual({
      timeNano: 1795839804883226141n,
      event: {
        type: "container",
        host: "rig1",
        action: "die",
        id: "4c2a",
        name: "web-1",
        image: "busybox",
        attributes: { exitCode: "3", image: "busybox", name: "web-1", app: "web" },
        time: "2026-11-28T04:23:24.883Z",
        exitCode: 3,
      },
    });
  });

  it("splits an action's detail off, as in exec_start and health_status", () => {
    const line = dieLine.replace('"Action":"die"', '"Action":"exec_start: sh -c ls "');
    expect(parseEngineEvent("rig1", line)?.event).toMatchObject({ action: "exec_start", detail: "sh -c ls" });
  });

  it("takes no image from an image event's attributes, and no exit code from a non-number", () => {
    const line =
      '{"Type":"image","Action":"pull","Actor":{"ID":"busybox:latest","Attributes":{"name":"busybox",' +
      '"exitCode":"x"}},"time":1795839804,"timeNano":1795839804000000001}';
    const event = parseEngineEvent("rig2", line)?.event;
    expect(event).toMatchObject({ type: "image", action: "pull", id: "busybox:latest", name: "busybox" });
    expect(event).not.toHaveProperty("image");
    expect(event).not.toHaveProperty("exitCode");
  });

  it("does not take a label holding timeNano text for the event's time", () => {
    const line =
      '{"Type":"container","Action":"start","Actor":{"ID":"a","Attributes":{"note":"\\"timeNano\\":1}"}},' +
      '"time":1795839804,"timeNano":1795839804000000007}';
    expect(parseEngineEvent("rig1", line)?.timeNano).toBe(1795839804000000007n);
  });

  it("falls back to whole seconds when timeNano is missing", () => {
    const line = '{"Type":"network","Action":"connect","Actor":{"ID":"n"},"time":1795839804}';
    expect(parseEngineEvent("rig1", line)).toMatchObject({
      timeNano: 1795839804000000000n,
      event: { type: "network", attributes: {} },
    });
  });

  it("skips lines that are not events", () => {
    for (const line of [
      "",
      "not json",
      "[]",
      '{"Type":"mystery","Action":"x","time":1}',
      '{"Type":"image"}',
    ]) {
      expect(parseEngineEvent("rig1", line), line).toBeUndefined();
    }
  });

  it("writes Docker's since with all nine digits of nanoseconds", () => {
    expect(toDockerTime(1795839804000000007n)).toBe("1795839804.000000007");
    expect(toDockerTime(1795839804883226141n)).toBe("1795839804.883226141");
  });
});
