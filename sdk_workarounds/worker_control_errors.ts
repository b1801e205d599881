/**
 * The SDK worker's control stream has no "error" listener (apache-beam 2.49.0, worker/worker.js): when the Flink
 * TaskManager that talks to a LOOPBACK worker dies, the stream fails with `14 UNAVAILABLE: Connection dropped`,
 * Node treats the unhandled "error" event as fatal, and the whole submitting process exits — taking every other
 * worker (and the restarted job's next workers) with it. Measured with a TaskManager killed mid-run.
 *
 * Loaded by the Flink runner: it adds a listener to every control stream the SDK's client opens, which logs one
 * line; the stream's "end" handler (the SDK's) then closes that worker's channels, and Flink, restarting the job
 * from its last checkpoint, asks the worker pool for new workers.
 */
import "./index";
import "apache-beam";
import { BeamFnControlClient } from "apache-beam/proto/beam_fn_api.grpc-client";

interface Stream {
  on(event: "error", listener: (e: Error) => void): unknown;
}

type ControlMethod = (this: BeamFnControlClient, ...args: unknown[]) => Stream;

const proto = BeamFnControlClient.prototype as unknown as { control: ControlMethod; beamTsGuarded?: boolean };
if (!proto.beamTsGuarded) {
  const control = proto.control;
  proto.control = function guardedControl(this: BeamFnControlClient, ...args: unknown[]): Stream {
    const stream = control.apply(this, args);
    stream.on("error", (e: Error) => {
      process.stderr.write(`flink: an SDK worker lost its TaskManager (${e.message.split("\n")[0]}); Flink restarts the task\n`);
    });
    return stream;
  };
  proto.beamTsGuarded = true;
}
