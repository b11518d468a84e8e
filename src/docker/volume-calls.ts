import { ApiError } from "../errors/api-error.js";
import type { Volume } from "../schemas/volume-network.js";
import type { CallOptions } from "./call-options.js";
import type { VolumeSettings } from "./container-mapper.js";
import type { Engine } from "./engine.js";
import { type EngineVolume, toVolume } from "./volume-network-mapper.js";

export type VolumeSpec = {
  name: string;
  labels?: Record<string, string> | undefined;
  driverOpts?: Record<string, string> | undefined;
};

export class VolumeCalls {
  constructor(private readonly engine: Engine) {}

  async list(options: CallOptions): Promise<Volume[]> {
    const result = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.dial<{ Volumes: EngineVolume[] | null }>({ path: "/volumes", method: "GET", abortSignal }),
    );
    return (result.Volumes ?? []).map(toVolume);
  }

  async inspect(name: string, options: CallOptions): Promise<Volume> {
    return toVolume(await this.inspectRaw(name, options));
  }

  /** Driver and options of each of these volumes that exists; a missing one is made plain when it is used. */
  async settings(names: string[], options: CallOptions): Promise<VolumeSettings[]> {
    const found = await Promise.all(
      names.map((name) =>
        this.inspectRaw(name, options).then(
          (volume): VolumeSettings[] => [{ name, driver: volume.Driver, options: volume.Options ?? {} }],
          (error: unknown): VolumeSettings[] => {
            if (error instanceof ApiError && error.code === "volume_not_found") return [];
            throw error;
          },
        ),
      ),
    );
    return found.flat();
  }

  async create(spec: VolumeSpec, options: CallOptions): Promise<Volume> {
    await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.docker.createVolume({
        Name: spec.name,
        Driver: "local",
        Labels: spec.labels ?? {},
        DriverOpts: spec.driverOpts ?? {},
        abortSignal,
      }),
    );
    return this.inspect(spec.name, options);
  }

  async remove(name: string, options: CallOptions): Promise<void> {
    await this.engine.call(options, { kind: "volume", ref: name }, (abortSignal) =>
      this.engine.docker.getVolume(name).remove({ abortSignal }),
    );
  }

  async prune(options: CallOptions): Promise<{ removed: string[]; reclaimedBytes: number }> {
    const result = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.docker.pruneVolumes({ abortSignal }),
    );
    return { removed: result.VolumesDeleted ?? [], reclaimedBytes: result.SpaceReclaimed ?? 0 };
  }

  private inspectRaw(name: string, options: CallOptions): Promise<EngineVolume> {
    return this.engine.call(options, { kind: "volume", ref: name }, (abortSignal) =>
      this.engine.dial<EngineVolume>({
        path: `/volumes/${encodeURIComponent(name)}`,
        method: "GET",
        abortSignal,
      }),
    );
  }
}
