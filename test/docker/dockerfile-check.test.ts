import { describe, expect, it } from "vitest";
import { remoteSources } from "../../src/docker/dockerfile-check.js";

const URL = "http://127.0.0.1:4000/secret";
const lines = (...text: string[]) => text.join("\n");
const found = (dockerfile: string) => remoteSources(dockerfile).map(({ line, reason }) => ({ line, reason }));

describe("remote ADD sources of a Dockerfile", () => {
  it("finds a URL source whatever its scheme or its spelling", () => {
    for (const source of [
      URL,
      "HTTPS://example.com/x",
      "git://host/repo.git",
      "ftp://h/f",
      "git@host:team/repo",
    ]) {
      expect(found(lines("FROM busybox", `ADD ${source} /s`))).toEqual([{ line: 2, reason: "url" }]);
    }
  });

  it("reads instruction names in any case, flags before the sources, and ONBUILD", () => {
    for (const instruction of [
      `add ${URL} /s`,
      `Add ${URL} /s`,
      `ADD --chown=1:1 --chmod=644 ${URL} /s`,
      `ADD --checksum=sha256:0123 ${URL} /s`,
      `ADD --link --keep-git-dir=true ${URL} /s`,
      `ADD -- ${URL} /s`,
      `ONBUILD ADD ${URL} /s`,
      `onbuild add --chown=1 ${URL} /s`,
      // Go lowercases the dotted capital I to a plain i.
      `ONBU\u0130LD ADD ${URL} /s`,
    ]) {
      expect(found(lines("FROM busybox", instruction)), instruction).toEqual([{ line: 2, reason: "url" }]);
    }
  });

  it("reads the JSON form, its escapes, and quotes or backslashes the shell-word rules drop", () => {
    for (const instruction of [
      `ADD ["${URL}", "/s"]`,
      `ADD ["${URL}","/s"]`,
      'ADD ["http\\u003a//127.0.0.1/x", "/s"]',
      'ADD "http://127.0.0.1/x" /s',
      "ADD ht\\tp://127.0.0.1/x /s",
      "ADD http:/''/127.0.0.1/x /s",
    ]) {
      expect(found(lines("FROM busybox", instruction)), instruction).toEqual([{ line: 2, reason: "url" }]);
    }
  });

  it("joins continued lines, skipping comment and blank lines inside them, even in the middle of a name", () => {
    expect(found(lines("FROM busybox", "ADD \\", `   ${URL} /s`))).toEqual([{ line: 2, reason: "url" }]);
    expect(found(lines("FROM busybox", "AD\\", `D ${URL} /s`))).toEqual([{ line: 2, reason: "url" }]);
    expect(found(lines("FROM busybox", "ADD \\", "# a comment", "", `  ${URL} \\`, "  /s"))).toEqual([
      { line: 2, reason: "url" },
    ]);
    expect(found(lines("FROM busybox", "RUN echo \\", "# ADD http://x/y /z", "  done"))).toEqual([]);
  });

  it("honours the escape directive, and takes both characters where Engine versions disagree", () => {
    expect(found(lines("# escape=`", "FROM busybox", "ADD `", `  ${URL} /s`))).toEqual([
      { line: 3, reason: "url" },
    ]);
    // With ` as the escape character, a trailing backslash is a Windows path, not a continuation.
    expect(found(lines("# escape=`", "FROM busybox", "ADD src C:\\app\\", "RUN wget https://x/y"))).toEqual(
      [],
    );
    // A `# check=` line ends the directives for older parsers only: both readings are checked.
    expect(found(lines("# check=skip=all", "# escape=`", "FROM busybox", "ADD `", `  ${URL} /s`))).toEqual([
      { line: 4, reason: "url" },
    ]);
  });

  it("treats every line that is not a comment as a possible instruction start", () => {
    // Newer parsers end the heredoc at `X\`; older ones would continue it into the ADD.
    const heredoc = lines("FROM busybox", "RUN <<'X\\'", "echo hi", "X\\", "AD\\", `D ${URL} /s`);
    expect(found(heredoc)).toEqual([{ line: 5, reason: "url" }]);
    // An escaped escape character ends the line for newer parsers.
    expect(found(lines("FROM busybox", "RUN echo \\\\", `ADD ${URL} /s`))).toEqual([
      { line: 3, reason: "url" },
    ]);
  });

  it("refuses a source that a variable could make a URL, but not a variable destination or flag", () => {
    for (const instruction of [
      "ADD $URL /s",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a template
      "ADD ${URL} /s",
      "ADD a$U /s",
      'ADD ["$URL", "/s"]',
      'ADD ["$URL","/s"]',
      'ADD ["\\u0024URL", "/s"]',
    ]) {
      expect(found(lines("FROM busybox", instruction)), instruction).toEqual([
        { line: 2, reason: "variable" },
      ]);
    }
    expect(found(lines("FROM busybox", "ADD --chown=$UID:$GID app.tar /home/$USER/"))).toEqual([]);
    expect(found(lines("FROM busybox", 'ADD ["app.tar", "$HOME/"]'))).toEqual([]);
  });

  it("splits flags where the daemon does, byte for byte", () => {
    // 0xA0 is the second byte of a no-break space: the daemon's flag reader ends the flag there.
    expect(found(lines("FROM busybox", "ADD --chown=\u00a0$URL /s"))).toEqual([
      { line: 2, reason: "variable" },
    ]);
    // A quoted flag swallowing what a version that ends the line earlier reads as an instruction.
    expect(found(lines("FROM busybox", 'ADD --chown="\\\\', 'ADD $URL /s"'))).toEqual([
      { line: 2, reason: "variable" },
    ]);
  });

  it("leaves local sources, COPY, RUN and comments alone", () => {
    const dockerfile = lines(
      "\uFEFF# syntax=docker/dockerfile:1",
      "FROM busybox",
      "LABEL org.opencontainers.image.source=https://github.com/x/y",
      "# ADD http://example.com/x /x",
      "COPY http.txt /",
      "ADD app.tar.gz ./vendor/*.txt /opt/",
      'ADD ["a b.txt", "/c/"]',
      "RUN wget -O /x https://example.com/x && \\",
      "    echo done",
      "ONBUILD RUN curl https://example.com",
    );
    expect(remoteSources(dockerfile)).toEqual([]);
  });

  it("names the source it refuses and the line it is on", () => {
    expect(remoteSources(lines("FROM busybox", "", `ADD --chown=1 ${URL} /s`))).toEqual([
      { line: 3, source: URL, reason: "url" },
    ]);
  });
});
