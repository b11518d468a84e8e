import type Dockerode from "dockerode";
import type { Network } from "../schemas/volume-network.js";
import type { CallOptions } from "./call-options.js";
import type { Engine } from "./engine.js";
import { type EngineNetwork, toNetwork } from "./volume-network-mapper.js";

export type NetworkSpec = { name: string; internal: boolean; labels?: Record<string, string> | undefined };

export class NetworkCalls {
  constructor(private readonly engine: Engine) {}

  async list(options: CallOptions): Promise<Network[]> {
    const networks = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.dial<EngineNetwork[]>({ path: "/networks", method: "GET", abortSignal }),
    );
    return networks.map(toNetwork);
  }

  async inspect(ref: string, options: CallOptions): Promise<Network> {
    return toNetwork(
      await this.engine.call(options, { kind: "network", ref }, (abortSignal) =>
        // Encoded: a ref may come from a spec someone else wrote on the daemon, not only through our grammar.
        this.engine.dial<EngineNetwork>({
          path: `/networks/${encodeURIComponent(ref)}`,
          method: "GET",
          abortSignal,
        }),
      ),
    );
  }

  async create(spec: NetworkSpec, options: CallOptions): Promise<Network> {
    const created = await this.engine.call(options, undefined, (abortSignal) =>
      this.engine.docker.createNetwork({
        Name: spec.name,
        Driver: "bridge",
        Internal: spec.internal,
        Labels: spec.labels ?? {},
        CheckDuplicate: true,
        abortSignal,
      }),
    );
    return this.inspect(created.id, options);
  }

  async remove(ref: string, options: CallOptions): Promise<void> {
    await this.engine.call(options, { kind: "network", ref }, (abortSignal) =>
      this.engine.docker.getNetwork(ref).remove({ abortSignal }),
    );
  }

  async connect(
    ref: string,
    container: string,
    aliases: string[] | undefined,
    options: CallOptions,
  ): Promise<void> {
    await this.engine.call(options, { kind: "network", ref }, (abortSignal) =>
      this.engine.docker
        .getNetwork(ref)
        // dockerode passes abortSignal through; its types do not list it.
        .connect({
          Container: container,
          ...(aliases ? { EndpointConfig: { Aliases: aliases } } : {}),
          abortSignal,
        } as Dockerode.NetworkConnectOptions),
    );
  }

  async disconnect(ref: string, container: string, options: CallOptions): Promise<void> {
    await this.engine.call(options, { kind: "network", ref }, (abortSignal) =>
      this.engine.docker.getNetwork(ref).disconnect({ Container: container, Force: false, abortSignal }),
    );
  }
}
