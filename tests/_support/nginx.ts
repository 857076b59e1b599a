/**
 * deploy/nginx.conf, read and run.
 *
 * - `parseNginx`: the config as nested directives, for tests that check it.
 * - `startNginx`: Debian's nginx run natively on this machine with the deploy
 *   template: the upstream names of deploy/oponn-upstreams.conf mapped to
 *   loopback addresses, `listen 80` moved to a free loopback port, and pid,
 *   logs and every temp path pointed into a temp dir. Stopped by its PID.
 */

const ROOT = new URL("../../", import.meta.url);
export const NGINX_CONF = new URL("deploy/nginx.conf", ROOT);
export const NGINX_UPSTREAMS = new URL("deploy/oponn-upstreams.conf", ROOT);

/** nginx config as nested directives: `name args;` or `name args { … }`. */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

export function parseNginx(text: string): Directive[] {
  const tokens = text.replace(/#[^\n]*/g, "").match(/"[^"]*"|[{};]|[^\s{};"]+/g) ?? [];
  let at = 0;
  const parseBlock = (): Directive[] => {
    const directives: Directive[] = [];
    while (at < tokens.length && tokens[at] !== "}") {
      const words: string[] = [];
      while (at < tokens.length && !["{", ";"].includes(tokens[at])) {
        words.push(tokens[at++].replace(/^"|"$/g, ""));
      }
      if (at >= tokens.length) throw new Error(`nginx config: unterminated ${words.join(" ")}`);
      const [name, ...args] = words;
      if (tokens[at++] === "{") {
        directives.push({ name, args, block: parseBlock() });
        at++; // "}"
      } else directives.push({ name, args });
    }
    return directives;
  };
  return parseBlock();
}

export const directives = (block: Directive[], name: string): Directive[] =>
  block.filter((d) => d.name === name);
/** The arguments of the first `name` directive, joined by spaces (undefined: absent). */
export const directiveArg = (block: Directive[], name: string): string | undefined =>
  directives(block, name)[0]?.args.join(" ");

/** nginx sizes and times in base units: `64k` → 65536, `15s` → 15, `1m` (time) → 60. */
export function nginxSize(value: string): number {
  const match = /^(\d+)([kKmMgG]?)$/.exec(value);
  if (!match) throw new Error(`not an nginx size: ${value}`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase()]!;
  return Number(match[1]) * unit;
}

export function nginxSeconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  if (!match) throw new Error(`not an nginx time: ${value}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? "s"]!;
  return Number(match[1]) * unit;
}

/** `server name:port params;` lines of deploy/oponn-upstreams.conf, in order. */
export async function upstreamServers(): Promise<{ address: string; params: string[] }[]> {
  const lines = parseNginx(await Deno.readTextFile(NGINX_UPSTREAMS));
  return directives(lines, "server").map((d) => ({ address: d.args[0], params: d.args.slice(1) }));
}

/** The nginx binary, or undefined when nginx is not installed. */
export function nginxBinary(): string | undefined {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs.filter(Boolean)) {
    try {
      const path = `${dir}/nginx`;
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  listener.close();
  return listener.addr.port;
}

/** Logged per request: enough to see which replica answered and whether nginx retried. */
const LOG_FORMAT =
  `'$request_method $uri $status upstream=$upstream_addr upstream_status=$upstream_status ` +
  `time=$request_time'`;

/**
 * deploy/nginx.conf for this machine: upstream names → loopback addresses
 * (every name of the upstreams file must be mapped, and only those), the
 * `listen 80` of the template on `port`, runtime files under `dir`.
 */
export async function renderNginxConfig(
  dir: string,
  upstreams: Record<string, string>,
  port: number,
): Promise<{ conf: string; upstreams: string }> {
  let text = await Deno.readTextFile(NGINX_CONF);
  const listens = text.match(/^\s*listen 80;$/gm) ?? [];
  if (listens.length !== 1) throw new Error("deploy/nginx.conf: expected one `listen 80;`");
  text = text.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
  const http = text.match(/^http \{$/gm) ?? [];
  if (http.length !== 1) throw new Error("deploy/nginx.conf: expected one `http {` block");
  for (const name of ["pid", "error_log", "access_log", "log_format", "client_body_temp_path"]) {
    if (new RegExp(`^\\s*${name}\\s`, "m").test(text)) {
      throw new Error(`deploy/nginx.conf sets ${name}: the test cannot move it to its temp dir`);
    }
  }
  const runtime = [
    `client_body_temp_path ${dir}/client_body;`,
    `proxy_temp_path ${dir}/proxy;`,
    `fastcgi_temp_path ${dir}/fastcgi;`,
    `uwsgi_temp_path ${dir}/uwsgi;`,
    `scgi_temp_path ${dir}/scgi;`,
    `log_format oponn_test ${LOG_FORMAT};`,
    `access_log ${dir}/access.log oponn_test;`,
  ].map((line) => `  ${line}`).join("\n");
  text = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n\n` +
    text.replace(
      /^http \{$/m,
      `http {\n  # --- added by the test: runtime files in its temp dir\n${runtime}\n`,
    );

  let servers = await Deno.readTextFile(NGINX_UPSTREAMS);
  const names = new Set<string>();
  servers = servers.replace(/^(\s*server\s+)(\S+)/gm, (_, lead: string, address: string) => {
    names.add(address);
    const local = upstreams[address];
    if (!local) throw new Error(`no local address for upstream ${address}`);
    return `${lead}${local}`;
  });
  const unused = Object.keys(upstreams).filter((name) => !names.has(name));
  if (unused.length) throw new Error(`not upstreams of the template: ${unused.join(", ")}`);
  return { conf: text, upstreams: servers };
}

export interface Nginx {
  url: string;
  port: number;
  pid: number;
  dir: string;
  errorLog(): string;
  accessLog(): string;
  /** SIGTERM (fast shutdown), then SIGKILL for master and workers if it lingers; removes `dir`. */
  stop(): Promise<void>;
}

/** Starts nginx with the rendered template; resolves once `readyPath` answers 200 through it. */
export async function startNginx(
  upstreams: Record<string, string>,
  options: { readyPath?: string; timeoutMs?: number } = {},
): Promise<Nginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error("nginx is not installed");
  const dir = await Deno.makeTempDir({ prefix: "oponn_nginx_" });
  // Workers run as an unprivileged user when the master is root: let them reach the temp paths.
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const rendered = await renderNginxConfig(dir, upstreams, port);
  await Deno.writeTextFile(`${dir}/nginx.conf`, rendered.conf);
  await Deno.writeTextFile(`${dir}/oponn-upstreams.conf`, rendered.upstreams);

  const child = new Deno.Command(binary, {
    args: [
      "-p",
      `${dir}/`,
      "-e",
      `${dir}/error.log`,
      "-c",
      `${dir}/nginx.conf`,
      "-g",
      "daemon off;",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return "";
    }
  };
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone meanwhile */ }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([status, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
    }
    if (!exited) {
      // The workers outlive a SIGKILLed master: kill them by their PIDs too.
      for (const pid of childrenOf(child.pid)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }
    await status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  const url = `http://127.0.0.1:${port}`;
  const readyPath = options.readyPath ?? "/healthz";
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  while (true) {
    if (exited) {
      const log = read("error.log");
      await stop();
      throw new Error(`nginx exited at start: ${log}`);
    }
    const ok = await fetch(url + readyPath).then(
      async (response) => {
        await response.body?.cancel();
        return response.status === 200;
      },
      () => false,
    );
    if (ok) break;
    if (performance.now() > deadline) {
      const log = read("error.log");
      await stop();
      throw new Error(`nginx did not answer ${readyPath} with 200: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    port,
    pid: child.pid,
    dir,
    errorLog: () => read("error.log"),
    accessLog: () => read("access.log"),
    stop,
  };
}

/** PIDs whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === pid) found.push(Number(entry.name));
      } catch { /* exited meanwhile */ }
    }
  } catch { /* no /proc */ }
  return found;
}
