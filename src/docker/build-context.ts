import { posix } from "node:path";
import { Readable } from "node:stream";
import { pack } from "tar-stream";

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
