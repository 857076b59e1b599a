/** The cap on live streams: per client address, and per process (split among serve workers). */
import { type DescriptorBudget, MAX_STREAMS_PER_PROCESS } from "./descriptors.ts";

/** Live streams one client address, and this worker of the process, may hold at once. */
export interface StreamCaps {
  perAddress: number;
  /** This worker's share of the process's streams (all of them under `deno run`). */
  perProcess: number;
}

/**
 * A classroom behind one NAT may watch with hundreds of tabs; a single bot
 * opening thousands is what the per-address cap stops. The per-process cap
 * comes from the descriptor limit (streamCapsFor); this one is memory's.
 */
export const DEFAULT_STREAM_CAPS: StreamCaps = {
  perAddress: 1_000,
  perProcess: MAX_STREAMS_PER_PROCESS,
};

/** This worker's caps under a descriptor budget; `perAddress: false` lifts the address cap. */
export function streamCapsFor(
  budget: DescriptorBudget,
  options: { perAddress?: boolean } = {},
): StreamCaps {
  return {
    perAddress: options.perAddress === false
      ? Infinity
      : Math.max(1, Math.ceil(DEFAULT_STREAM_CAPS.perAddress / budget.workers)),
    perProcess: budget.perWorker.streams,
  };
}

export type StreamRefusal = "address" | "process";

export class StreamLimiter {
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(readonly caps: StreamCaps) {}

  /** A release function, or which cap refused the stream. */
  open(address: string): (() => void) | StreamRefusal {
    if (this.#total >= this.caps.perProcess) return "process";
    const held = this.#byAddress.get(address) ?? 0;
    if (held >= this.caps.perAddress) return "address";
    this.#byAddress.set(address, held + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.#byAddress.delete(address);
      else this.#byAddress.set(address, left);
    };
  }

  get openStreams(): number {
    return this.#total;
  }
}
