/**
 * `deno serve --parallel` runs one Oponn per worker inside one process, and a
 * scrape of `/metrics` reaches whichever worker accepted its connection: alone,
 * each answer would show one worker's counts, jumping from scrape to scrape.
 * The worker a scrape reaches asks the others over a BroadcastChannel (shared
 * by the workers of one process, and only by them) and answers with the sums.
 */
import { type MetricsSnapshot, sumSnapshots } from "./metrics.ts";

/** The process's figures, and how many workers' figures they hold. */
export interface ProcessMetrics {
  snapshot: MetricsSnapshot;
  workers: number;
  reporting: number;
}

type Message = { ask: string } | { answer: string; snapshot: MetricsSnapshot };

interface Collecting {
  snapshots: MetricsSnapshot[];
  done(): void;
}

/** How long a scrape waits for the other workers (a busy or exiting one is left out). */
const DEFAULT_WAIT_MS = 250;
/** Every Oponn of the process with this option shares it (as lib/ops/launch.ts's drain channel). */
const CHANNEL = "oponn-worker-metrics";

export class WorkerMetrics {
  /** Only with other workers to ask. */
  readonly #channel?: BroadcastChannel;
  readonly #collecting = new Map<string, Collecting>();

  constructor(
    /** Workers in this process, this one included. */
    readonly workers: number,
    private readonly local: () => MetricsSnapshot,
    private readonly waitMs = DEFAULT_WAIT_MS,
    channelName = CHANNEL,
  ) {
    if (workers <= 1) return;
    const channel = new BroadcastChannel(channelName);
    channel.onmessage = (event: MessageEvent<Message>) => this.#receive(channel, event.data);
    this.#channel = channel;
  }

  /** This worker's figures summed with every other worker's that answers in time. */
  async collect(): Promise<ProcessMetrics> {
    const id = crypto.randomUUID();
    const snapshots = [this.local()];
    const channel = this.#channel;
    if (channel) {
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          this.#collecting.delete(id);
          resolve();
        };
        const timer = setTimeout(finish, this.waitMs);
        this.#collecting.set(id, {
          snapshots,
          done: () => snapshots.length >= this.workers && finish(),
        });
        channel.postMessage({ ask: id } satisfies Message);
      });
    }
    return {
      snapshot: sumSnapshots(snapshots),
      workers: this.workers,
      reporting: snapshots.length,
    };
  }

  close(): void {
    this.#channel?.close();
  }

  #receive(channel: BroadcastChannel, message: Message): void {
    if ("ask" in message) {
      channel.postMessage({ answer: message.ask, snapshot: this.local() } satisfies Message);
      return;
    }
    const collecting = this.#collecting.get(message.answer);
    if (!collecting) return;
    collecting.snapshots.push(message.snapshot);
    collecting.done();
  }
}
