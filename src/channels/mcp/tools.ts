/**
 * The MCP tools: each is one catalog operation, described for a model. What a tool does is its operation's
 * `run`; this table says only how a model sees it (name, description, hints) and how its answer is shaped
 * for a model's context (defaults that keep it small, how a stream is collected, what to do when cut).
 */
export type ToolSpec = {
  name: string;
  /** The catalog operation (its `name`) the tool calls. */
  operation: string;
  title: string;
  description: string;
  /** Hints only (MCP `annotations`): scopes, grants and policy decide what a call may do. */
  hints: { readOnly: boolean; destructive?: boolean; idempotent?: boolean; openWorld?: boolean };
  /** Arguments that apply when the model leaves them out, to keep results small (a function: at call time). */
  defaults?: Record<string, unknown>;
  /** The same, for a default computed when the call comes (a time window ending now). */
  computedDefaults?: () => Record<string, unknown>;
  /** Arguments the tool always sends and does not offer (a log never follows: a call must end). */
  fixed?: Record<string, unknown>;
  /**
   * A streamed operation's events collected into one list (under `into`; when cut, `keep` says which end
   * stays). `windowMs`: a stream that never ends by itself (events) is read for that long.
   */
  collect?: { into: string; keep: "first" | "last"; windowMs?: number };
  /** Whether the call reports progress (MCP progress notifications) when the client asks for it. */
  progress?: boolean;
  /** How to get what a result cut to its byte limit left out. */
  more: string;
};

const read = { readOnly: true, openWorld: false } as const;
const HOST = "`host` is a host id from list_hosts.";
const CONTAINER = "`id` is a container id or name from list_containers.";
const ITEMS = "Ask again with filters (`label`, `status`, or fewer `host`s).";

export const TOOLS: ToolSpec[] = [
  {
    name: "list_hosts",
    operation: "listHosts",
    title: "List Docker hosts",
    description:
      "The Docker hosts this token may use, with their labels and live status (`up`, `down`, `unknown`). Call it first: every other tool takes one of these ids as `host`.",
    hints: read,
    more: "The list holds every host the token may use; narrow it with `label`.",
  },
  {
    name: "get_host_info",
    operation: "getHostInfo",
    title: "Describe a Docker host",
    description: `The daemon of one host: Docker version, OS, CPUs, memory, container counts, and whether it is a Swarm manager. ${HOST}`,
    hints: read,
    more: "Nothing of this result is a list; long fields were cut.",
  },
  {
    name: "list_containers",
    operation: "listContainers",
    title: "List containers on a host",
    description: `The containers of one host, newest first: running ones, or every one with \`all: true\`. ${HOST} For every host at once use list_fleet_containers.`,
    hints: read,
    more: ITEMS,
  },
  {
    name: "list_fleet_containers",
    operation: "listFleetContainers",
    title: "List containers on every host",
    description:
      "The containers of every host the token may use (or of the `host`s named), each tagged with its host. A host that does not answer in time is listed under `errors`, not failed.",
    hints: read,
    more: ITEMS,
  },
  {
    name: "inspect_container",
    operation: "inspectContainer",
    title: "Inspect a container",
    description: `One container in detail: image, state, exit code, ports, mounts, labels, limits. ${HOST} ${CONTAINER}`,
    hints: read,
    more: "Long fields were cut.",
  },
  {
    name: "get_container_logs",
    operation: "getContainerLogs",
    title: "Read a container's logs",
    description: `The last lines a container wrote (\`tail\`, default 100), optionally only those after \`since\` or before \`until\` (RFC 3339 or Unix seconds). Never follows: each call returns what is there now. ${HOST} ${CONTAINER}`,
    hints: read,
    defaults: { tail: 100 },
    fixed: { follow: false },
    collect: { into: "lines", keep: "last" },
    more: "Earlier lines were cut: ask with a smaller `tail`, or with `until` set to the time of the first line kept (`timestamps: true` gives each line's time).",
  },
  {
    name: "get_container_stats",
    operation: "getContainerStats",
    title: "Sample a container's resource use",
    description: `One sample of a running container's CPU, memory, network and block I/O. ${HOST} ${CONTAINER}`,
    hints: read,
    more: "Long fields were cut.",
  },
  {
    name: "create_container",
    operation: "createContainer",
    title: "Create a container",
    description: `Creates a container from an image already on the host (use pull_image first, or run_container, which pulls), under the token's create policy: no privileged mode, host binds only where the token's grants allow. With \`start: true\` it is started too. ${HOST}`,
    hints: { readOnly: false, destructive: false, idempotent: false, openWorld: false },
    more: "Long fields were cut; inspect_container gives the container.",
  },
  {
    name: "start_container",
    operation: "startContainer",
    title: "Start a container",
    description: `Starts a created or stopped container; starting a running one changes nothing. ${HOST} ${CONTAINER}`,
    hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
    more: "",
  },
  {
    name: "stop_container",
    operation: "stopContainer",
    title: "Stop a container",
    description: `Stops a running container: SIGTERM, then SIGKILL after \`timeout\` seconds. ${HOST} ${CONTAINER}`,
    hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
    more: "",
  },
  {
    name: "restart_container",
    operation: "restartContainer",
    title: "Restart a container",
    description: `Stops and starts a container again. ${HOST} ${CONTAINER}`,
    hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
    more: "",
  },
  {
    name: "kill_container",
    operation: "killContainer",
    title: "Send a signal to a container",
    description: `Sends \`signal\` (default SIGKILL) to a running container's main process. ${HOST} ${CONTAINER}`,
    hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
    more: "",
  },
  {
    name: "remove_container",
    operation: "removeContainer",
    title: "Remove a container",
    description: `Deletes a container; a running one only with \`force: true\`. Its anonymous volumes go only with \`volumes: true\`. Cannot be undone. ${HOST} ${CONTAINER}`,
    hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
    more: "",
  },
  {
    name: "exec_container",
    operation: "execContainer",
    title: "Run a command in a running container",
    description: `Runs \`cmd\` (an argument list, not a shell line) in a running container and returns its exit code and output once it ends, or \`timedOut: true\` after \`timeoutSeconds\`. ${HOST} ${CONTAINER}`,
    hints: { readOnly: false, destructive: true, idempotent: false, openWorld: false },
    defaults: { outputLimitBytes: 8192 },
    more: "Output keeps its beginning and end within `outputLimitBytes`; ask for less output or write it to a file and read parts of it.",
  },
  {
    name: "run_container",
    operation: "createRun",
    title: "Run a container and get its result",
    description:
      "What `docker run` does, in one call: pulls the image when the host lacks it, creates the container under the token's create policy, starts it, waits up to `timeoutSeconds`, and returns its exit code and output (`status: exited`). Give `host`, or `hostSelector` to let portcall pick a host by labels. A run still going when the wait ends comes back with `status: running` and its `id`: call wait_run with that id for its end.",
    hints: { readOnly: false, destructive: false, idempotent: false, openWorld: true },
    defaults: { outputLimitBytes: 8192 },
    progress: true,
    more: "Output keeps its beginning and end within `outputLimitBytes`; get_run_logs reads the rest while the run's container is kept.",
  },
  {
    name: "get_run",
    operation: "getRun",
    title: "Get a run",
    description:
      "A run started by run_container: its status, exit code, output and timings. `id` is the run's id.",
    hints: read,
    more: "Long fields were cut.",
  },
  {
    name: "wait_run",
    operation: "waitRun",
    title: "Wait for a run to end",
    description:
      "Waits up to `timeoutSeconds` for a run to end and returns it; still `running` means call again.",
    hints: { readOnly: true, openWorld: false, idempotent: true },
    more: "Long fields were cut.",
  },
  {
    name: "cancel_run",
    operation: "cancelRun",
    title: "Cancel a run",
    description:
      "Stops a running run's container (SIGTERM, SIGKILL after `graceSeconds`) and records it as cancelled.",
    hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
    more: "",
  },
  {
    name: "list_runs",
    operation: "listRuns",
    title: "List runs",
    description:
      "Runs this token may see, newest first, by `host`, `status` or `label`; `nextCursor` pages on.",
    hints: read,
    defaults: { limit: 20 },
    more: "Pass `nextCursor` as `cursor` for the next page, or a smaller `limit`.",
  },
  {
    name: "get_run_logs",
    operation: "getRunLogs",
    title: "Read a run's logs",
    description: "The last lines a run's container wrote (`tail`, default 100), while its container is kept.",
    hints: read,
    defaults: { tail: 100 },
    fixed: { follow: false },
    collect: { into: "lines", keep: "last" },
    more: "Earlier lines were cut: ask with a smaller `tail`, or with `until` set to the time of the first line kept.",
  },
  {
    name: "list_images",
    operation: "listImages",
    title: "List images on a host",
    description: `The images stored on one host, with tags, digests and sizes. ${HOST}`,
    hints: read,
    more: "Ask list_fleet_images with one `host`, or inspect_image for one image.",
  },
  {
    name: "list_fleet_images",
    operation: "listFleetImages",
    title: "List images on every host",
    description:
      "The images of every host the token may use (or of the `host`s named), each tagged with its host.",
    hints: read,
    more: "Ask again with fewer `host`s.",
  },
  {
    name: "inspect_image",
    operation: "inspectImage",
    title: "Inspect an image",
    description: `One image on a host by \`ref\` (name:tag, or id). ${HOST}`,
    hints: read,
    more: "Long fields were cut.",
  },
  {
    name: "get_image_history",
    operation: "getImageHistory",
    title: "An image's layers",
    description: `The layers of an image and the step that made each. ${HOST}`,
    hints: read,
    more: "Older layers were cut.",
  },
  {
    name: "pull_image",
    operation: "pullImage",
    title: "Pull an image onto a host",
    description: `Pulls \`image\` from its registry onto a host (stored credentials apply), and returns the image. ${HOST}`,
    hints: { readOnly: false, destructive: false, idempotent: true, openWorld: true },
    progress: true,
    more: "Long fields were cut.",
  },
  {
    name: "remove_image",
    operation: "removeImage",
    title: "Remove an image from a host",
    description: `Deletes an image (\`ref\`) from a host; one a container uses only with \`force: true\`. ${HOST}`,
    hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
    more: "",
  },
  {
    name: "list_volumes",
    operation: "listVolumes",
    title: "List volumes on a host",
    description: `The volumes of one host. ${HOST}`,
    hints: read,
    more: "The list was cut; inspect a volume by name for one.",
  },
  {
    name: "list_networks",
    operation: "listNetworks",
    title: "List networks on a host",
    description: `The networks of one host. ${HOST}`,
    hints: read,
    more: "The list was cut; inspect a network by name for one.",
  },
  {
    name: "list_services",
    operation: "listServices",
    title: "List the Swarm services of a manager host",
    description: `The Swarm services of a host that is a Swarm manager: image, replicas, ports, last update's state. ${HOST}`,
    hints: read,
    more: "The list was cut; ask for one service's tasks with get_service_tasks.",
  },
  {
    name: "get_service_tasks",
    operation: "listServiceTasks",
    title: "The tasks of a Swarm service",
    description: `Where a Swarm service's tasks run (node) and how they are (state, error). \`service\` is a name or id from list_services; \`state: "running"\` keeps only the tasks meant to run. ${HOST}`,
    hints: read,
    defaults: { state: "running" },
    more: 'Only part of the tasks is shown; ask with `state: "running"`.',
  },
  {
    name: "list_recent_events",
    operation: "streamEvents",
    title: "Recent Docker events of the fleet",
    description:
      "The Docker events (container start/die, image pull…) of every host the token may use, or of the `host`s named, since `since` (RFC 3339 time, default: the last 10 minutes), oldest first, filtered by `type`, `action` or `label`. Returns what is there within about a second; call again with a later `since` for newer ones.",
    hints: read,
    computedDefaults: () => ({ since: new Date(Date.now() - 10 * 60_000).toISOString() }),
    collect: { into: "events", keep: "last", windowMs: 1_000 },
    more: "Older events were cut: ask with a later `since`, or filter by `type`, `action` or `host`.",
  },
];
