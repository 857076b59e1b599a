/**
 * A minimal keep-alive HTTP/1.1 client over one TCP connection. The load
 * generator uses it instead of `fetch` so that the client's own cost stays
 * small next to the server's: requests are pre-encoded bytes, responses are
 * parsed just enough (status, headers, Content-Length or chunked body).
 */

const latin1 = new TextDecoder("latin1");
const encoder = new TextEncoder();

export interface Http1Response {
  status: number;
  /** The header block, lower-cased names and values as sent. */
  head: string;
  body: Uint8Array;
}

export class Http1Connection {
  #buf = new Uint8Array(16 * 1024);
  #start = 0;
  #end = 0;

  private constructor(readonly conn: Deno.TcpConn) {}

  static async open(hostname: string, port: number): Promise<Http1Connection> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new Http1Connection(conn);
  }

  async send(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Sends one request and reads its whole response. */
  async request(bytes: Uint8Array): Promise<Http1Response> {
    await this.send(bytes);
    return await this.response();
  }

  async response(): Promise<Http1Response> {
    let headEnd: number;
    while ((headEnd = this.#find(CRLF2, this.#start)) < 0) await this.#fill();
    const head = latin1.decode(this.#buf.subarray(this.#start, headEnd));
    this.#start = headEnd + 4;
    const status = Number(head.slice(9, 12));
    const lower = head.toLowerCase();
    const length = /\r\ncontent-length:\s*(\d+)/.exec(lower);
    let body: Uint8Array;
    if (length) {
      body = await this.#take(Number(length[1]));
    } else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
      body = await this.#chunked();
    } else if (status === 204 || status === 304 || status < 200) {
      body = new Uint8Array(0);
    } else {
      throw new Error(`response without length (status ${status})`);
    }
    return { status, head, body };
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  async #chunked(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    while (true) {
      let lineEnd: number;
      while ((lineEnd = this.#find(CRLF, this.#start)) < 0) await this.#fill();
      const size = parseInt(latin1.decode(this.#buf.subarray(this.#start, lineEnd)), 16);
      this.#start = lineEnd + 2;
      if (size === 0) {
        while ((lineEnd = this.#find(CRLF, this.#start)) < 0) await this.#fill();
        this.#start = lineEnd + 2;
        break;
      }
      parts.push(await this.#take(size));
      await this.#take(2);
    }
    const body = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      body.set(part, offset);
      offset += part.length;
    }
    return body;
  }

  async #take(length: number): Promise<Uint8Array> {
    while (this.#end - this.#start < length) await this.#fill(length);
    const bytes = this.#buf.slice(this.#start, this.#start + length);
    this.#start += length;
    return bytes;
  }

  async #fill(need = 0): Promise<void> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length || need > this.#buf.length - this.#start) {
      const size = Math.max(this.#buf.length, (this.#end - this.#start) * 2, need * 2);
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(this.#start, this.#end));
      this.#end -= this.#start;
      this.#start = 0;
      this.#buf = grown;
    }
    const read = await this.conn.read(this.#buf.subarray(this.#end));
    if (read === null) throw new Error("connection closed by the server");
    this.#end += read;
  }

  #find(pattern: Uint8Array, from: number): number {
    const buf = this.#buf;
    const last = this.#end - pattern.length;
    outer: for (let i = from; i <= last; i++) {
      for (let j = 0; j < pattern.length; j++) {
        if (buf[i + j] !== pattern[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}

const CRLF = encoder.encode("\r\n");
const CRLF2 = encoder.encode("\r\n\r\n");

/** Encodes a request; `Content-Length` is added when there is a body. */
export function encodeRequest(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string>,
  body = "",
): Uint8Array {
  let text = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  if (body || method === "POST") text += `Content-Length: ${encoder.encode(body).length}\r\n`;
  return encoder.encode(text + "\r\n" + body);
}

/** The `name=value` pairs of every Set-Cookie header in a response head. */
export function setCookies(head: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const match of head.matchAll(/\r\nset-cookie:\s*([^=;\r]+)=([^;\r]*)/gi)) {
    cookies.set(match[1].trim(), match[2].trim());
  }
  return cookies;
}

/** The CSRF token a page carries (the vote form's hidden field). */
export function csrfTokenOf(html: string): string | undefined {
  return /name="X-CSRF-Token" value="([^"]+)"/.exec(html)?.[1] ??
    /&quot;X-CSRF-Token&quot;:&quot;([^&]+)&quot;/.exec(html)?.[1];
}
