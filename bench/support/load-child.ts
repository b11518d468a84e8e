// The load generator's own process: autocannon, driven by the suite over IPC, one job at a time. Kept apart
// from the suite and from the server so that neither's event loop is the one making the requests.
import autocannon from "autocannon";
import type { LoadJob, LoadReply } from "./load.js";

function run(job: LoadJob): Promise<LoadReply> {
  // autocannon's own histogram keeps whole milliseconds; the socket answers in fractions of one, so every
  // answer's time is kept here as measured.
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    // Sampled every 20 ms rather than every second: a run ends at the first sample after its duration.
    const instance = autocannon(
      { ...job.options, sampleInt: 20 },
      (error: unknown, result: autocannon.Result) => {
        if (error) reject(error);
        else
          resolve({
            id: job.id,
            requests: result["2xx"],
            seconds: result.duration,
            rps: result["2xx"] / result.duration,
            times,
            failures: { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts },
          });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
    });
  });
}

process.on("message", (job: LoadJob) => {
  run(job).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: job.id, error: String(error) }),
  );
});
