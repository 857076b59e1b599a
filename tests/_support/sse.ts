/** Reads a live-results stream off the wire and parses its events. */

export interface ReceivedEvent {
  id?: string;
  event?: string;
  data: string;
  receivedAt: number;
}

export class SseReader {
  events: ReceivedEvent[] = [];
  raw = "";
  comments = 0;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  #waiters: (() => void)[] = [];
  #done = false;
  #pump: Promise<void>;

  private constructor(readonly response: Response) {
    this.#reader = response.body!.getReader();
    this.#pump = this.#read();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers } });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Stream refused: ${response.status}`);
    }
    return new SseReader(response);
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      while (true) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.raw += text;
        this.#buffer += text;
        let end: number;
        while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
          this.#parse(this.#buffer.slice(0, end));
          this.#buffer = this.#buffer.slice(end + 2);
        }
        this.#waiters.splice(0).forEach((wake) => wake());
      }
    } catch {
      // the test closed the stream
    } finally {
      this.#done = true;
      this.#waiters.splice(0).forEach((wake) => wake());
    }
  }

  #parse(block: string): void {
    const event: ReceivedEvent = { data: "", receivedAt: performance.now() };
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "data") data.push(value);
      else if (name === "id") event.id = value;
      else if (name === "event") event.event = value;
      else continue;
      fields++;
    }
    if (fields === 0 || data.length === 0) return;
    event.data = data.join("\n");
    this.events.push(event);
  }

  /** Waits until an event matching `match` has arrived (or fails after `timeoutMs`). */
  async waitFor(
    match: (event: ReceivedEvent) => boolean,
    timeoutMs = 5000,
  ): Promise<ReceivedEvent> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.#done) throw new Error("Stream ended before the expected event");
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`No matching event within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
    }
  }

  /** Resolves once the server has ended the stream (fails after `timeoutMs`). */
  async waitForEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#done) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`The stream was still open after ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.#pump;
  }
}
