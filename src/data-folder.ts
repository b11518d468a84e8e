import { access } from "node:fs/promises";
import { join } from "node:path";
import { SIGNING_KEY_FILE } from "./auth/signing-key.js";
import type { Config } from "./config.js";
import { SQLITE_FILE } from "./store/sqlite/file.js";

/** A CLI command that would start a new data folder where the operator most likely meant an existing one. */
export class DataFolderError extends Error {
  override readonly name = "DataFolderError";
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** What opening the services would make anew in the data folder: the token signing key, the SQLite store. */
async function wouldCreate(config: Config): Promise<string[]> {
  const made: string[] = [];
  if (!config.signingKeyPem && !config.signingKeyFile) {
    if (!(await exists(join(config.dataDir, SIGNING_KEY_FILE))))
      made.push(`signing key (${SIGNING_KEY_FILE})`);
  }
  if (config.databaseUrl === undefined && !(await exists(join(config.dataDir, SQLITE_FILE))))
    made.push(`store (${SQLITE_FILE})`);
  return made;
}

/**
 * Refuses an operator command that would create a new signing key or store, unless `init` says that is meant.
 * A server started elsewhere, or with PORTCALL_DATA_DIR, keeps its own folder; a CLI that quietly made `./data`
 * beside it minted tokens that server answers with 401 "signature does not verify" or "not known".
 */
export async function checkDataFolder(config: Config, init: boolean): Promise<void> {
  if (init) return;
  const made = await wouldCreate(config);
  if (made.length === 0) return;
  const state = (await exists(config.dataDir)) ? `has no ${made.join(" and no ")}` : "does not exist";
  throw new DataFolderError(
    `the data folder ${config.dataDir} ${state}: this command would start a new one, ` +
      "and a server using another data folder refuses the tokens made in it.\n" +
      "  Set PORTCALL_DATA_DIR to the server's data folder (without it, ./data in the folder the server was " +
      "started in; `npm start` starts in the project folder),\n  or add --init to start a new data folder here.",
  );
}
