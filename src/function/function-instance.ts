import type { Config } from "../config.js";
import { ApiError } from "../errors/api-error.js";
import { createLogger, type Logger, type LogLevel } from "../logging/logger.js";
import type { RunningServices } from "../services.js";
import { isExplained } from "../startup-errors.js";
import { createFunctionServices, type FunctionServices } from "./function-services.js";

const LOG_LEVELS: readonly string[] = ["debug", "info", "warn", "error", "silent"] satisfies LogLevel[];
const isLogLevel = (value: string | undefined): value is LogLevel => LOG_LEVELS.includes(value ?? "");

/** What one scheduled invocation did. */
export type SweepResult = { sweep: { runs: number; auditPurged: number } };

/**
 * One function instance: its services are built by its first invocation, from the environment as it is then,
 * and kept while the instance stays warm. A build that fails is not kept (a database that was briefly out of
 * reach is tried again by the next invocation); each invocation it fails answers a problem saying why.
 */
export class FunctionInstance {
  private building: Promise<FunctionServices> | undefined;
  private hostsReadAt = 0;
  /** Where the build's failures are told: there may be no valid configuration to take the logger from. */
  private readonly fallbackLog: Logger;

  constructor(private readonly env: Record<string, string | undefined> = process.env) {
    const level = env.PORTCALL_LOG_LEVEL;
    this.fallbackLog = createLogger(isLogLevel(level) ? level : "info");
  }

  /** The services, for the app: built at the first call, and hosts read again when others may have changed them. */
  async services(): Promise<RunningServices> {
    const { services, config } = await this.ready();
    await this.refreshHosts(services, config);
    return services;
  }

  /**
   * What an invocation leaves behind that must not wait for a timer: a frozen instance runs none, and one that
   * is never thawed again would lose it. Last-use times of tokens are written; the runs' watchers are dropped,
   * their leases and slots given back, as they could not watch anything while frozen: later reads and sweeps,
   * here or on any instance, finish the runs.
   */
  async afterInvocation(): Promise<void> {
    const built = await this.building?.catch(() => undefined);
    if (!built) return;
    const { services } = built;
    await Promise.all([
      services.tokens.flushUsage().catch((error: unknown) => {
        services.logger.warn("could not record the tokens' last use", { error: String(error) });
      }),
      services.runs.detach(),
    ]);
  }

  /**
   * The scheduled invocation: one pass over the runs nobody watches (every run started with `wait: false` once
   * its invocation ended), and the audit log's retention. The pass records the end of those that ended; the
   * others are left unwatched again when it is done, for a later read or pass: this instance is frozen next.
   */
  async sweep(): Promise<SweepResult> {
    const { services } = await this.ready();
    try {
      const runs = await services.runs.sweep();
      const auditPurged = await services.audit.purge();
      services.logger.info("sweep done", { runs, auditPurged });
      return { sweep: { runs, auditPurged } };
    } finally {
      await services.runs.detach();
    }
  }

  /** Ends what the services hold open (a store connection, Docker connections): the runtime is shutting down. */
  async close(): Promise<void> {
    const built = await this.building?.catch(() => undefined);
    this.building = undefined;
    await built?.services.close();
  }

  private ready(): Promise<FunctionServices> {
    this.building ??= createFunctionServices(this.env, (config) => createLogger(config.logLevel)).then(
      (built) => {
        // The build has just read them.
        this.hostsReadAt = Date.now();
        return built;
      },
      (error: unknown) => {
        this.building = undefined;
        throw this.setupProblem(error);
      },
    );
    return this.building;
  }

  private async refreshHosts(services: RunningServices, config: Config): Promise<void> {
    const now = Date.now();
    if (now - this.hostsReadAt < config.hostsRefreshMs) return;
    this.hostsReadAt = now;
    await services.hosts.refresh();
  }

  /** A failed build as the problem every call answers until a build succeeds: what to fix when it can say. */
  private setupProblem(error: unknown): ApiError {
    if (error instanceof Error && isExplained(error)) {
      this.fallbackLog.error("portcall is not set up to answer", { error: error.message });
      return new ApiError("internal_error", `portcall is not set up to answer: ${error.message}`, {
        cause: error,
      });
    }
    this.fallbackLog.error("portcall could not build its services", {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return new ApiError(
      "internal_error",
      "portcall could not build its services; the function's log says why.",
      { cause: error },
    );
  }
}
