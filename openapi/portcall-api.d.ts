// Generated from openapi/openapi.json by `npm run client:generate` (openapi-typescript). Do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness: the process is up
         * @description Answers without touching the store or any Docker host, so it is safe as a liveness probe.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: the store works, every host was probed, and the process is not stopping
         * @description Answers once the first health probe of every registered host has finished, with how many are reachable (counts only: which hosts exist is for tokens allowed to see them). An unreachable host does not make portcall unready: the other hosts still work. Answers 503 when the store cannot be used, and from SIGTERM on (`stopping`), while requests in flight finish.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Public keys that verify portcall's tokens
         * @description A JSON Web Key Set with portcall's Ed25519 (EdDSA) signing key, for services that verify its tokens.
         */
        get: operations["getJwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List registered hosts
         * @description Every host with its live status from the background health probe; no host is called.
         *
         *     Requires the `hosts:read` scope.
         */
        get: operations["listHosts"];
        put?: never;
        /**
         * Register a Docker host
         * @description Registers a daemon reached by `unix://` socket, `tcp://` with mutual TLS, or `ssh://` with a key and a known host key. Settings are checked (certificates parse, key matches certificate, socket is readable) before anything is stored; private keys and passphrases are encrypted at rest and never returned. The host is not contacted: its `status` fills in with the next probe. A non-admin token registers only TLS or SSH hosts, by an IP address outside loopback, link-local and metadata ranges (or what `PORTCALL_HOST_ALLOW` allows), sets labels only with `hosts:label`, and the host is marked as its subject's (`owner`).
         *
         *     Requires the `hosts:write` scope.
         */
        post: operations["createHost"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a registered host
         * @description Requires the `hosts:read` scope.
         */
        get: operations["getHost"];
        put?: never;
        post?: never;
        /**
         * Unregister a host
         * @description Forgets the host and its secrets, and ends calls in flight to it. Its containers are not touched. A non-admin token may remove only a host its subject registered: the freed id could otherwise be taken by a daemon of its own, which that host's users would then reach.
         *
         *     Requires the `hosts:write` scope.
         */
        delete: operations["deleteHost"];
        options?: never;
        head?: never;
        /**
         * Change a registered host
         * @description Changes only the fields given. A change of `url`, `tls`, `ssh` or `insecure` is checked like a registration and replaces the host's connection: calls in flight on the old one are ended. A non-admin token may change the connection only of a host its subject registered, and labels only with `hosts:label`.
         *
         *     Requires the `hosts:write` scope.
         */
        patch: operations["updateHost"];
        trace?: never;
    };
    "/v1/hosts/{host}/info": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Describe a host's Docker daemon
         * @description Engine and API versions, OS and architecture, CPUs and memory, container and image counts, swarm state.
         *
         *     Requires the `hosts:read` scope.
         */
        get: operations["getHostInfo"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List runs
         * @description Runs on the hosts the token may use, newest first, a page at a time.
         *
         *     Requires the `runs:read` scope.
         */
        get: operations["listRuns"];
        put?: never;
        /**
         * Run a container and get its result, in one call
         * @description What `docker run` does, on any host: the image is pulled when the host lacks it (`pull`), the container is created from portcall's strict schema under the same create policy as POST /v1/hosts/{host}/containers, started, and waited for. The wait is armed before the start, so even a container that exits at once is caught. When it ends within `timeoutSeconds` the answer is 201 with its exit code, its output (the beginning and end of each stream within `outputLimitBytes`) and the time of each phase; otherwise, or with `wait: false`, 202 with the run as it goes on: follow its `links` (`wait` long-polls for the end). Runs are stored: their end is recorded even across a restart of portcall. `hostSelector` instead of `host` lets portcall pick a reachable host whose labels match. With an `Idempotency-Key`, a retried request starts no second run.
         *
         *     Requires the `runs:create` scope.
         */
        post: operations["createRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run, as it is now
         * @description Requires the `runs:read` scope.
         */
        get: operations["getRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/wait": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Wait for a run's end (long-poll)
         * @description Answers as soon as the run ends (200, with its exit code and output), or after `timeoutSeconds` with the run still going (202): call it again to go on waiting. Leaving early costs nothing.
         *
         *     Requires the `runs:read` scope.
         */
        get: operations["waitRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a run
         * @description Stops the run's container: SIGTERM, then SIGKILL once `graceSeconds` have passed. Answers with the run once its end is recorded (`status: cancelled`), or 202 if that takes longer. Cancelling a run that already ended changes nothing and answers it as it is.
         *
         *     Requires the `runs:create` scope.
         */
        post: operations["cancelRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's logs, as they come
         * @description The log stream of the run's container, as GET /v1/hosts/{host}/containers/{id}/logs gives it (`follow=true` to watch it live). Once the container was removed after the run, this is 409 `conflict`: the kept output is in the run itself.
         *
         *     Requires the `runs:read` scope.
         */
        get: operations["getRunLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List containers on a host
         * @description Running containers by default; `all=true` adds stopped ones. Never computes container sizes.
         *
         *     Requires the `containers:read` scope.
         */
        get: operations["listContainers"];
        put?: never;
        /**
         * Create (and optionally start) a container
         * @description Takes portcall's own strict schema, never Docker's JSON: unknown keys are refused. The create policy denies anything that gives the container power over its host (host bind mounts, publishing beyond loopback, the host network; a named volume that is such a bind) unless the token's `policy` grant allows it, and always sets `no-new-privileges` and default memory and pids limits. The image must already be on the host (POST /v1/runs pulls it when missing). With `start: true`, a container that cannot start is removed again and the error says why. With an `Idempotency-Key`, a retried request creates no second container.
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["createContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inspect a container
         * @description The container's configuration and state, as portcall's own typed shape (not Docker's JSON).
         *
         *     Requires the `containers:read` scope.
         */
        get: operations["inspectContainer"];
        put?: never;
        post?: never;
        /**
         * Remove a container
         * @description A running container is 409 `conflict` unless `force=true` (which kills it first).
         *
         *     Requires the `containers:write` scope.
         */
        delete: operations["removeContainer"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a container
         * @description Starting a running container succeeds (Docker's 304 is not an error).
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["startContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop a container
         * @description SIGTERM, then SIGKILL after `timeout` seconds. Stopping a stopped container succeeds.
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["stopContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/restart": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Restart a container
         * @description Stops it as `stop` does, then starts it.
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["restartContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/kill": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a signal to a container
         * @description SIGKILL unless `signal` says otherwise. A container that is not running answers 409 `conflict`.
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["killContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a container
         * @description Freezes its processes (cgroup freezer).
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["pauseContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/unpause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Unpause a container
         * @description Thaws a paused container.
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["unpauseContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/rename": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rename a container
         * @description A name another container has is 409 `conflict`.
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["renameContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/top": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a container's processes
         * @description Like `docker top`: the processes running in a running container, as `ps` on the host sees them.
         *
         *     Requires the `containers:read` scope.
         */
        get: operations["listContainerProcesses"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/wait": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Wait for a container to stop
         * @description Blocks until the container is no longer running (or, with `condition`, exits next or is removed), at most `timeoutSeconds`. A bounded long-poll: on `timedOut` the caller asks again.
         *
         *     Requires the `containers:read` scope.
         */
        post: operations["waitContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/exec": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run a command in a running container
         * @description Runs `cmd` in the container, never privileged, with `stdin` (if any) as its input, and answers when it has ended: exit code, output (its beginning and end within `outputLimitBytes`) and duration. With `Accept: application/x-ndjson` or `text/event-stream` the output streams as it comes (`output` events) and ends with an `exit` event. A command that fails to start (unknown user, missing working directory) ends with Docker's exit code 126 and its message on stdout; a program that is not there ends with 127 (126 without `/bin/sh`).
         *
         *     When `timeoutSeconds` pass, or the client goes away, the command is killed with SIGKILL together with everything it started (its process group and descendants), and the answer says `timedOut: true`. Docker has no call for this, so the command runs under the container's `/bin/sh`, which tells portcall its pid and then becomes the command, and a second exec as the same user kills it. In a container without `/bin/sh` the command runs as given and cannot be killed: the call still ends at the deadline with `timedOut: true`, but the command runs on until it ends or the container stops.
         *
         *     The create policy applies to the container itself: exec into a container that is privileged, has added capabilities, host devices, loosened security options or a namespace of the host or another container, or that binds a host path (directly or through a volume) or uses the host network beyond the token's policy grants, is 403 `policy_denied`.
         *
         *     Each call holds one of its subject's exec slots until it ends (429 `too_many_requests` past the limit).
         *
         *     Requires the `containers:exec` scope.
         */
        post: operations["execContainer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A container's logs
         * @description Streams the container's output, demultiplexed by its own TTY setting. `Accept` picks the format: `text/event-stream` (an event per line), `application/x-ndjson` (a JSON object per line) or `text/plain` (the text). Memory stays bounded whatever the log size: a slow reader slows the daemon instead of being buffered for, and a client that disconnects ends the daemon request at once.
         *
         *     Requires the `containers:read` scope.
         */
        get: operations["getContainerLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/containers/{id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A container's resource use
         * @description One sample (CPU %, memory use and limit, network and block IO, pids) with `Accept: application/json`; a sample about every second with `application/x-ndjson` or `text/event-stream`, until the client disconnects.
         *
         *     Requires the `containers:read` scope.
         */
        get: operations["getContainerStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/tag": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tag an image
         * @description Gives the image `source` the additional reference `target` (no digest). The token's `images` policy grant must cover `target`'s repository: a tag is what later runs on that host use under that name.
         *
         *     Requires the `images:write` scope.
         */
        post: operations["tagImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/prune": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Remove unused images
         * @description Dangling images only, unless `all=true` (every image no container uses), which removes names of every repository and so needs the `images` policy grant `*` (or admin).
         *
         *     Requires the `images:write` scope.
         */
        post: operations["pruneImages"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images on a host
         * @description Requires the `images:read` scope.
         */
        get: operations["listImages"];
        put?: never;
        post?: never;
        /**
         * Remove an image
         * @description An image a container uses is 409 `conflict` unless `force=true`. Removing a name is a write of it: the token's `images` policy grant must cover it (removing by id: every name the image has).
         *
         *     Requires the `images:write` scope.
         */
        delete: operations["removeImage"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/inspect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inspect an image
         * @description The image is named by the `ref` query parameter, since references hold `/`, `:` and `@`.
         *
         *     Requires the `images:read` scope.
         */
        get: operations["inspectImage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An image's layers
         * @description Each step that made the image, newest first: what created it and how much it added.
         *
         *     Requires the `images:read` scope.
         */
        get: operations["getImageHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/pull": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pull an image onto a host
         * @description Pulls from the image's registry, with `registryAuth` when given (used for this call only, never stored or logged), else with the registry's stored credentials (PUT /v1/registries/{address}) if there are any and an operator registered the host. A pull that fails inside Docker's stream is a real error: 404 `image_not_found`, 401 `registry_auth_failed`. With `Accept: application/json` the answer comes when the pull is done; with `application/x-ndjson` or `text/event-stream` progress streams as it happens, ending in a `result` or an `error` event.
         *
         *     Requires the `images:write` scope.
         */
        post: operations["pullImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/push": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Push an image from a host to its registry
         * @description Pushes `image` (registry, repository and tag in the reference) with `registryAuth` when given, used for this call only, else with the registry's stored credentials (only on a host an operator registered). The token's `images` policy grant must cover the repository. A push that fails inside Docker's stream is a real error (401 `registry_auth_failed`, …). `Accept: application/x-ndjson` or `text/event-stream` streams the progress.
         *
         *     Requires the `images:write` scope.
         */
        post: operations["pushImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/images/build": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Build an image on a host
         * @description From a Dockerfile text and a small map of files (`application/json`), or from a tar context (`application/x-tar`, plain or gzipped, at most 256 MiB once decompressed, settings in the query; read whole and checked before anything reaches the daemon). Builds run sandboxed like containers: `RUN` steps get the configured memory and CPU limits and no network unless the token's policy grants `build.network`; an `ADD` of a URL (or of a variable, which could be one) is 403 `policy_denied` unless it grants `build.remoteSources`. A failing step is 422 `build_failed` with the daemon's message, never a 200 with the error inside. `Accept: application/x-ndjson` or `text/event-stream` streams the build output.
         *
         *     Requires the `images:build` scope.
         */
        post: operations["buildImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/volumes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List volumes on a host
         * @description Requires the `containers:read` scope.
         */
        get: operations["listVolumes"];
        put?: never;
        /**
         * Create a volume
         * @description A local volume. Driver options that bind a host path are under the create policy (403 `policy_denied`).
         *
         *     Requires the `containers:write` scope.
         */
        post: operations["createVolume"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/volumes/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inspect a volume
         * @description Requires the `containers:read` scope.
         */
        get: operations["inspectVolume"];
        put?: never;
        post?: never;
        /**
         * Remove a volume
         * @description A volume a container uses is 409 `conflict`.
         *
         *     Requires the `containers:write` scope.
         */
        delete: operations["removeVolume"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/volumes/prune": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Remove unused volumes
         * @description Requires the `containers:write` scope.
         */
        post: operations["pruneVolumes"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/networks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List networks on a host
         * @description Requires the `containers:read` scope.
         */
        get: operations["listNetworks"];
        put?: never;
        /**
         * Create a bridge network
         * @description Requires the `containers:write` scope.
         */
        post: operations["createNetwork"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/networks/{network}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inspect a network
         * @description Requires the `containers:read` scope.
         */
        get: operations["inspectNetwork"];
        put?: never;
        post?: never;
        /**
         * Remove a network
         * @description Requires the `containers:write` scope.
         */
        delete: operations["removeNetwork"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/networks/{network}/connect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Connect a container to a network
         * @description Requires the `containers:write` scope.
         */
        post: operations["connectNetwork"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/networks/{network}/disconnect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Disconnect a container from a network
         * @description Requires the `containers:write` scope.
         */
        post: operations["disconnectNetwork"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/registries/{address}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Store a registry's credentials
         * @description Pulls, pushes and builds on any host use them for images of this registry when the request brings no `registryAuth` of its own. The password is encrypted at rest and never returned.
         *
         *     Requires the `admin` scope.
         */
        put: operations["putRegistry"];
        post?: never;
        /**
         * Forget a registry's credentials
         * @description Requires the `admin` scope.
         */
        delete: operations["deleteRegistry"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/registries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List registries with stored credentials
         * @description Requires the `admin` scope.
         */
        get: operations["listRegistries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/services": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the Swarm services of a manager
         * @description The host must be a Swarm manager (else 409 `not_a_swarm_manager`). Sorted by name.
         *
         *     Requires the `services:read` scope.
         */
        get: operations["listServices"];
        put?: never;
        /**
         * Create a Swarm service
         * @description Takes portcall's own strict schema, never Docker's. The tasks are under the container create policy, checked by the same code before the daemon sees the spec: host bind mounts only under a `binds` grant, no `host` network without `hostNetwork`, published ports (Swarm publishes on every address of a node) only with `publicPorts`, named volumes that bind a host path refused, and default memory and pids limits on every task; nothing else that gives power over a node can be said. The image's registry credentials are `registryAuth`, else the stored ones (as for a pull). With an `Idempotency-Key`, a retry creates no second service.
         *
         *     Requires the `services:write` scope.
         */
        post: operations["createService"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/services/{service}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inspect a Swarm service
         * @description Requires the `services:read` scope.
         */
        get: operations["inspectService"];
        put?: never;
        post?: never;
        /**
         * Remove a Swarm service
         * @description Swarm then stops and removes its tasks' containers.
         *
         *     Requires the `services:write` scope.
         */
        delete: operations["removeService"];
        options?: never;
        head?: never;
        /**
         * Update a Swarm service (a rolling update)
         * @description Changes what is given (image, replicas, env, ports, labels, constraints, limits) and keeps the rest; Swarm then replaces the tasks as the service's update config says. The whole resulting spec is checked against the create policy, so a service someone else made with more power cannot be changed through portcall. A concurrent change (Swarm's "update out of sequence") is re-read and applied again. A new image's registry credentials are `registryAuth`, else the stored ones.
         *
         *     Requires the `services:write` scope.
         */
        patch: operations["updateService"];
        trace?: never;
    };
    "/v1/hosts/{host}/services/{service}/scale": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Scale a replicated Swarm service
         * @description Sets the number of replicas; a global service is 409 `conflict`.
         *
         *     Requires the `services:write` scope.
         */
        post: operations["scaleService"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/services/{service}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Roll a Swarm service back to its previous spec
         * @description Swarm returns the service to the spec before its last update and replaces the tasks as its rollback config says. The previous spec is checked against the create policy like a new one. A service never updated is 409 `conflict`.
         *
         *     Requires the `services:write` scope.
         */
        post: operations["rollbackService"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/services/{service}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tasks of a Swarm service
         * @description Every task Swarm still keeps (running ones and those an update or a failure replaced), with its node and state, by slot, newest first; `state=running` keeps only those meant to run.
         *
         *     Requires the `services:read` scope.
         */
        get: operations["listServiceTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/services/{service}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The logs of a Swarm service's tasks
         * @description The output of every task, in the formats of a container's log (`Accept`: `text/event-stream`, `application/x-ndjson` or `text/plain`), with the same bounds. Lines of different tasks interleave as Swarm gathers them.
         *
         *     Requires the `services:read` scope.
         */
        get: operations["getServiceLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/nodes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The nodes of a manager's swarm
         * @description Requires the `services:read` scope.
         */
        get: operations["listNodes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/hosts/{host}/nodes/{node}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Inspect a node of a manager's swarm
         * @description Requires the `services:read` scope.
         */
        get: operations["inspectNode"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tokens
         * @description Metadata only, never a token. An admin sees every token; another token sees the tokens it minted itself.
         *
         *     Requires the `tokens:write` scope.
         */
        get: operations["listTokens"];
        put?: never;
        /**
         * Mint a token
         * @description Mints a narrower token for a bot or a CI job. A token never gets more scopes, hosts, policy grants or lifetime than the caller's own token (403 `forbidden`). The token is in the answer once and never again.
         *
         *     Requires the `tokens:write` scope.
         */
        post: operations["createToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a token
         * @description The token is refused from the next request on, and with it every token it minted and theirs, also one being minted at that moment. An admin may revoke any token; another token only itself and the tokens it minted.
         *
         *     Requires the `tokens:write` scope.
         */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read the audit log
         * @description Every mutating request and every refused one (401, 403), newest first. A token without `admin` or the `*` host grant sees only entries about hosts it may use. Requests without a valid token are written one by one up to 20 a minute per kind of refusal; the rest become one entry with their count (`method` and `path` `*`). Long fields are cut, and entries older than PORTCALL_AUDIT_RETENTION_DAYS are deleted.
         *
         *     Requires the `audit:read` scope.
         */
        get: operations["listAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/containers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List containers on every host
         * @description The containers of every host the token may use (or of the `host`s named), asked in parallel, each tagged with its host. A host that fails or passes `timeoutMs` is left out with an entry in `errors`: the answer is 200 even when every host failed.
         *
         *     Requires the `containers:read` scope.
         */
        get: operations["listFleetContainers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images on every host
         * @description The images of every host the token may use (or of the `host`s named), asked in parallel, each tagged with its host. A host that fails or passes `timeoutMs` is left out with an entry in `errors`.
         *
         *     Requires the `images:read` scope.
         */
        get: operations["listFleetImages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow the events of every host
         * @description One stream of the Docker events (containers, images, volumes, networks…) of every host the token may use, or of the `host`s named, as SSE (the default) or NDJSON (`Accept: application/x-ndjson`). Each event names its host. `host` events say when a host is followed, drops out (`detached`) and comes back (`attached`); the events it had meanwhile then follow. Every event's id resumes the whole stream after it. An SSE comment every 15 s keeps an idle stream open through proxies.
         *
         *     Requires the `events:read` scope.
         */
        get: operations["streamEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        /** @description An RFC 9457 problem document; every error portcall returns has this shape. */
        Problem: {
            /**
             * @description A URI naming the kind of problem; one per `code`.
             * @example urn:portcall:error:container_not_found
             */
            type: string;
            /**
             * @description Short summary of the kind of problem.
             * @example No such container
             */
            title: string;
            /**
             * @description The HTTP status code.
             * @example 404
             */
            status: number;
            /**
             * @description What went wrong with this request, for a person.
             * @example Container "web-1" does not exist on host "local".
             */
            detail: string;
            /**
             * @description Stable, machine-readable error code. Branch on this, not on `title` or `detail`.
             * @example container_not_found
             * @enum {string}
             */
            code: "invalid_request" | "invalid_token" | "registry_auth_failed" | "insufficient_scope" | "forbidden" | "not_found" | "host_not_found" | "container_not_found" | "image_not_found" | "volume_not_found" | "network_not_found" | "registry_not_found" | "token_not_found" | "run_not_found" | "service_not_found" | "node_not_found" | "conflict" | "host_exists" | "host_read_only" | "not_a_swarm_manager" | "policy_denied" | "no_host_available" | "idempotency_key_reuse" | "too_many_requests" | "build_failed" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "host_error" | "host_unavailable" | "host_timeout";
            /**
             * @description The request's id, as echoed in the `X-Request-Id` header. Quote it when reporting a problem.
             * @example 0b3c6c5e-8a0e-4c2f-9d3b-2f3d1b9f8f41
             */
            requestId: string;
            /** @description For `invalid_request`: every field that failed validation. */
            errors?: components["schemas"]["FieldError"][];
            /** @description For `no_host_available`: why each host the token may use was passed over. */
            hosts?: components["schemas"]["HostReason"][];
        };
        FieldError: {
            /**
             * @description Which part of the request holds the field.
             * @enum {string}
             */
            location: "param" | "query" | "header" | "json" | "form" | "cookie" | "argument";
            /**
             * @description Dotted path of the field inside that part.
             * @example all
             */
            path: string;
            /** @example Invalid input: expected boolean */
            message: string;
        };
        HostReason: {
            /** @example build-2 */
            host: string;
            /** @example labels do not match */
            reason: string;
        };
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not_ready";
            /** @description The process is shutting down: send new work elsewhere. */
            stopping: boolean;
            store: components["schemas"]["StoreProbe"];
            hosts: components["schemas"]["HostCounts"];
        };
        StoreProbe: {
            ok: boolean;
            error: string | null;
        };
        HostCounts: {
            total: number;
            reachable: number;
            unreachable: number;
            /** @description Not probed yet. */
            unknown: number;
        };
        JsonWebKeySet: {
            keys: components["schemas"]["Jwk"][];
        };
        Jwk: {
            kty: string;
            crv: string;
            x: string;
            kid: string;
            alg: string;
            use: string;
        };
        Host: {
            /** @example build-1 */
            id: string;
            name: string;
            labels: {
                [key: string]: string;
            };
            /** @example ssh://deploy@10.0.0.7:22 */
            url: string;
            /** @enum {string} */
            transport: "unix" | "tcp" | "ssh";
            tls: components["schemas"]["HostTls"];
            ssh: components["schemas"]["HostSsh"];
            insecure: boolean;
            /** @description null when an operator (an admin token, the CLI, the hosts file) set the connection; else the issuer and subject of the token that did (`portcall:alice`). Such a host gets no stored registry credentials and no other subject's placed runs. */
            owner: string | null;
            /**
             * @description `file` hosts come from PORTCALL_HOSTS_FILE and cannot be changed through the API.
             * @enum {string}
             */
            source: "api" | "file";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            status: components["schemas"]["HostStatus"];
        };
        /** @description Which certificates are in use; the key is never returned. */
        HostTls: {
            caSubject: string;
            certSubject: string;
            /** Format: date-time */
            certExpiresAt: string;
        } | null;
        /** @description Who portcall logs in as and which host key it expects. */
        HostSsh: {
            username: string;
            hostKeyFingerprint: string;
        } | null;
        HostStatus: {
            /** @description null until the host was tried once. */
            reachable: boolean | null;
            /** @description Repeated failures: calls fail fast (503) until a probe succeeds. */
            down: boolean;
            /** Format: date-time */
            lastCheckedAt: string | null;
            /** @description Round trip of the last successful `/_ping`. */
            latencyMs: number | null;
            /** @description Engine API version negotiated with the host. */
            apiVersion: string | null;
            /** @description Why the host is not reachable. */
            error: string | null;
        };
        /**
         * @example {
         *       "id": "build-1",
         *       "labels": {
         *         "pool": "build"
         *       },
         *       "url": "ssh://deploy@10.0.0.7:22",
         *       "ssh": {
         *         "privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\n…",
         *         "hostKeyFingerprint": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"
         *       }
         *     }
         */
        HostCreate: {
            /** @example build-1 */
            id: string;
            /** @description Display name; defaults to the id. */
            name?: string;
            labels?: components["schemas"]["HostLabels"];
            /**
             * @description `unix:///path/to/docker.sock`, `tcp://host:port` (mutual TLS) or `ssh://user@host:port`.
             * @example tcp://10.0.0.5:2376
             */
            url: string;
            tls?: components["schemas"]["HostTlsInput"];
            ssh?: components["schemas"]["HostSshInput"];
            /** @description Allow plain `tcp://` without TLS. Refused unless the address is loopback; admin only. */
            insecure?: boolean;
        };
        /**
         * @description Free-form labels, used by token grants and placement (`env: prod`, `pool: build`). Setting or changing them needs the `hosts:label` scope.
         * @example {
         *       "env": "prod",
         *       "pool": "build"
         *     }
         */
        HostLabels: {
            [key: string]: string;
        };
        /** @description Mutual TLS for a `tcp://` host. */
        HostTlsInput: {
            /**
             * @description CA certificate(s) the daemon's certificate must chain to.
             * @example -----BEGIN CERTIFICATE-----
             *     …
             */
            ca: string;
            /**
             * @description Client certificate portcall presents.
             * @example -----BEGIN CERTIFICATE-----
             *     …
             */
            cert: string;
            /**
             * @description Client private key. Write-only: never returned.
             * @example -----BEGIN PRIVATE KEY-----
             *     …
             */
            key: string;
        };
        /** @description SSH for an `ssh://` host. The host key is required: portcall never trusts a key on first use. */
        HostSshInput: {
            /**
             * @description SSH private key (OpenSSH or PEM format). Write-only: never returned.
             * @example -----BEGIN PRIVATE KEY-----
             *     …
             */
            privateKey: string;
            /** @description Passphrase of the key. Write-only. */
            passphrase?: string;
            /**
             * @description The server's public host key, as in known_hosts (`ssh-ed25519 AAAA…`).
             * @example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGt0…
             */
            hostKey?: string;
            /**
             * @description Or the host key's SHA256 fingerprint.
             * @example SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s
             */
            hostKeyFingerprint?: string;
        };
        HostList: {
            items: components["schemas"]["Host"][];
        };
        /**
         * @description Fields to change. Changing `url` to another transport needs that transport's settings too.
         * @example {
         *       "labels": {
         *         "pool": "build",
         *         "zone": "b"
         *       }
         *     }
         */
        HostUpdate: {
            /** @description Display name; defaults to the id. */
            name?: string;
            labels?: components["schemas"]["HostLabels"];
            /**
             * @description `unix:///path/to/docker.sock`, `tcp://host:port` (mutual TLS) or `ssh://user@host:port`.
             * @example tcp://10.0.0.5:2376
             */
            url?: string;
            tls?: components["schemas"]["HostTlsInput"];
            ssh?: components["schemas"]["HostSshInput"];
            /** @description Allow plain `tcp://` without TLS. Refused unless the address is loopback; admin only. */
            insecure?: boolean;
        };
        HostInfo: {
            /**
             * @description The daemon's host name.
             * @example build-3
             */
            name: string;
            /** @example 28.2.2 */
            engineVersion: string;
            /**
             * @description Engine API version portcall speaks to it.
             * @example 1.47
             */
            apiVersion: string;
            /**
             * @description Newest Engine API version the daemon offers.
             * @example 1.50
             */
            maxApiVersion: string;
            /** @example Debian GNU/Linux 12 (bookworm) */
            os: string;
            /** @example linux */
            osType: string;
            /** @example x86_64 */
            architecture: string;
            kernelVersion: string;
            cpus: number;
            memoryBytes: number;
            /** @example overlay2 */
            storageDriver: string;
            containers: components["schemas"]["HostContainerCounts"];
            images: number;
            /**
             * @description The daemon's swarm membership state.
             * @enum {string}
             */
            swarm: "inactive" | "pending" | "active" | "error" | "locked";
        };
        HostContainerCounts: {
            total: number;
            running: number;
            paused: number;
            stopped: number;
        };
        Run: {
            /** @example run_8d5c2a5e0b7f4c1e9a3d6f2b */
            id: string;
            host: string;
            containerId: string;
            image: string;
            /** @description The registry digest of the image run, or its id when it has none. */
            imageDigest: string | null;
            status: components["schemas"]["RunStatus"];
            exitCode: number | null;
            oomKilled: boolean;
            /** @description Why a run is `lost`, or what Docker reported. */
            error: string | null;
            labels: {
                [key: string]: string;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            durationMs: number | null;
            /** @description Whether the container was removed after the run. */
            removed: boolean;
            phases: components["schemas"]["RunPhases"];
            output: components["schemas"]["RunOutput"];
            links: components["schemas"]["RunLinks"];
        };
        /**
         * @description `running` until the container ends; `exited` when it ended by itself; `cancelled` when it was stopped through cancel; `lost` when its container vanished before its end was seen (the reason is in `error`).
         * @enum {string}
         */
        RunStatus: "running" | "exited" | "cancelled" | "lost";
        RunPhases: {
            /** @description Null when no pull was needed. */
            pullMs: number | null;
            createMs: number | null;
            startMs: number | null;
            /** @description From start until the end was seen. */
            runMs: number | null;
        };
        /** @description Kept once the run ended. */
        RunOutput: {
            stdout: string;
            stderr: string;
            /** @description True when a stream's middle was cut to fit the limit. */
            truncated: boolean;
            /** @description All the stream printed, kept or not. */
            stdoutBytes: number;
            stderrBytes: number;
        } | null;
        RunLinks: {
            self: string;
            wait: string;
            logs: string;
            cancel: string;
        };
        /**
         * @example {
         *       "host": "local",
         *       "image": "127.0.0.1:5055/portcall/busybox:latest",
         *       "cmd": [
         *         "sh",
         *         "-c",
         *         "echo hello from $(hostname)"
         *       ],
         *       "timeoutSeconds": 60
         *     }
         */
        RunCreate: {
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            image: string;
            name?: string;
            cmd?: string[];
            entrypoint?: string[];
            env?: {
                [key: string]: string;
            };
            workingDir?: string;
            user?: string;
            labels?: {
                [key: string]: string;
            };
            ports?: components["schemas"]["PortPublish"][];
            /** @description Without memoryBytes or pids, the server's defaults apply. */
            limits?: {
                memoryBytes?: number;
                cpus?: number;
                pids?: number;
            };
            mounts?: components["schemas"]["Mount"][];
            /** @description `host` needs the `hostNetwork` policy grant. */
            network?: string;
            hostname?: string;
            tty?: boolean;
            stopTimeout?: number;
            /**
             * @description Where to run. Give this or `hostSelector`.
             * @example local
             */
            host?: string;
            hostSelector?: components["schemas"]["HostSelector"];
            /**
             * @description `missing`: pull only when the host lacks the image; `always`: pull first; `never`: don't.
             * @default missing
             * @enum {string}
             */
            pull?: "missing" | "always" | "never";
            registryAuth?: components["schemas"]["RegistryAuth"];
            /**
             * @description Answer when the run ended (200) rather than once it started (202).
             * @default true
             */
            wait?: boolean;
            /**
             * @description How long to hold the request waiting for the end; past it the answer is 202 and the run goes on. The server's maximum (PORTCALL_RUN_MAX_WAIT_SECONDS, 900 by default) caps it.
             * @default 60
             */
            timeoutSeconds?: number;
            /** @description Remove the container once it ended and its output was kept. Defaults to `wait`. */
            remove?: boolean;
            /**
             * @description Output kept, both streams together; each keeps its beginning and end and `truncated` says when the middle was cut.
             * @default 1048576
             */
            outputLimitBytes?: number;
        };
        PortPublish: {
            containerPort: number;
            /**
             * @default tcp
             * @enum {string}
             */
            protocol?: "tcp" | "udp" | "sctp";
            /**
             * @description Host address to publish on. Anything but loopback needs the `publicPorts` policy grant.
             * @default 127.0.0.1
             */
            hostIp?: string;
            /** @description Omit or 0 for a free port. */
            hostPort?: number;
        };
        Mount: {
            /** @enum {string} */
            type: "volume";
            source: string;
            target: string;
            /** @default false */
            readOnly?: boolean;
        } | {
            /** @enum {string} */
            type: "bind";
            /** @description Host path; needs a `binds` policy grant covering it. */
            source: string;
            target: string;
            /**
             * @description Read-only unless the grant allows writing.
             * @default true
             */
            readOnly?: boolean;
        } | {
            /** @enum {string} */
            type: "tmpfs";
            target: string;
            sizeBytes?: number;
        };
        /** @description Picks a reachable host the token may use whose labels match, the one with the fewest running containers. */
        HostSelector: {
            /** @description Labels the host must carry, all of them. */
            labels: {
                [key: string]: string;
            };
        };
        RegistryAuth: {
            username: string;
            /** @description Or an access token. Used for this call only. */
            password: string;
        };
        RunPage: {
            items: components["schemas"]["Run"][];
            /** @description Pass as `cursor` for the next page. */
            nextCursor: string | null;
        };
        /** @description One event of the stream: a `log` item, or a last `error` when it failed after it began. */
        LogEvent: (components["schemas"]["LogLine"] & {
            /** @enum {string} */
            type: "log";
        }) | components["schemas"]["StreamErrorEvent"];
        /** @description One line of a container's output. In a stream, `type` is `log`. */
        LogLine: {
            /** @enum {string} */
            stream: "stdout" | "stderr";
            /** @description The daemon's timestamp, when `timestamps=true`. */
            ts: string | null;
            line: string;
        };
        StreamErrorEvent: {
            /** @enum {string} */
            type: "error";
            problem: components["schemas"]["Problem"];
        };
        ContainerList: {
            items: components["schemas"]["ContainerSummary"][];
        };
        ContainerSummary: {
            /**
             * @description Full container id.
             * @example 4c2a1f0e9b7d…
             */
            id: string;
            /**
             * @description Primary name, without Docker's leading slash.
             * @example web-1
             */
            name: string;
            /**
             * @description Image reference the container was created from.
             * @example httpd:2.4
             */
            image: string;
            /** @example sha256:9f3c… */
            imageId: string;
            /** @example httpd-foreground */
            command: string;
            /**
             * Format: date-time
             * @example 2026-11-28T01:02:03.000Z
             */
            createdAt: string;
            state: components["schemas"]["ContainerState"];
            /**
             * @description Human-readable status from the daemon.
             * @example Up 5 minutes
             */
            status: string;
            labels: {
                [key: string]: string;
            };
            ports: components["schemas"]["PortBinding"][];
            /** @description Names of the networks it is attached to. */
            networks: string[];
            /**
             * @description For a Swarm task's container: the name of its service (its `com.docker.swarm.service.name` label).
             * @example web
             */
            service?: string;
        };
        /**
         * @description The container's lifecycle state, as the daemon reports it.
         * @enum {string}
         */
        ContainerState: "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
        PortBinding: {
            /** @example 80 */
            containerPort: number;
            /**
             * @example tcp
             * @enum {string}
             */
            protocol: "tcp" | "udp" | "sctp";
            /**
             * @description Host address it is published on, if published.
             * @example 127.0.0.1
             */
            hostIp: string | null;
            /**
             * @description Host port it is published on, if published.
             * @example 8080
             */
            hostPort: number | null;
        };
        ContainerDetail: {
            id: string;
            name: string;
            /** @description Image reference the container was created from. */
            image: string;
            imageId: string;
            /** Format: date-time */
            createdAt: string;
            state: components["schemas"]["ContainerStateDetail"];
            config: components["schemas"]["ContainerConfig"];
            restartCount: number;
            /** @example no */
            restartPolicy: string;
            limits: components["schemas"]["ContainerLimits"];
            mounts: components["schemas"]["ContainerMount"][];
            ports: components["schemas"]["PortBinding"][];
            networks: components["schemas"]["NetworkAttachment"][];
        };
        ContainerStateDetail: {
            status: components["schemas"]["ContainerState"];
            running: boolean;
            paused: boolean;
            restarting: boolean;
            oomKilled: boolean;
            dead: boolean;
            /** @description Process id on the host while running. */
            pid: number | null;
            /** @description Exit code of the last run, once it exited. */
            exitCode: number | null;
            error: string | null;
            /** Format: date-time */
            startedAt: string | null;
            /** Format: date-time */
            finishedAt: string | null;
            /** @enum {string|null} */
            health: "starting" | "healthy" | "unhealthy" | "none" | null;
        };
        ContainerConfig: {
            cmd: string[];
            entrypoint: string[];
            /** @description Environment, as a map of name to value. */
            env: {
                [key: string]: string;
            };
            workingDir: string | null;
            user: string | null;
            hostname: string;
            tty: boolean;
            labels: {
                [key: string]: string;
            };
        };
        ContainerLimits: {
            memoryBytes: number | null;
            nanoCpus: number | null;
            pids: number | null;
        };
        ContainerMount: {
            /** @example volume */
            type: string;
            /** @description Volume name, for volume mounts. */
            name: string | null;
            source: string;
            destination: string;
            readOnly: boolean;
        };
        NetworkAttachment: {
            /** @example bridge */
            name: string;
            /** @example 172.17.0.2 */
            ipAddress: string | null;
            gateway: string | null;
            macAddress: string | null;
        };
        /**
         * @example {
         *       "image": "127.0.0.1:5055/portcall/busybox:latest",
         *       "name": "web-1",
         *       "cmd": [
         *         "httpd",
         *         "-f",
         *         "-p",
         *         "8080"
         *       ],
         *       "ports": [
         *         {
         *           "containerPort": 8080
         *         }
         *       ],
         *       "limits": {
         *         "memoryBytes": 67108864
         *       },
         *       "start": true
         *     }
         */
        ContainerCreate: {
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            image: string;
            name?: string;
            cmd?: string[];
            entrypoint?: string[];
            env?: {
                [key: string]: string;
            };
            workingDir?: string;
            user?: string;
            labels?: {
                [key: string]: string;
            };
            ports?: components["schemas"]["PortPublish"][];
            restartPolicy?: {
                /** @enum {string} */
                name: "no" | "always" | "unless-stopped" | "on-failure";
                maximumRetryCount?: number;
            };
            /** @description Without memoryBytes or pids, the server's defaults apply. */
            limits?: {
                memoryBytes?: number;
                cpus?: number;
                pids?: number;
            };
            mounts?: components["schemas"]["Mount"][];
            /** @description `host` needs the `hostNetwork` policy grant. */
            network?: string;
            hostname?: string;
            tty?: boolean;
            stopTimeout?: number;
            autoRemove?: boolean;
            /**
             * @description Start it right after creating it.
             * @default false
             */
            start?: boolean;
        };
        /**
         * @example {
         *       "name": "web-2"
         *     }
         */
        ContainerRename: {
            name: string;
        };
        ContainerProcesses: {
            /**
             * @example [
             *       "PID",
             *       "USER",
             *       "TIME",
             *       "COMMAND"
             *     ]
             */
            titles: string[];
            /**
             * @example [
             *       [
             *         "4242",
             *         "root",
             *         "0:00",
             *         "sleep 300"
             *       ]
             *     ]
             */
            processes: string[][];
        };
        ContainerWaitResult: {
            /** @description True when the deadline passed first; call again to keep waiting. */
            timedOut: boolean;
            exitCode: number | null;
            /** @description Why waiting failed on the daemon's side, if it did. */
            error: string | null;
        };
        ExecResult: {
            /** @description null when the command was killed at its deadline, or the daemon could not tell. */
            exitCode: number | null;
            stdout: string;
            stderr: string;
            /** @description True when a stream printed more than its share of `outputLimitBytes`. */
            truncated: boolean;
            /** @description What the command printed on stdout in all. */
            stdoutBytes: number;
            /** @description What the command printed on stderr in all. */
            stderrBytes: number;
            /** @description From the start of the command to its end. */
            durationMs: number;
            /** @description True when the deadline passed first and the command was killed. */
            timedOut: boolean;
        };
        /** @description One event of an exec's stream: its output as it comes, then one exit or error event. */
        ExecEvent: {
            /** @enum {string} */
            type: "output";
            /** @enum {string} */
            stream: "stdout" | "stderr";
            /** @description Output as it came, as UTF-8 text. */
            data: string;
        } | {
            /** @enum {string} */
            type: "exit";
            /** @description null when the command was killed at its deadline, or the daemon could not tell. */
            exitCode: number | null;
            /** @description True when the deadline passed first and the command was killed. */
            timedOut: boolean;
            /** @description From the start of the command to its end. */
            durationMs: number;
        } | components["schemas"]["StreamErrorEvent"];
        /**
         * @example {
         *       "cmd": [
         *         "sh",
         *         "-c",
         *         "wc -l && ls /data"
         *       ],
         *       "env": {
         *         "LANG": "C.UTF-8"
         *       },
         *       "workingDir": "/data",
         *       "timeoutSeconds": 60,
         *       "stdin": "one\ntwo\n"
         *     }
         */
        ExecRequest: {
            /** @description The program and its arguments; no shell is implied. */
            cmd: string[];
            /** @description Added to the container's environment. */
            env?: {
                [key: string]: string;
            };
            workingDir?: string;
            /** @description `user[:group]`, names or ids; else the container's. */
            user?: string;
            /**
             * @description After this, the command and what it started are killed (SIGKILL).
             * @default 30
             */
            timeoutSeconds?: number;
            /** @description Text given to the command's stdin, which is then closed (at most 64 KiB). */
            stdin?: string;
            /**
             * @description How much output the one-call answer keeps: half per stream, its beginning and its end. Streams are not cut.
             * @default 1048576
             */
            outputLimitBytes?: number;
        };
        /** @description One sample of a container's resource use. In a stream, `type` is `stats`. */
        ContainerStats: {
            /** Format: date-time */
            readAt: string;
            /**
             * @description Share of one CPU times the CPUs in use, like `docker stats`.
             * @example 12.5
             */
            cpuPercent: number;
            onlineCpus: number;
            memory: components["schemas"]["MemoryStats"];
            network: components["schemas"]["NetworkStats"];
            blockIo: components["schemas"]["BlockIoStats"];
            pids: number;
        };
        MemoryStats: {
            /** @description Without reclaimable page cache. */
            usageBytes: number;
            limitBytes: number;
            percent: number;
        };
        NetworkStats: {
            rxBytes: number;
            txBytes: number;
        };
        BlockIoStats: {
            readBytes: number;
            writeBytes: number;
        };
        /** @description One event of the stream: a `stats` item, or a last `error` when it failed after it began. */
        StatsEvent: (components["schemas"]["ContainerStats"] & {
            /** @enum {string} */
            type: "stats";
        }) | components["schemas"]["StreamErrorEvent"];
        /**
         * @example {
         *       "source": "app:build-42",
         *       "target": "registry:5000/team/app:1.2"
         *     }
         */
        ImageTag: {
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            source: string;
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            target: string;
        };
        ImagePruneResult: {
            removed: string[];
            reclaimedBytes: number;
        };
        ImageList: {
            items: components["schemas"]["ImageSummary"][];
        };
        ImageSummary: {
            /** @example sha256:3f57d9401f8d… */
            id: string;
            /**
             * @example [
             *       "127.0.0.1:5055/portcall/busybox:latest"
             *     ]
             */
            repoTags: string[];
            repoDigests: string[];
            /** Format: date-time */
            createdAt: string;
            sizeBytes: number;
            labels: {
                [key: string]: string;
            };
        };
        ImageDetail: components["schemas"]["ImageSummary"] & {
            /** @example amd64 */
            architecture: string;
            /** @example linux */
            os: string;
            config: components["schemas"]["ImageConfig"];
            /** @description Digests of the image's filesystem layers, base first. */
            layers: string[];
        };
        ImageConfig: {
            cmd: string[];
            entrypoint: string[];
            env: {
                [key: string]: string;
            };
            workingDir: string | null;
            user: string | null;
            /**
             * @example [
             *       "80/tcp"
             *     ]
             */
            exposedPorts: string[];
        };
        /** @description The image's layer story, newest step first, like `docker history`. */
        ImageHistory: {
            items: components["schemas"]["ImageLayer"][];
        };
        ImageLayer: {
            /** @description Image id of the step, when it is an image of its own. */
            id: string | null;
            /** Format: date-time */
            createdAt: string;
            /** @example /bin/sh -c #(nop)  CMD ["sh"] */
            createdBy: string;
            sizeBytes: number;
            comment: string;
            tags: string[];
        };
        /** @description One event of a pull's or push's stream: progress lines, then one result or error. */
        ImageProgressEvent: {
            /** @enum {string} */
            type: "progress";
            /** @description The layer, when the line is about one. */
            id: string | null;
            /** @example Downloading */
            status: string;
            current: number | null;
            total: number | null;
        } | {
            /** @enum {string} */
            type: "result";
            image: components["schemas"]["ImageDetail"];
        } | components["schemas"]["StreamErrorEvent"];
        /**
         * @example {
         *       "image": "127.0.0.1:5055/portcall/busybox:latest"
         *     }
         */
        ImagePull: {
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            image: string;
            /** @example linux/amd64 */
            platform?: string;
            registryAuth?: components["schemas"]["RegistryAuth"];
        };
        /**
         * @example {
         *       "image": "127.0.0.1:5055/team/hello:1"
         *     }
         */
        ImagePush: {
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            image: string;
            registryAuth?: components["schemas"]["RegistryAuth"];
        };
        /** @description One event of a build's stream: output lines, then one result or error. */
        BuildEvent: {
            /** @enum {string} */
            type: "output";
            line: string;
        } | {
            /** @enum {string} */
            type: "result";
            image: components["schemas"]["ImageDetail"];
        } | components["schemas"]["StreamErrorEvent"];
        /**
         * @example {
         *       "dockerfile": "FROM 127.0.0.1:5055/portcall/busybox:latest\nCOPY hello.txt /hello.txt\n",
         *       "files": {
         *         "hello.txt": "hi\n"
         *       },
         *       "tags": [
         *         "127.0.0.1:5055/team/hello:1"
         *       ]
         *     }
         */
        ImageBuild: {
            /**
             * @example FROM 127.0.0.1:5055/portcall/busybox:latest
             *     COPY hello.txt /hello.txt
             */
            dockerfile: string;
            /**
             * @description Files of the context, by relative path (text).
             * @example {
             *       "hello.txt": "hi\n"
             *     }
             */
            files?: {
                [key: string]: string;
            };
            tags: string[];
            buildArgs?: {
                [key: string]: string;
            };
            target?: string;
            labels?: {
                [key: string]: string;
            };
        };
        VolumeList: {
            items: components["schemas"]["Volume"][];
        };
        Volume: {
            name: string;
            /** @example local */
            driver: string;
            mountpoint: string;
            /** Format: date-time */
            createdAt: string | null;
            labels: {
                [key: string]: string;
            };
            /** @example local */
            scope: string;
        };
        /**
         * @example {
         *       "name": "cache",
         *       "labels": {
         *         "team": "ci"
         *       }
         *     }
         */
        VolumeCreate: {
            name: string;
            labels?: {
                [key: string]: string;
            };
            /** @description Options of the local driver. Options that bind a host path (`o=bind`, `device=…`) need a `binds` policy grant covering it. */
            driverOpts?: {
                [key: string]: string;
            };
        };
        VolumePruneResult: {
            removed: string[];
            reclaimedBytes: number;
        };
        NetworkList: {
            items: components["schemas"]["Network"][];
        };
        Network: {
            id: string;
            name: string;
            driver: string;
            scope: string;
            internal: boolean;
            labels: {
                [key: string]: string;
            };
            subnets: string[];
            containers: components["schemas"]["NetworkMember"][];
        };
        NetworkMember: {
            id: string;
            name: string;
            ipv4Address: string | null;
        };
        /**
         * @example {
         *       "name": "app-net",
         *       "internal": false
         *     }
         */
        NetworkCreate: {
            name: string;
            /**
             * @description No route out of the network.
             * @default false
             */
            internal?: boolean;
            labels?: {
                [key: string]: string;
            };
        };
        /**
         * @example {
         *       "container": "web-1",
         *       "aliases": [
         *         "web"
         *       ]
         *     }
         */
        NetworkMembership: {
            container: string;
            aliases?: string[];
        };
        /** @description Credentials as stored; the password is never returned. */
        RegistryStored: components["schemas"]["Registry"] & {
            /** @description Whether this call stored the address's first credentials (201) or replaced earlier ones (200). */
            created: boolean;
        };
        /** @description Stored credentials of a registry; the password is never returned. */
        Registry: {
            address: string;
            username: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /**
         * @example {
         *       "username": "ci",
         *       "password": "s3cret"
         *     }
         */
        RegistryCredential: {
            username: string;
            password: string;
        };
        RegistryList: {
            items: components["schemas"]["Registry"][];
        };
        ServiceList: {
            items: components["schemas"]["Service"][];
        };
        Service: {
            id: string;
            name: string;
            /** @description Swarm's version of the spec; every change moves it. */
            version: number;
            /** @description As Swarm pinned it: the reference with its digest. */
            image: string;
            /** @enum {string} */
            mode: "replicated" | "global" | "other";
            /** @description Null for a global service. */
            replicas: number | null;
            labels: {
                [key: string]: string;
            };
            env: {
                [key: string]: string;
            };
            ports: components["schemas"]["ServicePublishedPort"][];
            constraints: string[];
            limits: components["schemas"]["ServiceLimits"];
            /** @description The image a rollback returns to, if any. */
            previousImage: string | null;
            updateStatus: components["schemas"]["ServiceUpdateStatus"];
            createdAt: string | null;
            updatedAt: string | null;
        };
        ServicePublishedPort: {
            targetPort: number;
            publishedPort: number | null;
            protocol: string;
            publishMode: string;
        };
        ServiceLimits: {
            memoryBytes: number | null;
            cpus: number | null;
            pids: number | null;
        };
        /** @description Of the last update or rollback, while Swarm keeps it. */
        ServiceUpdateStatus: {
            state: string;
            message: string;
        } | null;
        /**
         * @example {
         *       "name": "web",
         *       "image": "127.0.0.1:5055/portcall/busybox:latest",
         *       "replicas": 2,
         *       "cmd": [
         *         "sh",
         *         "-c",
         *         "while true; do echo hello; sleep 5; done"
         *       ],
         *       "limits": {
         *         "memoryBytes": 67108864
         *       }
         *     }
         */
        ServiceCreate: {
            name: string;
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            image: string;
            /** @default 1 */
            replicas?: number;
            /** @description Arguments to the image's entrypoint. */
            cmd?: string[];
            entrypoint?: string[];
            env?: {
                [key: string]: string;
            };
            workingDir?: string;
            user?: string;
            /** @description Labels of the service. */
            labels?: {
                [key: string]: string;
            };
            /** @description Labels of each task's container. */
            containerLabels?: {
                [key: string]: string;
            };
            ports?: components["schemas"]["ServicePort"][];
            constraints?: string[];
            /** @description Without memoryBytes or pids, the server's defaults apply. */
            limits?: {
                memoryBytes?: number;
                cpus?: number;
                pids?: number;
            };
            mounts?: components["schemas"]["Mount"][];
            /** @description Networks the tasks join; `host` needs the `hostNetwork` policy grant. */
            networks?: string[];
            tty?: boolean;
            stopGracePeriodSeconds?: number;
            updateConfig?: components["schemas"]["ServiceUpdateConfig"];
            registryAuth?: components["schemas"]["RegistryAuth"] & unknown;
        };
        /** @description Published in host mode on every address of the node running the task (Swarm has no host address to publish on): needs the `publicPorts` policy grant. */
        ServicePort: {
            targetPort: number;
            /** @description Omit for a free port. */
            publishedPort?: number;
            /**
             * @default tcp
             * @enum {string}
             */
            protocol?: "tcp" | "udp" | "sctp";
        };
        /** @description How an update (and a rollback) replaces the tasks. */
        ServiceUpdateConfig: {
            /** @default 1 */
            parallelism?: number;
            /** @default 0 */
            delaySeconds?: number;
            /**
             * @default stop-first
             * @enum {string}
             */
            order?: "stop-first" | "start-first";
            /**
             * @default pause
             * @enum {string}
             */
            failureAction?: "pause" | "continue" | "rollback";
        };
        /**
         * @example {
         *       "image": "127.0.0.1:5055/portcall/busybox:1"
         *     }
         */
        ServiceUpdate: {
            /** @example 127.0.0.1:5055/portcall/busybox:latest */
            image?: string;
            replicas?: number;
            env?: {
                [key: string]: string;
            };
            ports?: components["schemas"]["ServicePort"][];
            labels?: {
                [key: string]: string;
            };
            constraints?: string[];
            /** @description Without memoryBytes or pids, the server's defaults apply. */
            limits?: {
                memoryBytes?: number;
                cpus?: number;
                pids?: number;
            };
            registryAuth?: components["schemas"]["RegistryAuth"] & unknown;
        };
        /**
         * @example {
         *       "replicas": 3
         *     }
         */
        ServiceScale: {
            replicas: number;
        };
        TaskList: {
            items: components["schemas"]["Task"][];
        };
        Task: {
            id: string;
            serviceId: string;
            slot: number | null;
            nodeId: string | null;
            /** @description The node's hostname. */
            node: string | null;
            /** @example running */
            state: string;
            /** @example running */
            desiredState: string;
            message: string;
            error: string | null;
            image: string;
            containerId: string | null;
            createdAt: string | null;
            updatedAt: string | null;
        };
        NodeList: {
            items: components["schemas"]["Node"][];
        };
        Node: {
            id: string;
            hostname: string;
            /** @example manager */
            role: string;
            /** @example active */
            availability: string;
            /** @example ready */
            state: string;
            address: string | null;
            leader: boolean;
            reachability: string | null;
            engineVersion: string | null;
            cpus: number | null;
            memoryBytes: number | null;
            labels: {
                [key: string]: string;
            };
        };
        TokenCreated: components["schemas"]["TokenMetadata"] & {
            /** @description The bearer token. Shown once: portcall does not keep it. */
            token: string;
        };
        /**
         * @description `admin` implies every other scope.
         * @enum {string}
         */
        Scope: "admin" | "hosts:read" | "hosts:write" | "hosts:label" | "containers:read" | "containers:write" | "containers:exec" | "images:read" | "images:write" | "images:build" | "services:read" | "services:write" | "runs:create" | "runs:read" | "events:read" | "tokens:write" | "audit:read";
        /**
         * @description Grants that loosen the container-create policy. A token never holds grants beyond its creator's.
         * @example {
         *       "binds": [
         *         {
         *           "path": "/srv/data"
         *         }
         *       ]
         *     }
         */
        PolicyGrants: {
            binds?: components["schemas"]["BindGrant"][];
            /** @description Publishing ports beyond loopback. */
            publicPorts?: boolean;
            /** @description The host network. */
            hostNetwork?: boolean;
            /**
             * @description Repositories the token may write: tag, build and push targets (`team/*`, `127.0.0.1:5055/team/app`). `*` matches any characters, `/` included. Without it a token writes no repository; admins write any.
             * @example [
             *       "team/*"
             *     ]
             */
            images?: string[];
            build?: components["schemas"]["BuildGrant"];
        } & {
            [key: string]: unknown;
        };
        BindGrant: {
            /**
             * @description A host path prefix that bind mounts may use.
             * @example /srv/data
             */
            path: string;
            /** @description Whether such a bind may be writable. */
            readWrite?: boolean;
        };
        /** @description What a build may do beyond its default sandbox. */
        BuildGrant: {
            /** @description `RUN` steps get the default bridge network (without it: no network). */
            network?: boolean;
            /** @description `ADD` of URLs, fetched by the daemon from where it runs. */
            remoteSources?: boolean;
        };
        TokenMetadata: {
            /** @description The token's `jti`; revoke it with DELETE /v1/tokens/{id}. */
            id: string;
            name: string;
            subject: string;
            scopes: components["schemas"]["Scope"][];
            hosts: string[];
            policy: components["schemas"]["PolicyGrants"];
            /** @description Id of the token that minted it, or `cli`. */
            createdBy: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            expiresAt: string;
            /** Format: date-time */
            revokedAt: string | null;
            /**
             * Format: date-time
             * @description Updated within about 30 seconds of use.
             */
            lastUsedAt: string | null;
        };
        /**
         * @example {
         *       "name": "log-reader-bot",
         *       "scopes": [
         *         "containers:read"
         *       ],
         *       "hosts": [
         *         "label:env=staging"
         *       ],
         *       "ttl": "7d"
         *     }
         */
        TokenCreate: {
            /** @example ci-deployer */
            name: string;
            /**
             * @example [
             *       "runs:create",
             *       "containers:read"
             *     ]
             */
            scopes: components["schemas"]["Scope"][];
            /**
             * @example [
             *       "build-*"
             *     ]
             */
            hosts: components["schemas"]["HostGrant"][];
            policy?: components["schemas"]["PolicyGrants"];
            /**
             * @description Lifetime: `30d`, `12h`, `15m`, or seconds. At most the server's maximum.
             * @default 30d
             * @example 30d
             */
            ttl?: string;
            /** @description Who the token acts for, as recorded in the audit log; host ownership, placement and concurrency limits go by it. A non-admin's token acts for its creator's subject; only an admin may set one, and an admin's token without one gets a subject of its own (`token:<id>`). */
            subject?: string;
        };
        /**
         * @description A host id, a glob over ids (`build-*`), a label selector (`label:env=prod`), or `*` for every host.
         * @example build-*
         */
        HostGrant: string;
        TokenList: {
            items: components["schemas"]["TokenMetadata"][];
        };
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            /** @description Pass as `cursor` for the next page. */
            nextCursor: number | null;
        };
        AuditEntry: {
            id: number;
            /** Format: date-time */
            time: string;
            requestId: string;
            /** @description Who called; null when no valid token was given. */
            subject: string | null;
            tokenId: string | null;
            /** @example createHost */
            operationId: string | null;
            method: string;
            path: string;
            host: string | null;
            /** @description The container, token or other object acted on. */
            target: string | null;
            status: number;
            /** @enum {string} */
            outcome: "allowed" | "denied" | "failed";
            /** @description Error code and detail, when it did not succeed. */
            reason: string | null;
            /**
             * @description How the call came: the REST API or the MCP endpoint (the same operation otherwise).
             * @enum {string}
             */
            channel: "rest" | "mcp";
        };
        FleetContainerList: {
            items: components["schemas"]["FleetContainer"][];
            /** @description One entry per host that failed. */
            errors: components["schemas"]["FleetHostError"][];
        };
        FleetContainer: components["schemas"]["ContainerSummary"] & {
            /**
             * @description The host it is on.
             * @example build-1
             */
            host: string;
        };
        /** @description A host whose items are missing, and why. */
        FleetHostError: {
            /** @example build-2 */
            host: string;
            /**
             * @example host_timeout
             * @enum {string}
             */
            code: "invalid_request" | "invalid_token" | "registry_auth_failed" | "insufficient_scope" | "forbidden" | "not_found" | "host_not_found" | "container_not_found" | "image_not_found" | "volume_not_found" | "network_not_found" | "registry_not_found" | "token_not_found" | "run_not_found" | "service_not_found" | "node_not_found" | "conflict" | "host_exists" | "host_read_only" | "not_a_swarm_manager" | "policy_denied" | "no_host_available" | "idempotency_key_reuse" | "too_many_requests" | "build_failed" | "payload_too_large" | "unsupported_media_type" | "internal_error" | "host_error" | "host_unavailable" | "host_timeout";
            /** @example Host "build-2" did not answer within 2000 ms. */
            message: string;
        };
        FleetImageList: {
            items: components["schemas"]["FleetImage"][];
            /** @description One entry per host that failed. */
            errors: components["schemas"]["FleetHostError"][];
        };
        FleetImage: components["schemas"]["ImageSummary"] & {
            /**
             * @description The host it is on.
             * @example build-1
             */
            host: string;
        };
        EventStreamEvent: components["schemas"]["HostEvent"] | components["schemas"]["HostStateEvent"] | components["schemas"]["StreamErrorEvent"];
        /** @description Something happened to an object on a host. */
        HostEvent: {
            type: components["schemas"]["EventObjectType"];
            /**
             * @description The host it happened on.
             * @example build-1
             */
            host: string;
            /**
             * @description What happened, as Docker names it (`create`, `start`, `die`, `exec_start`, `pull`…).
             * @example die
             */
            action: string;
            /**
             * @description What Docker says after the action: an exec's command, a health status.
             * @example healthy
             */
            detail?: string;
            /**
             * @description The object's id (a volume's name).
             * @example 4c2a1f0e9b7d…
             */
            id: string;
            /** @example web-1 */
            name?: string;
            /**
             * @description For containers: their image.
             * @example httpd:2.4
             */
            image?: string;
            /**
             * @description For the container of a Swarm task: its service's name.
             * @example web
             */
            service?: string;
            /** @description Everything Docker attached to the event: the object's labels, name, image, exit code… */
            attributes: {
                [key: string]: string;
            };
            /**
             * Format: date-time
             * @example 2026-11-28T01:02:03.456Z
             */
            time: string;
            /** @description For `die`: the process's exit code. */
            exitCode?: number;
            /** @description NDJSON only (SSE has it as the event's `id`): where the stream stands after this event; pass it as `since` to resume after it. */
            eventId?: string;
        };
        /**
         * @description What the event is about.
         * @example container
         * @enum {string}
         */
        EventObjectType: "container" | "image" | "volume" | "network" | "daemon" | "plugin" | "service" | "node" | "secret" | "config" | "builder";
        /** @description The stream started or stopped hearing from a host. A detached host is tried again until it answers; the events it had meanwhile then follow. */
        HostStateEvent: {
            /** @enum {string} */
            type: "host";
            /**
             * @description The host it happened on.
             * @example build-1
             */
            host: string;
            /** @enum {string} */
            state: "attached" | "detached";
            /** @example Host "build-1" is unavailable: the connection was reset. */
            reason: string;
            /** @description NDJSON only (SSE has it as the event's `id`): where the stream stands after this event; pass it as `since` to resume after it. */
            eventId?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is up. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready; the body counts reachable and unreachable hosts. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not ready: the store cannot be used, or the process is stopping. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getJwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key set. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JsonWebKeySet"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listHosts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The hosts, by id. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HostList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createHost: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HostCreate"];
            };
        };
        responses: {
            /** @description The host was registered. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The path of the resource. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Host"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `forbidden`: The token may not do this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_exists`: A host with this id is already registered. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getHost: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The host, with its live status. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Host"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteHost: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The host was unregistered. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `forbidden`: The token may not do this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_read_only`: The host is managed by the hosts file. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateHost: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["HostUpdate"];
            };
        };
        responses: {
            /** @description The host as it is now. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Host"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `forbidden`: The token may not do this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_read_only`: The host is managed by the hosts file. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getHostInfo: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The daemon's summary. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HostInfo"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listRuns: {
        parameters: {
            query?: {
                host?: string;
                /** @description `running` until the container ends; `exited` when it ended by itself; `cancelled` when it was stopped through cancel; `lost` when its container vanished before its end was seen (the reason is in `error`). */
                status?: components["schemas"]["RunStatus"];
                /** @description Only runs with this label (`key`) or label value (`key=value`). Repeat to require several. */
                label?: string[];
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of runs. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RunPage"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createRun: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same body, from the same caller, within 24 hours gets the first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice; the same key with another body is 422 `idempotency_key_reuse`. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RunCreate"];
            };
        };
        responses: {
            /** @description The run ended within the wait: its exit code and output. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The path of the resource. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description The run goes on; `links.wait` gives its end. */
            202: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The path of the resource. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_auth_failed`: The registry refused the credentials. `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. `no_host_available`: No permitted, reachable host matches the selector. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: The request body is too large. */
            413: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `idempotency_key_reuse`: The idempotency key was used with another request. */
            422: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `run_not_found`: No such run. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    waitRun: {
        parameters: {
            query?: {
                /** @description How long to wait at most, up to 60 seconds. */
                timeoutSeconds?: number | null;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run ended. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description The run still goes on. */
            202: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `run_not_found`: No such run. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cancelRun: {
        parameters: {
            query?: {
                /** @description How long the process has to exit after SIGTERM. */
                graceSeconds?: number | null;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run, ended. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description The container is being stopped. */
            202: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `run_not_found`: No such run. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getRunLogs: {
        parameters: {
            query?: {
                /** @description Keep the stream open and send new lines as they come. */
                follow?: "true" | "false";
                /** @description Include standard output. */
                stdout?: "true" | "false";
                /** @description Include standard error. */
                stderr?: "true" | "false";
                /** @description Give each line the daemon's timestamp (`ts`). */
                timestamps?: "true" | "false";
                /** @description Only the last N lines. */
                tail?: number | null;
                /** @description Only lines at or after this time (RFC 3339 time or Unix seconds). */
                since?: string;
                /** @description Only lines before this time (RFC 3339 time or Unix seconds). */
                until?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The log lines. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                    "application/x-ndjson": components["schemas"]["LogEvent"];
                    "text/event-stream": components["schemas"]["LogEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `run_not_found`: No such run. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listContainers: {
        parameters: {
            query?: {
                /** @description Include stopped containers (like `docker ps -a`). */
                all?: "true" | "false";
                /** @description Only containers with this label (`key`) or label value (`key=value`). Repeat to require several. */
                label?: string[];
                /** @description Only containers in one of these states. Repeat for several. */
                status?: components["schemas"]["ContainerState"][];
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The containers, newest first. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContainerList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createContainer: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same body, from the same caller, within 24 hours gets the first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice; the same key with another body is 422 `idempotency_key_reuse`. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ContainerCreate"];
            };
        };
        responses: {
            /** @description The container as created (and started, if asked). */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The path of the resource. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContainerDetail"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: The request body is too large. */
            413: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `idempotency_key_reuse`: The idempotency key was used with another request. */
            422: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inspectContainer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The container. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContainerDetail"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    removeContainer: {
        parameters: {
            query?: {
                /** @description Kill it first if it is running. */
                force?: "true" | "false";
                /** @description Also remove its anonymous volumes. */
                volumes?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    startContainer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    stopContainer: {
        parameters: {
            query?: {
                /** @description Seconds to wait after SIGTERM before SIGKILL. */
                timeout?: number | null;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    restartContainer: {
        parameters: {
            query?: {
                /** @description Seconds to wait after SIGTERM before SIGKILL. */
                timeout?: number | null;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    killContainer: {
        parameters: {
            query?: {
                signal?: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pauseContainer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    unpauseContainer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    renameContainer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ContainerRename"];
            };
        };
        responses: {
            /** @description Renamed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listContainerProcesses: {
        parameters: {
            query?: {
                /** @description Flags for ps. */
                psArgs?: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The processes. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContainerProcesses"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    waitContainer: {
        parameters: {
            query?: {
                condition?: "not-running" | "next-exit" | "removed";
                timeoutSeconds?: number;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description How the wait ended. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContainerWaitResult"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    execContainer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ExecRequest"];
            };
        };
        responses: {
            /** @description How the command ended, with its output; or the stream of its output and end. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecResult"];
                    "application/x-ndjson": components["schemas"]["ExecEvent"];
                    "text/event-stream": components["schemas"]["ExecEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: The request body is too large. */
            413: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getContainerLogs: {
        parameters: {
            query?: {
                /** @description Keep the stream open and send new lines as they come. */
                follow?: "true" | "false";
                /** @description Include standard output. */
                stdout?: "true" | "false";
                /** @description Include standard error. */
                stderr?: "true" | "false";
                /** @description Give each line the daemon's timestamp (`ts`). */
                timestamps?: "true" | "false";
                /** @description Only the last N lines. */
                tail?: number | null;
                /** @description Only lines at or after this time (RFC 3339 time or Unix seconds). */
                since?: string;
                /** @description Only lines before this time (RFC 3339 time or Unix seconds). */
                until?: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The log lines. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                    "application/x-ndjson": components["schemas"]["LogEvent"];
                    "text/event-stream": components["schemas"]["LogEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getContainerStats: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Container id, unique id prefix, or name. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The sample, or the stream of samples. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContainerStats"];
                    "application/x-ndjson": components["schemas"]["StatsEvent"];
                    "text/event-stream": components["schemas"]["StatsEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    tagImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageTag"];
            };
        };
        responses: {
            /** @description Tagged. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pruneImages: {
        parameters: {
            query?: {
                /** @description Also remove unused tagged images. */
                all?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was removed. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePruneResult"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listImages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The images. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    removeImage: {
        parameters: {
            query: {
                /** @description Image reference (`repo:tag`, `registry:5000/repo:tag`, `repo@sha256:…`) or image id (`sha256:…`). */
                ref: string;
                /** @description Remove it even if containers use it or it has several tags. */
                force?: "true" | "false";
                /** @description Keep untagged parent images. */
                noprune?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inspectImage: {
        parameters: {
            query: {
                /** @description Image reference (`repo:tag`, `registry:5000/repo:tag`, `repo@sha256:…`) or image id (`sha256:…`). */
                ref: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageDetail"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getImageHistory: {
        parameters: {
            query: {
                /** @description Image reference (`repo:tag`, `registry:5000/repo:tag`, `repo@sha256:…`) or image id (`sha256:…`). */
                ref: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The layers. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageHistory"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pullImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImagePull"];
            };
        };
        responses: {
            /** @description The image, once pulled; or the stream of its progress. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageDetail"];
                    "application/x-ndjson": components["schemas"]["ImageProgressEvent"];
                    "text/event-stream": components["schemas"]["ImageProgressEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_auth_failed`: The registry refused the credentials. `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pushImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImagePush"];
            };
        };
        responses: {
            /** @description The image, once pushed; or the stream of the push's progress. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageDetail"];
                    "application/x-ndjson": components["schemas"]["ImageProgressEvent"];
                    "text/event-stream": components["schemas"]["ImageProgressEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_auth_failed`: The registry refused the credentials. `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    buildImage: {
        parameters: {
            query?: {
                /** @description Tags of the built image (tar uploads; repeat for several). */
                tag?: string[];
                /** @description `NAME=value` build arguments (tar uploads; repeat for several). */
                buildArg?: string[];
                /** @description Stage to build (tar uploads). */
                target?: string;
                /** @description Dockerfile path in the context (tar uploads). */
                dockerfile?: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ImageBuild"];
                "application/x-tar": string;
            };
        };
        responses: {
            /** @description The built image; or the stream of the build. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageDetail"];
                    "application/x-ndjson": components["schemas"]["BuildEvent"];
                    "text/event-stream": components["schemas"]["BuildEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_auth_failed`: The registry refused the credentials. `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `image_not_found`: No such image. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: The request body is too large. */
            413: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `build_failed`: The image build failed. */
            422: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listVolumes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The volumes. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VolumeList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createVolume: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VolumeCreate"];
            };
        };
        responses: {
            /** @description The volume. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Volume"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inspectVolume: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The volume. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Volume"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `volume_not_found`: No such volume. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    removeVolume: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `volume_not_found`: No such volume. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pruneVolumes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What was removed. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VolumePruneResult"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listNetworks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The networks. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NetworkList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createNetwork: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NetworkCreate"];
            };
        };
        responses: {
            /** @description The network. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Network"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inspectNetwork: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Network id or name. */
                network: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The network, with its containers. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Network"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `network_not_found`: No such network. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    removeNetwork: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Network id or name. */
                network: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `network_not_found`: No such network. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    connectNetwork: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Network id or name. */
                network: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NetworkMembership"];
            };
        };
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `network_not_found`: No such network. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    disconnectNetwork: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Network id or name. */
                network: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NetworkMembership"];
            };
        };
        responses: {
            /** @description Done. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `network_not_found`: No such network. `container_not_found`: No such container. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    putRegistry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                address: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegistryCredential"];
            };
        };
        responses: {
            /** @description Replaced. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegistryStored"];
                };
            };
            /** @description Stored. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegistryStored"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteRegistry: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                address: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Forgotten. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_not_found`: No credentials for this registry. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listRegistries: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The registries. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegistryList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listServices: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The services. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createService: {
        parameters: {
            query?: never;
            header?: {
                /** @description Makes a retry safe: the same key with the same body, from the same caller, within 24 hours gets the first answer again (with `Idempotent-Replayed: true`) instead of doing the work twice; the same key with another body is 422 `idempotency_key_reuse`. */
                "idempotency-key"?: string;
            };
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ServiceCreate"];
            };
        };
        responses: {
            /** @description The service as created; its tasks start as Swarm schedules them. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The path of the resource. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_auth_failed`: The registry refused the credentials. `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `payload_too_large`: The request body is too large. */
            413: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `idempotency_key_reuse`: The idempotency key was used with another request. */
            422: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inspectService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    removeService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    updateService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ServiceUpdate"];
            };
        };
        responses: {
            /** @description The service with its new spec; the update rolls on. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `registry_auth_failed`: The registry refused the credentials. `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    scaleService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ServiceScale"];
            };
        };
        responses: {
            /** @description The service with its new replica count. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rollbackService: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service, rolling back. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `policy_denied`: The container policy does not allow this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. `conflict`: The request conflicts with the current state. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listServiceTasks: {
        parameters: {
            query?: {
                /** @description Only tasks whose desired state is this (Swarm's `desired-state` filter). */
                state?: "running" | "shutdown" | "accepted";
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tasks. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getServiceLogs: {
        parameters: {
            query?: {
                /** @description Keep the stream open and send new lines as they come. */
                follow?: "true" | "false";
                /** @description Include standard output. */
                stdout?: "true" | "false";
                /** @description Include standard error. */
                stderr?: "true" | "false";
                /** @description Give each line the daemon's timestamp (`ts`). */
                timestamps?: "true" | "false";
                /** @description Only the last N lines. */
                tail?: number | null;
                /** @description Only lines at or after this time (RFC 3339 time or Unix seconds). */
                since?: string;
            };
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Service id, unique id prefix, or name. */
                service: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The log lines. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                    "application/x-ndjson": components["schemas"]["LogEvent"];
                    "text/event-stream": components["schemas"]["LogEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `service_not_found`: No such service. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listNodes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The nodes. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NodeList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inspectNode: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Id of a registered Docker host. */
                host: string;
                /** @description Node id or hostname. */
                node: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The node. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Node"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. `node_not_found`: No such swarm node. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `not_a_swarm_manager`: The host is not a Swarm manager. */
            409: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_error`: The Docker host gave an unexpected answer. */
            502: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_unavailable`: The Docker host is unavailable. */
            503: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_timeout`: The Docker host did not answer in time. */
            504: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tokens, newest first. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TokenCreate"];
            };
        };
        responses: {
            /** @description The token and its metadata. */
            201: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenCreated"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `forbidden`: The token may not do this. `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `unsupported_media_type`: Unsupported media type. */
            415: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The token's id (`jti`). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token is revoked (revoking it again changes nothing). */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `token_not_found`: No such token. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listAudit: {
        parameters: {
            query?: {
                host?: string;
                subject?: string;
                /** @description Only entries at or after this time. */
                since?: string;
                limit?: number;
                cursor?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of entries. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listFleetContainers: {
        parameters: {
            query?: {
                /** @description Include stopped containers (like `docker ps -a`). */
                all?: "true" | "false";
                /** @description Only containers with this label (`key`) or label value (`key=value`). Repeat to require several. */
                label?: string[];
                /** @description Only containers in one of these states. Repeat for several. */
                status?: components["schemas"]["ContainerState"][];
                /** @description Only these hosts (repeat for several); every host the token may use when absent. */
                host?: string[];
                /** @description How long to wait for each host. A host that has not answered by then is left out, with an entry in `errors`; the answer never takes much longer than this. */
                timeoutMs?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The containers, host by host, newest first on each. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FleetContainerList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listFleetImages: {
        parameters: {
            query?: {
                /** @description Only these hosts (repeat for several); every host the token may use when absent. */
                host?: string[];
                /** @description How long to wait for each host. A host that has not answered by then is left out, with an entry in `errors`; the answer never takes much longer than this. */
                timeoutMs?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The images, host by host. */
            200: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FleetImageList"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    streamEvents: {
        parameters: {
            query?: {
                /** @description Only these hosts (repeat for several); every host the token may use when absent. */
                host?: string[];
                /** @description Only events about these kinds of object. Repeat for several. */
                type?: components["schemas"]["EventObjectType"][];
                /** @description Only these actions (`start`, `die`, `exec_start`…). Repeat for several. */
                action?: string[];
                /** @description Only events of objects with this label (`key`) or label value (`key=value`). Repeat to require several. */
                label?: string[];
                /** @description Resume after this event: an event's id (SSE `id`, NDJSON `eventId`), or an RFC 3339 time for every host. Daemons keep only their last events (Docker: 256), so a long gap may have lost some. */
                since?: string;
            };
            header?: {
                /** @description Sent by a reconnecting EventSource; wins over `since`. Resume after this event: an event's id (SSE `id`, NDJSON `eventId`), or an RFC 3339 time for every host. Daemons keep only their last events (Docker: 256), so a long gap may have lost some. */
                "last-event-id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events, until the client leaves. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["EventStreamEvent"];
                    "application/x-ndjson": components["schemas"]["EventStreamEvent"];
                };
            };
            /** @description `invalid_request`: The request is invalid. */
            400: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `invalid_token`: Authentication required. */
            401: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description The Bearer challenge, naming what was wrong. */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `insufficient_scope`: The token lacks the scope this operation needs. */
            403: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `host_not_found`: No such host. */
            404: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `too_many_requests`: The subject has too much going at once. */
            429: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description `internal_error`: Internal error. */
            500: {
                headers: {
                    /** @description The request's id (yours, if you sent one); every log line and audit entry of it carries it. */
                    "X-Request-Id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
