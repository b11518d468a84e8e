/**
 * README.md as a walk: its fenced blocks in order, split into what the test runs and what it checks.
 *
 * The convention (README.md follows it; sections merged into it later pick it up as they are):
 * - Shell examples are fenced ```sh. Other shell fences (```bash, ```shell, ```console) are refused, so no
 *   example escapes the walk by its fence.
 * - `# => text` lines right after a command are what that command prints: the output of the commands since the
 *   previous `# =>` lines (or blank line) must match them, line by line, where `…` stands for anything (also
 *   several lines). Trailing spaces do not count; a `# =>` line indented by a further space goes on with the
 *   line before it (a long answer, wrapped). A command without `# =>` lines must only succeed.
 * - A command fails the walk when it exits non-zero, except a stream that `curl --max-time` ends (exit 28).
 * - `<!-- readme-test: file NAME -->` on the line before a block of any language: the walk writes the block to
 *   NAME in its current folder at that point, as a reader saves it.
 * - `<!-- readme-test: skip — REASON -->` before a ```sh block: not run here, for the reason given.
 *   `<!-- readme-test: stand-in NAME — REASON -->`: not run here; the test runs its stand-in NAME instead.
 *   The test lists both and keeps them few.
 */

export type Segment = { line: number; code: string; expected: string[] | null };

export type Step =
  | { kind: "run"; line: number; segments: Segment[] }
  | { kind: "file"; line: number; name: string; content: string }
  | { kind: "skip"; line: number; reason: string; code: string }
  | { kind: "stand-in"; line: number; name: string; reason: string; code: string };

const FENCE = /^```([\w-]*)\s*$/;
const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;
const EXPECT = /^# =>(?: (.*))?$/;
const HEREDOC = /<<-?\s*['"]?(\w+)['"]?/;
const OTHER_SHELLS = new Set(["bash", "shell", "console", "zsh", "shell-session"]);

type Block = { line: number; lang: string; content: string; marker: string | null };

function blocksOf(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] ?? "").trimEnd() !== "```"; i++) body.push(lines[i] ?? "");
    let before = start - 1;
    while (before >= 0 && (lines[before] ?? "").trim() === "") before--;
    const marker = MARKER.exec((lines[before] ?? "").trim())?.[1] ?? null;
    blocks.push({ line: start + 1, lang: open[1] ?? "", content: body.join("\n"), marker });
  }
  return blocks;
}

/**
 * A ```sh block's commands in groups, each run with the `# =>` lines that follow it. A group ends at its `# =>`
 * lines or at a blank line (outside a heredoc), so what an unchecked command prints is never held against the
 * next one.
 */
export function segmentsOf(code: string, firstLine: number): Segment[] {
  const segments: Segment[] = [];
  let current: Segment = { line: firstLine, code: "", expected: null };
  let heredoc: string | null = null;
  const close = (index: number) => {
    if (current.expected || current.code.trim() !== "") segments.push(current);
    current = { line: firstLine + index, code: "", expected: null };
  };
  code.split("\n").forEach((text, index) => {
    const expect = heredoc === null ? EXPECT.exec(text) : null;
    if (expect) {
      const shown = expect[1] ?? "";
      const lines = current.expected ?? [];
      // Indented further: the line before it goes on (a long JSON answer, wrapped to be read).
      if (shown.startsWith(" ") && lines.length > 0) lines[lines.length - 1] += shown.trimStart();
      else lines.push(shown);
      current.expected = lines;
      return;
    }
    if (current.expected || (heredoc === null && text.trim() === "")) close(index);
    if (heredoc !== null && text === heredoc) heredoc = null;
    else heredoc ??= HEREDOC.exec(text)?.[1] ?? null;
    current.code += `${text}\n`;
  });
  close(0);
  return segments;
}

/** The reason after `skip`/`stand-in NAME`, separated by a dash or a colon; a marker without one is refused. */
function reasonOf(rest: string, line: number): string {
  const reason = rest.replace(/^\s*[—–:-]\s*/, "").trim();
  if (reason === "") throw new Error(`README line ${line}: a readme-test marker needs a reason`);
  return reason;
}

function stepOf(block: Block): Step | null {
  const marker = block.marker ?? "";
  const file = /^file\s+(\S+)$/.exec(marker);
  if (file) return { kind: "file", line: block.line, name: file[1] ?? "", content: block.content };
  if (OTHER_SHELLS.has(block.lang)) {
    throw new Error(`README line ${block.line}: fence shell examples as \`\`\`sh, not \`\`\`${block.lang}`);
  }
  if (block.lang !== "sh") return null;
  // The block's text starts on the line after its fence.
  const first = block.line + 1;
  const standIn = /^stand-in\s+(\S+)(.*)$/.exec(marker);
  if (standIn) {
    const reason = reasonOf(standIn[2] ?? "", block.line);
    return { kind: "stand-in", line: block.line, name: standIn[1] ?? "", reason, code: block.content };
  }
  const skip = /^skip(.*)$/.exec(marker);
  if (skip)
    return {
      kind: "skip",
      line: block.line,
      reason: reasonOf(skip[1] ?? "", block.line),
      code: block.content,
    };
  if (marker !== "") throw new Error(`README line ${block.line}: unknown readme-test marker "${marker}"`);
  return { kind: "run", line: block.line, segments: segmentsOf(block.content, first) };
}

export function walkOf(markdown: string): Step[] {
  return blocksOf(markdown).flatMap((block) => stepOf(block) ?? []);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `output` is what the `# =>` lines show: the whole of it, `…` standing for anything. */
export function matchesExpected(output: string, expected: string[]): boolean {
  const normalise = (text: string) =>
    text
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .replace(/^\n+|\n+$/g, "");
  const pattern = normalise(expected.join("\n")).split("…").map(escapeRegExp).join("[\\s\\S]*?");
  return new RegExp(`^${pattern}$`).test(normalise(output));
}

/** Replaces each README literal by what the rig has in its place. */
export function substitute(text: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  return replacements.reduce((result, [from, to]) => result.split(from).join(to), text);
}
