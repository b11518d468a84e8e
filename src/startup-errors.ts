import { ConfigError } from "./config.js";
import { FunctionSetupError } from "./function/setup-error.js";
import { HostsFileError } from "./hosts/hosts-file.js";
import { SecretKeyError } from "./secrets/secret-key-error.js";
import { StoreError } from "./store/store-error.js";

// Failures a person can fix from the message alone; anything else prints its stack.
const EXPLAINED = [ConfigError, StoreError, SecretKeyError, HostsFileError, FunctionSetupError];

/** Whether the error's message alone tells a person what to fix (a setting), so it may be shown as it is. */
export function isExplained(error: unknown): boolean {
  return EXPLAINED.some((kind) => error instanceof kind);
}

/** Ends the process with a message a person understands: a start-up problem, or a bug with its stack. */
export function exitWithError(error: unknown, what: string): never {
  const explained = isExplained(error);
  const message = error instanceof Error ? (explained ? error.message : error.stack) : String(error);
  process.stderr.write(explained ? `${message}\n` : `portcall failed to ${what}: ${message}\n`);
  process.exit(1);
}
