import { describe, expect, it } from "vitest";
import { matchesExpected, segmentsOf, walkOf } from "./readme-walk.js";

const fence = "```";

describe("the README walk's convention", () => {
  it("checks each command group against the # => lines after it, … standing for anything", () => {
    const segments = segmentsOf("echo a\n# => a\necho b\necho c\n\necho d\n# => d", 10);
    expect(segments).toEqual([
      { line: 10, code: "echo a\n", expected: ["a"] },
      { line: 12, code: "echo b\necho c\n", expected: null },
      { line: 14, code: "\necho d\n", expected: ["d"] },
    ]);
    expect(
      matchesExpected('{"id":"run_1","status":"exited"} 201\n', ['{"id":"run_…","status":"exited"} 201']),
    ).toBe(true);
    expect(matchesExpected("1\n2\n3", ["1", "…", "3"])).toBe(true);
    expect(segmentsOf('echo \'{"a":1,"b":2}\'\n# => {"a":1,\n# =>  "b":2}', 1)[0]?.expected).toEqual([
      '{"a":1,"b":2}',
    ]);
    expect(matchesExpected("201 true", ["201"])).toBe(false);
  });

  it("keeps a heredoc with blank lines in one group", () => {
    const segments = segmentsOf("cat > f <<'EOF'\na\n\n# => not an expectation\nEOF\ncat f\n# => a", 1);
    expect(segments).toHaveLength(1);
    expect(segments[0]?.expected).toEqual(["a"]);
  });

  it("runs ```sh blocks, saves blocks marked as files, and lists the ones it does not run", () => {
    const steps = walkOf(
      [
        `${fence}sh\necho hi\n${fence}`,
        `<!-- readme-test: file client.ts -->\n${fence}ts\nconsole.log(1);\n${fence}`,
        `<!-- readme-test: skip — needs Java -->\n${fence}sh\njava\n${fence}`,
        `${fence}json\n{}\n${fence}`,
      ].join("\n\n"),
    );
    expect(steps.map((step) => step.kind)).toEqual(["run", "file", "skip"]);
    expect(steps[2]).toMatchObject({ reason: "needs Java" });
  });

  it("refuses other shell fences and markers without a reason", () => {
    expect(() => walkOf(`${fence}bash\necho hi\n${fence}`)).toThrow(/```sh/);
    expect(() => walkOf(`<!-- readme-test: skip -->\n${fence}sh\necho hi\n${fence}`)).toThrow(/reason/);
  });
});
