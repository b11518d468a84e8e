/**
 * Finds the `ADD` sources of a Dockerfile that the daemon could fetch over the network, from where it runs: a
 * loopback-only service of the daemon's machine is one URL away. Pure: it reads text and says what it found.
 *
 * The reading follows the Engine's Dockerfile parser (moby/buildkit `frontend/dockerfile/parser`), and where
 * Engine versions read a file differently it takes every reading at once, so that no version sees an `ADD`
 * this check did not:
 * - the `# escape=` directive counts when it is the first line, as every version reads it; when directives
 *   come after other leading lines (versions disagree on which still count), both escape characters continue a
 *   line;
 * - any line that is not a comment may start an instruction, including lines inside a continuation: newer
 *   parsers end a heredoc or a line ending in an escaped escape character where older ones continue, so a line
 *   one version reads as the middle of an instruction is the start of one in another. An instruction started
 *   inside an earlier `ADD` is covered by the earlier one's check, which sees all of its words.
 */

/** Go's `unicode.IsSpace`, which the parser trims lines with (JavaScript's `\s` differs: U+0085, U+FEFF). */
const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING_SPACE = new RegExp(`^[${GO_SPACE}]+`);
const ONE_SPACE = new RegExp(`^[${GO_SPACE}]$`);
const ANY_SPACE = new RegExp(`[${GO_SPACE}]`, "g");
/** The parser's word separator (`reWhitespace`): fewer characters than it trims with. */
const WORD_SEPARATOR = /[\t\v\f\r ]+/;
/** A parser directive; Go's `\s` is `[\t\n\f\r ]`. */
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/;
/** Enough of an instruction's start to tell whether it is `ADD` or `ONBUILD … ADD`. */
const PREFIX_CHARS = 1024;
/** A directive is short; reading a longer first line as one would only cost time (the daemon refuses lines of 64 KiB). */
const DIRECTIVE_CHARS = 1024;
/** A line ending in the escape character and spaces or tabs continues, in every Engine version. */
const CONTINUATION: Record<string, RegExp> = { "\\": /\\[ \t]*$/, "`": /`[ \t]*$/ };

export type RemoteSource = {
  /** 1-based line of the Dockerfile where the instruction starts. */
  line: number;
  /** The source as written, or the instruction's text when the source is inside it. */
  source: string;
  /** `url`: a URL of any scheme, or a git remote; `variable`: expanded by the daemon, so not checkable here. */
  reason: "url" | "variable";
};

/** The end of `text` without the characters `drop` accepts; a loop, as a `[…]+$` pattern backtracks quadratically. */
function trimEnd(text: string, drop: (character: string) => boolean): string {
  let end = text.length;
  while (end > 0 && drop(text.charAt(end - 1))) end--;
  return text.slice(0, end);
}
/** Go's `strings.TrimSpace`. */
const trimSpace = (text: string) =>
  trimEnd(text, (character) => ONE_SPACE.test(character)).replace(LEADING_SPACE, "");
/**
 * An instruction name as the parser looks it up (Go's `strings.ToLower`, one rune to one rune): `ONBUİLD` is
 * `onbuild` to it, where JavaScript lowercases `İ` to two characters.
 */
const instruction = (name: string) => name.replace(/\u0130/g, "i").toLowerCase();
const isComment = (line: string) => line.replace(LEADING_SPACE, "").startsWith("#");
const isBlank = (line: string) => line.replace(LEADING_SPACE, "") === "";

/** The characters that may continue a line of this file: see the module comment. */
function escapeCharacters(lines: string[]): string[] {
  const firstLine = (lines[0] ?? "").replace(LEADING_SPACE, "");
  const first = firstLine.length <= DIRECTIVE_CHARS ? DIRECTIVE.exec(firstLine) : null;
  if (first?.[1]?.toLowerCase() === "escape" && (first[2] === "\\" || first[2] === "`")) return [first[2]];
  const leading: string[] = [];
  for (const line of lines) {
    if (!isComment(line)) break;
    leading.push(line);
  }
  return leading.some((line) => /escape/i.test(line)) ? ["\\", "`"] : ["\\"];
}

/** The line without its continuation character, and whether it had one. */
function continuation(line: string, escapes: string[]): { content: string; continues: boolean } {
  for (const character of escapes) {
    const match = CONTINUATION[character]?.exec(line);
    if (match) return { content: line.slice(0, match.index), continues: true };
  }
  return { content: line, continues: false };
}

type Piece = { line: number; content: string };

/**
 * Instructions as runs of joined lines: a line that continues takes the following ones up to one that does not,
 * skipping comment and blank lines, as the parser does. Lines that add nothing (a lone `\`) are left out: an
 * instruction starting on one reads the same as one starting on the next line.
 */
function chains(lines: string[], escapes: string[]): Piece[][] {
  const result: Piece[][] = [];
  let current: Piece[] | undefined;
  lines.forEach((line, index) => {
    if (isComment(line) || isBlank(line)) return;
    const { content, continues } = continuation(line, escapes);
    current ??= [];
    if (content !== "") current.push({ line: index + 1, content });
    if (!continues) {
      result.push(current);
      current = undefined;
    }
  });
  if (current) result.push(current);
  return result.filter((chain) => chain.length > 0);
}

/**
 * Go's `unicode.IsSpace` of one byte. The parser reads flags byte by byte, so the bytes 0x85 and 0xA0 inside a
 * UTF-8 character end a flag there, and what follows may be a source: this must split exactly where it does.
 */
const isSpaceByte = (byte: number) =>
  (byte >= 0x09 && byte <= 0x0d) || byte === 0x20 || byte === 0x85 || byte === 0xa0;
const [DASH, SINGLE_QUOTE, DOUBLE_QUOTE, BACKSLASH] = [0x2d, 0x27, 0x22, 0x5c];

/**
 * The parser's `extractBuilderFlags`, byte for byte: leading `--flag` words (quotes and backslashes inside them
 * keep spaces in the word, `--` alone ends them) and the rest of the line. Flags come back as Go builds them,
 * one character per byte.
 */
function extractFlags(args: string): { flags: string[]; rest: string } {
  const bytes = Buffer.from(args, "utf8");
  const flags: string[] = [];
  const rest = (pos: number) => ({ flags, rest: bytes.subarray(pos).toString("utf8") });
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = 0;
  let blankOk = false;
  for (let pos = 0; pos <= bytes.length; pos++) {
    const at = bytes[pos] ?? 0;
    if (phase === "spaces") {
      if (pos === bytes.length) break;
      if (isSpaceByte(at)) continue;
      if (at !== DASH || bytes[pos + 1] !== DASH) return rest(pos);
      phase = "word";
    }
    if (pos === bytes.length) {
      if (word !== "--" && (blankOk || word !== "")) flags.push(word);
      break;
    }
    let ch = at;
    if (phase === "word" && isSpaceByte(ch)) {
      phase = "spaces";
      if (word === "--") return rest(pos);
      if (blankOk || word !== "") flags.push(word);
      word = "";
      blankOk = false;
      continue;
    }
    if (phase === "word" && (ch === SINGLE_QUOTE || ch === DOUBLE_QUOTE)) {
      quote = ch;
      blankOk = true;
      phase = "quote";
      continue;
    }
    if (phase === "quote" && ch === quote) {
      phase = "word";
      continue;
    }
    if (ch === BACKSLASH) {
      if (pos + 1 === bytes.length) {
        phase = "word";
        continue;
      }
      ch = bytes[++pos] ?? 0;
    }
    word += String.fromCharCode(ch);
  }
  return { flags, rest: "" };
}

/** The parser's `splitCommand`: the instruction's name, its flags and its arguments. */
function splitCommand(text: string): { name: string; flags: string[]; args: string } {
  const trimmed = trimSpace(text);
  const separator = WORD_SEPARATOR.exec(trimmed);
  if (!separator) return { name: trimmed, flags: [], args: "" };
  const { flags, rest } = extractFlags(trimmed.slice(separator.index + separator[0].length));
  return { name: trimmed.slice(0, separator.index), flags, args: trimSpace(rest) };
}

/** Whether an instruction starting with this text is an `ADD`: `undefined` when the text is too short to tell. */
function isAdd(prefix: string, complete: boolean): boolean | undefined {
  let { name, args } = splitCommand(prefix);
  // A name is complete once a separator follows it; `ONBUILD` takes the rest as an instruction of its own.
  while (instruction(name) === "onbuild" && (args !== "" || complete)) ({ name, args } = splitCommand(args));
  const known = complete || args !== "" || name.length > "onbuild".length;
  if (instruction(name) === "add") return true;
  return known ? false : undefined;
}

/** The daemon's JSON form: the first JSON value of the arguments, when it is an array of strings. */
function jsonArguments(args: string): string[] | undefined {
  let depth = 0;
  let inString = false;
  let escaped = false;
  if (!args.startsWith("[")) return undefined;
  for (let index = 0; index < args.length; index++) {
    const ch = args.charAt(index);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === "[" || ch === "{") {
      depth++;
    } else if ((ch === "]" || ch === "}") && --depth === 0) {
      try {
        const value: unknown = JSON.parse(args.slice(0, index + 1));
        return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A word as the daemon could end up reading it: JSON `\u` escapes decoded, quotes and both escape characters
 * (the shell-word rules drop them) and JSON punctuation removed, and spaces the parser trims away.
 */
const unescaped = (word: string) =>
  word
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/["'`\\[\],]/g, "")
    .replace(ANY_SPACE, "");

/** Any `scheme://`, or an scp-like git remote (`git@host:repo`). */
const looksRemote = (word: string) => /:\/\//.test(word) || /^[^/:@]+@[^/:]+:/.test(word);
const hasVariable = (word: string) => unescaped(word).includes("$");

/** Every remote or unknowable source of one `ADD` (or `ONBUILD ADD`), whose text starts an instruction. */
function checkAdd(text: string, line: number): RemoteSource[] {
  let { name, flags, args } = splitCommand(text);
  const allFlags = [...flags];
  while (instruction(name) === "onbuild") {
    ({ name, flags, args } = splitCommand(args));
    allFlags.push(...flags);
  }
  const words = args === "" ? [] : args.split(WORD_SEPARATOR);
  const json = jsonArguments(args) ?? [];
  const found = (source: string, reason: RemoteSource["reason"]): RemoteSource => ({
    line,
    source: source.length > 200 ? `${source.slice(0, 200)}…` : source,
    reason,
  });
  const remote = [...allFlags, ...words, ...json].find((word) => looksRemote(unescaped(word)));
  if (remote !== undefined) return [found(remote, "url")];
  // The last argument is the destination, where a variable is harmless; in the JSON form written without
  // spaces, sources and destination are one word, told apart by their commas. A flag holding spaces (quoted)
  // may hold what another Engine version reads as an instruction of its own: its words count as sources.
  const last = words.at(-1) ?? "";
  const inFlags = allFlags.flatMap((flag) => flag.split(WORD_SEPARATOR).slice(1));
  const variable = [...inFlags, ...words.slice(0, -1), ...json.slice(0, -1)].find(hasVariable);
  if (variable !== undefined) return [found(variable, "variable")];
  if (hasVariable(last) && last.includes(",")) return [found(last, "variable")];
  return [];
}

/** The `ADD` sources of this Dockerfile that the daemon could fetch over the network, or cannot be told apart. */
export function remoteSources(dockerfile: string): RemoteSource[] {
  const lines = dockerfile
    .replace(/^\uFEFF/, "")
    .split("\n")
    .map((line) => trimEnd(line, (character) => character === "\r"));
  const findings: RemoteSource[] = [];
  for (const chain of chains(lines, escapeCharacters(lines))) {
    const text = chain.map((piece) => piece.content).join("");
    let offset = 0;
    for (const piece of chain) {
      const rest = text.slice(offset);
      offset += piece.content.length;
      const verdict = isAdd(rest.slice(0, PREFIX_CHARS), rest.length <= PREFIX_CHARS);
      if (verdict === false) continue;
      // The first `ADD` of a run sees every word of the ones started after it, which end where it ends.
      findings.push(...checkAdd(rest, piece.line));
      break;
    }
  }
  return findings;
}
