import { posix } from "node:path";
import { Readable } from "node:stream";
import { pack } from "tar-stream";
import { ApiError } from "../errors/api-error.js";

/** A build's context, ready to send: the Dockerfile the daemon will read, and the tar it will read it from. */
export type BuildContext = {
  /** The Dockerfile's bytes, as the daemon will parse them. */
  dockerfile: Buffer;
  /** The tar archive, from its start. */
  open(): Readable;
  /** Frees what holds the context; nothing is sent after it. */
  dispose(): Promise<void>;
};

/**
 * A build context made from a Dockerfile text and a small map of files, as the tar archive Docker takes.
 * Paths are relative and normalised before they get here (the request schema refuses `..` and absolute paths).
 */
export function contextFromFiles(dockerfile: string, files: Record<string, string>): Readable {
  const archive = pack();
  const entries: Array<[string, string]> = [["Dockerfile", dockerfile], ...Object.entries(files)];
  for (const [name, content] of entries) {
    archive.entry({ name: posix.normalize(name), mode: 0o644, mtime: new Date(0) }, content);
  }
  archive.finalize();
  return Readable.from(archive);
}

/** The context of a JSON build: held in memory, the Dockerfile as given. */
export function filesContext(dockerfile: string, files: Record<string, string>): BuildContext {
  // The daemon reads the last entry of a path: a file of that name would be the Dockerfile it builds.
  const clash = Object.keys(files).find((name) => posix.normalize(name).replace(/\/+$/, "") === "Dockerfile");
  if (clash !== undefined) {
    throw new ApiError(
      "invalid_request",
      `files."${clash}" would replace the Dockerfile; give it as \`dockerfile\`.`,
      {
        errors: [{ location: "json", path: `files.${clash}`, message: "replaces the Dockerfile" }],
      },
    );
  }
  return {
    dockerfile: Buffer.from(dockerfile, "utf8"),
    open: () => contextFromFiles(dockerfile, files),
    dispose: async () => {},
  };
}
