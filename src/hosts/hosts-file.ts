import { readFile } from "node:fs/promises";
import { z } from "zod";
import { HostCreateSchema } from "../schemas/host.js";

export class HostsFileError extends Error {
  override readonly name = "HostsFileError";
}

const HostsFileSchema = z.object({ hosts: z.array(HostCreateSchema) }).strict();

export type HostsFile = z.infer<typeof HostsFileSchema>;

/** Reads PORTCALL_HOSTS_FILE: YAML or JSON (YAML reads both), `hosts:` entries shaped like POST /v1/hosts. */
export async function readHostsFile(path: string): Promise<HostsFile> {
  // Only a start with a hosts file needs a YAML parser.
  const { parse } = await import("./yaml-parser.js");
  let document: unknown;
  try {
    document = parse(await readFile(path, "utf8"));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new HostsFileError(`portcall cannot read PORTCALL_HOSTS_FILE=${path}: ${reason}`);
  }
  const parsed = HostsFileSchema.safeParse(document);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join(".") || "(top)"}: ${issue.message}`,
    );
    throw new HostsFileError(`PORTCALL_HOSTS_FILE=${path} is invalid:\n${lines.join("\n")}`);
  }
  const ids = parsed.data.hosts.map((host) => host.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new HostsFileError(`PORTCALL_HOSTS_FILE=${path} names host "${duplicate}" twice`);
  return parsed.data;
}
