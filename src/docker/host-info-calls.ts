import type { CallOptions } from "./call-options.js";
import type { Engine } from "./engine.js";
import { type HostInfo, toHostInfo } from "./host-info-mapper.js";

/** What the daemon says about itself and its machine. */
export class HostInfoCalls {
  private cgroupVersionOnce: Promise<string> | undefined;

  constructor(private readonly engine: Engine) {}

  async info(options: CallOptions): Promise<HostInfo> {
    const apiVersion = await this.engine.apiVersion(options);
    const { docker } = this.engine;
    const [info, version] = await this.engine.call(options, undefined, (abortSignal) =>
      Promise.all([docker.info({ abortSignal }), docker.version({ abortSignal })]),
    );
    return toHostInfo(info, version, apiVersion);
  }

  /** The daemon's cgroup version, asked once: it changes only with a reboot of the host. */
  cgroupVersion(options: CallOptions): Promise<string> {
    this.cgroupVersionOnce ??= this.engine
      .call(options, undefined, (abortSignal) => this.engine.docker.info({ abortSignal }))
      .then((info) => info.CgroupVersion ?? "1")
      .catch((error: unknown) => {
        this.cgroupVersionOnce = undefined;
        throw error;
      });
    return this.cgroupVersionOnce;
  }
}
