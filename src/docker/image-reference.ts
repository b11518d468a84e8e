/** An image reference split as Docker reads it: `[domain/]path[:tag][@digest]`. */
export type ImageReference = {
  domain: string;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
};

const DOCKER_HUB = "docker.io";

/**
 * Splits a reference the way the Docker daemon does (distribution's `splitDockerDomain`): the first component
 * is a registry only if it has a `.` or `:`, is `localhost`, or has capitals; otherwise the image is on Docker
 * Hub, where a one-component name lives under `library/`. Grants, credentials and tags must all agree with the
 * daemon on which repository a name means, or `team/app` and `docker.io/team/app` would be two things.
 */
export function parseReference(ref: string): ImageReference {
  const at = ref.indexOf("@");
  const named = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const name = colon > slash ? named.slice(0, colon) : named;
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  const first = name.indexOf("/");
  const head = first === -1 ? "" : name.slice(0, first);
  const isDomain = head !== "" && (/[.:]/.test(head) || head === "localhost" || head !== head.toLowerCase());
  let domain = isDomain ? head.toLowerCase() : DOCKER_HUB;
  let path = isDomain ? name.slice(first + 1) : name;
  if (domain === "index.docker.io" || domain === "registry-1.docker.io") domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  return { domain, path, tag, digest };
}

/** The registry an image is pulled from and pushed to (`registry:5000`, or `docker.io`). */
export function registryOf(ref: string): string {
  return parseReference(ref).domain;
}

/** The fully qualified repository (`docker.io/library/busybox`, `127.0.0.1:5055/team/app`). */
export function repositoryOf(ref: string): string {
  const { domain, path } = parseReference(ref);
  return `${domain}/${path}`;
}

/** `repository` and `tag` as the Engine API takes them for tag and push (the tag defaults to `latest`). */
export function splitReference(ref: string): { repository: string; tag: string } {
  const { tag } = parseReference(ref);
  const withoutDigest = ref.split("@")[0] ?? ref;
  return tag === undefined
    ? { repository: withoutDigest, tag: "latest" }
    : { repository: withoutDigest.slice(0, withoutDigest.length - tag.length - 1), tag };
}
