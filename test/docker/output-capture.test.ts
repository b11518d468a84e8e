import { describe, expect, it } from "vitest";
import { OutputCapture } from "../../src/docker/output-capture.js";

describe("the output a run keeps", () => {
  it("is everything, byte for byte, while it fits", () => {
    const capture = new OutputCapture(1024);
    capture.push("stdout", Buffer.from("hello "));
    capture.push("stdout", Buffer.from("world\n"));
    capture.push("stderr", Buffer.from("warning\n"));
    expect(capture.result()).toEqual({
      stdout: "hello world\n",
      stderr: "warning\n",
      truncated: false,
      stdoutBytes: 12,
      stderrBytes: 8,
    });
  });

  it("keeps the beginning and the end of a stream that overflows, and says how much was cut", () => {
    const capture = new OutputCapture(40);
    capture.push("stdout", Buffer.from("BEGIN-"));
    for (let i = 0; i < 1000; i += 1) capture.push("stdout", Buffer.from("middle"));
    capture.push("stdout", Buffer.from("-END"));
    const { stdout, truncated, stdoutBytes } = capture.result();
    expect(truncated).toBe(true);
    expect(stdoutBytes).toBe(6 + 6000 + 4);
    expect(stdout.startsWith("BEGIN-midd")).toBe(true);
    expect(stdout.endsWith("iddle-END")).toBe(true);
    expect(stdout).toContain(`[… portcall cut ${stdoutBytes - 20} bytes …]`);
  });

  it("does not break a character split across two chunks", () => {
    const capture = new OutputCapture(1024);
    const euro = Buffer.from("€");
    capture.push("stdout", euro.subarray(0, 1));
    capture.push("stdout", euro.subarray(1));
    expect(capture.result().stdout).toBe("€");
  });

  it("holds no more than its limit however much is pushed in one chunk", () => {
    const capture = new OutputCapture(64);
    capture.push("stderr", Buffer.alloc(10 * 1024 * 1024, "x"));
    const { stderr, truncated } = capture.result();
    expect(truncated).toBe(true);
    expect(stderr.replace(/\n\[….*…\]\n/, "")).toHaveLength(32);
  });
});
