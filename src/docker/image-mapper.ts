import type Dockerode from "dockerode";
import type { ImageDetail, ImageHistory, ImageSummary } from "../schemas/image.js";
import { envToMap, toArgv } from "./engine-values.js";

const NONE = "<none>:<none>";
const NONE_DIGEST = "<none>@<none>";
const toIso = (seconds: number) => new Date(seconds * 1000).toISOString();

export function toImageSummary(info: Dockerode.ImageInfo): ImageSummary {
  return {
    id: info.Id,
    repoTags: (info.RepoTags ?? []).filter((tag) => tag !== NONE),
    repoDigests: (info.RepoDigests ?? []).filter((digest) => digest !== NONE_DIGEST),
    createdAt: toIso(info.Created),
    sizeBytes: info.Size,
    labels: info.Labels ?? {},
  };
}

export function toImageDetail(info: Dockerode.ImageInspectInfo): ImageDetail {
  const config = info.Config ?? ({} as Dockerode.ImageInspectInfo["Config"]);
  return {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
    createdAt: new Date(info.Created).toISOString(),
    sizeBytes: info.Size,
    labels: config.Labels ?? {},
    architecture: info.Architecture,
    os: info.Os,
    config: {
      cmd: toArgv(config.Cmd),
      entrypoint: toArgv(config.Entrypoint as string[] | string | null | undefined),
      env: envToMap(config.Env),
      workingDir: config.WorkingDir || null,
      user: config.User || null,
      exposedPorts: Object.keys(config.ExposedPorts ?? {}),
    },
    layers: info.RootFS?.Layers ?? [],
  };
}

type HistoryEntry = {
  Id: string;
  Created: number;
  CreatedBy: string;
  Size: number;
  Comment: string;
  Tags: string[] | null;
};

export function toImageHistory(entries: HistoryEntry[]): ImageHistory {
  return {
    items: entries.map((entry) => ({
      id: entry.Id && entry.Id !== "<missing>" ? entry.Id : null,
      createdAt: toIso(entry.Created),
      createdBy: entry.CreatedBy,
      sizeBytes: entry.Size,
      comment: entry.Comment,
      tags: entry.Tags ?? [],
    })),
  };
}
