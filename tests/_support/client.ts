/** An HTTP client that behaves like a browser tab: keeps the cookie, sends the CSRF token. */

export interface PostOptions {
  htmx?: boolean;
  /** Send the CSRF token (default true); a string sends that token instead. */
  csrf?: boolean | string;
  headers?: Record<string, string>;
}

export class Client {
  cookies = new Map<string, string>();
  csrfToken = "";

  constructor(readonly baseUrl: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(this.baseUrl + path, {
      headers: { ...headers, cookie: this.cookieHeader() },
      redirect: "manual",
    });
    this.keepCookies(response);
    return response;
  }

  /** GET a page and remember the CSRF token its forms carry. */
  async open(path: string): Promise<string> {
    const response = await this.get(path);
    const html = await response.text();
    const token = /name="X-CSRF-Token" value="([^"]+)"/.exec(html)?.[1] ??
      /&quot;X-CSRF-Token&quot;:&quot;([^&]+)&quot;/.exec(html)?.[1];
    if (token) this.csrfToken = token;
    return html;
  }

  async post(
    path: string,
    form: Record<string, string | string[]>,
    options: PostOptions = {},
  ): Promise<Response> {
    if (!this.csrfToken && options.csrf !== false) await this.open("/create");
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
    }
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      cookie: this.cookieHeader(),
      ...options.headers,
    };
    const csrf = options.csrf ?? true;
    if (csrf !== false) headers["X-CSRF-Token"] = csrf === true ? this.csrfToken : csrf;
    if (options.htmx) headers["HX-Request"] = "true";
    const response = await fetch(this.baseUrl + path, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
    });
    this.keepCookies(response);
    return response;
  }

  /** Creates a ballot through the plain form and returns its id. */
  async createBallot(form: Record<string, string>): Promise<string> {
    const response = await this.post("/create", { duration_mins: "60", ...form });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status !== 303 || !location?.startsWith("/vote/")) {
      throw new Error(`Ballot not created: ${response.status}`);
    }
    return location.slice("/vote/".length);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  keepCookies(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const index = pair.indexOf("=");
      this.cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
  }
}

/** `data-option` → `data-count` of every result row on a results page or fragment. */
export function readCounts(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of html.matchAll(/data-option="([^"]*)" data-count="(\d+)"/g)) {
    counts[unescapeHtml(match[1])] = Number(match[2]);
  }
  return counts;
}

export function unescapeHtml(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'").replaceAll("&amp;", "&");
}
