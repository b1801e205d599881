/**
 * The SDK workarounds: every place where we reach into apache-beam's (or yargs') internals instead of its public
 * API, in this one folder, each named below with why it exists and what would retire it.
 *
 * They were made for the versions in MADE_FOR. Each workaround module imports this index first, so loading any of
 * them checks the installed versions once per process (read from the packages' package.json). A mismatch is one
 * warning line on stderr and the process goes on: a workaround may still hold (each also fails loudly where it
 * can tell it broke, e.g. sdk_pardo_constructor.ts). Upgrades are refused where they can be reviewed:
 * test/unit/sdk_workarounds.test.ts fails while the installed versions differ from MADE_FOR, so a bump of
 * apache-beam or yargs lands only together with a check of every entry here and a new MADE_FOR.
 *
 * Layer: below runners/ and pipelines/ (which load them), above model/ and lib/; imports nothing else of ours.
 */
import { checkVersions } from "./sdk_versions";

export type PatchedPackage = "apache-beam" | "yargs";

/** The versions every workaround below was made for and measured with. */
export const MADE_FOR: Readonly<Record<PatchedPackage, string>> = { "apache-beam": "2.49.0", yargs: "17.7.2" };

export interface SdkWorkaround {
  /** The module, in this folder. */
  readonly file: string;
  /** What it does to the package, in a few words. */
  readonly what: string;
  readonly patches: PatchedPackage;
  /** Why it exists (what goes wrong without it, measured). */
  readonly why: string;
  /** What would let us delete it. */
  readonly retireWhen: string;
}

export const SDK_WORKAROUNDS: readonly SdkWorkaround[] = [
  {
    file: "sdk_pardo_constructor.ts",
    what: "a Map.prototype.get hook for one createOperator call",
    patches: "apache-beam",
    why: "the SDK worker keeps its ParDo operator constructor in a module-private map; the awaiting ParDo operator must hand it every DoFn but ours",
    retireWhen: "the SDK exports its operator constructors (or lets a registration wrap the previous one), or the awaiting operator is retired",
  },
  {
    file: "awaiting_pardo_operator.ts",
    what: "an operator replacement: our constructor for the ParDo URN (async DoFns)",
    patches: "apache-beam",
    why: "the SDK worker's ParDo does not await a promise from process or finishBundle (the bundle fails), so sinks on Flink could not write before a bundle is acknowledged",
    retireWhen: "the SDK worker awaits async DoFns itself (then submit sinks as plain ParDos and delete withAwaitingParDos)",
  },
  {
    file: "precombine_operator.ts",
    what: "an operator replacement: our constructor for Beam's Precombine URN",
    patches: "apache-beam",
    why: "speed only: the SDK's encodes every element's key and window with their coders and base64 to find its group (a sixth of the worker's CPU in bench:flink)",
    retireWhen: "bench:flink shows the SDK's own Precombine within noise of ours",
  },
  {
    file: "worker_control_errors.ts",
    what: "a control-client patch: an error listener on every control stream",
    patches: "apache-beam",
    why: "the worker's control stream has no error listener: a TaskManager that dies makes Node exit the whole submitting process (every other worker with it)",
    retireWhen: "the SDK worker handles control-stream errors (a TaskManager killed mid-run leaves the submitting process alive without it)",
  },
  {
    file: "quiet_sdk.ts",
    what: "a console replacement while a Flink job of this process runs",
    patches: "apache-beam",
    why: "the SDK's worker and portable runner console.log every control request and bundle: several lines per element with one-element bundles",
    retireWhen: "the SDK logs through a logger with levels that we can set",
  },
  {
    file: "relink.ts",
    what: "closure relinking of what deserializeFn returns",
    patches: "apache-beam",
    why: "the SDK's deserializer hands out eval-built thunks V8 never inlines: a JSON-parsing map ran ~2.8x slower than the same function loaded normally",
    retireWhen: "bench:runner shows no difference with relinkDeserialized removed (the SDK's serializer links functions normally)",
  },
  {
    file: "yargs_definitions.ts",
    what: "yargs internals: getInternalMethods().getUsageInstance().getDescriptions()",
    patches: "yargs",
    why: "yargs keeps option descriptions only in its internal usage instance; the documented options table is generated from the definition itself",
    retireWhen: "yargs exposes option descriptions publicly, or the options are declared in a table of our own that yargs is built from",
  },
];

checkVersions(MADE_FOR);
