/**
 * Throws malformed, hostile and absurd requests at every route, HTMX and
 * plain. Every answer is a 4xx with a message, or the form with its field
 * errors; never a 5xx; nothing is written; no stack trace or SQL in any
 * response or in the server's log.
 */
import { assert, assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { report, startQuickServer } from "../_support/faults.ts";

interface Attempt {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** `true`: a 200 must be the form with field errors; otherwise only a 4xx or an empty 200. */
  form?: boolean;
}

const FORM = "application/x-www-form-urlencoded";
const encoder = new TextEncoder();

function urlencoded(fields: [string, string][]): string {
  const body = new URLSearchParams();
  for (const [key, value] of fields) body.append(key, value);
  return body.toString();
}

/** Raw bytes: a body that is not valid UTF-8 or not valid percent-encoding. */
function bytes(...parts: (string | number[])[]): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((part) =>
    typeof part === "string" ? encoder.encode(part) : new Uint8Array(part)
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const CONTROL = ["\u0000", "\u0007", "\u001b[31m", "\u007f", "\u0085", "\r\n\r\nX-Injected: 1"];
const NUMBERS = [
  "abc",
  "-5",
  "-0",
  "1.5",
  "1e9",
  "99999999999999999999999",
  "0x10",
  "NaN",
  "Infinity",
  "٣",
  "10\u0000",
];
const SCHEDULES = [
  "",
  "yesterday",
  "2020-01-01T00:00:00Z",
  "2099-13-45T25:61",
  "2099-02-30T10:00",
  "99999-01-01T00:00Z",
  "2099-01-01T00:00+99:99",
  "T",
  "2099-01-01T00:00:00.1234567890Z",
];
const BAD_IDS = [
  "x",
  "A".repeat(5000),
  "AAAAAAAAAAAAAAAA",
  "ünïcødé_ballot_id",
  "%00",
  "..%2F..%2Fdeno.json",
  "..%252F..%252Fetc%252Fpasswd",
  "'%20OR%201=1--",
  "%F0%9F%92%A9%F0%9F%92%A9%F0%9F%92%A9%F0%9F%92%A9",
  "%ZZ",
  "%E0%A4%A",
  "AAAAAAAAAAAAAAA%00",
];

function createAttempts(): Attempt[] {
  const valid: [string, string][] = [
    ["measure", "A fine question"],
    ["options_raw", "yes, no"],
    ["duration_mins", "60"],
  ];
  const without = (name: string) => valid.filter(([key]) => key !== name);
  const replace = (name: string, value: string) =>
    [...without(name), [name, value]] as [
      string,
      string,
    ][];
  const forms: [string, [string, string][]][] = [
    ["empty body", []],
    ["no measure", without("measure")],
    ["no options", without("options_raw")],
    ["repeated measure, first too short", [["measure", "x"], ...valid]],
    ["repeated options, first empty", [["options_raw", ""], ...valid]],
    ["10,000 commas", replace("options_raw", ",".repeat(10_000))],
    ["10,000 commas between two options", replace("options_raw", `a${",".repeat(10_000)}a`)],
    ["2,000 options", replace("options_raw", Array.from({ length: 2000 }, (_, i) => i).join(","))],
    ["option of 65 characters", replace("options_raw", `${"o".repeat(65)}, b`)],
    ["duplicate options", replace("options_raw", "same, same")],
    ["measure of 256 characters", replace("measure", "m".repeat(256))],
    ["measure of 40,000 characters", replace("measure", "m".repeat(40_000))],
    ["script measure, no options", [["measure", "<script>alert(1)</script>"]]],
    ["start_time_type later", [...valid, ["start_time_type", "later"]]],
    ["scheduled without a time", [...valid, ["start_time_type", "scheduled"]]],
    ...SCHEDULES.map((time): [string, [string, string][]] => [
      `scheduled at ${JSON.stringify(time)}`,
      [...valid, ["start_time_type", "scheduled"], ["scheduled_start_time", time]],
    ]),
    ["tz offset abc", [...valid, ["start_time_type", "scheduled"], [
      "scheduled_start_time",
      "2099-01-01T10:00",
    ], ["tz_offset_mins", "abc"]]],
    ["tz offset huge", [...valid, ["start_time_type", "scheduled"], [
      "scheduled_start_time",
      "2099-01-01T10:00",
    ], ["tz_offset_mins", "1e309"]]],
    ...NUMBERS.map((value): [string, [string, string][]] => [
      `duration_mins ${JSON.stringify(value)}`,
      replace("duration_mins", value),
    ]),
    // The question box has lines: a line break in the measure is a space (tests/unit/ballots_test.ts).
    ...CONTROL.filter((char) => !/[\r\n]/.test(char)).map((char): [string, [string, string][]] => [
      `control ${JSON.stringify(char)} in measure`,
      replace("measure", `abc${char}def`),
    ]),
    ...CONTROL.map((char): [string, [string, string][]] => [
      `control ${JSON.stringify(char)} in an option`,
      replace("options_raw", `a${char}b, c`),
    ]),
    ["allow_write_in alone, no options", [["measure", "Write-ins"], ["allow_write_in", "on"]]],
  ];
  const attempts: Attempt[] = forms.map(([name, fields]) => ({
    name: `create: ${name}`,
    method: "POST",
    path: "/create",
    body: urlencoded(fields),
    form: true,
  }));
  attempts.push(
    {
      name: "create: invalid UTF-8 bytes in the body",
      method: "POST",
      path: "/create",
      body: bytes("measure=", [0xff, 0xfe, 0xc3, 0x28], "&options_raw=a,b"),
      form: true,
    },
    {
      name: "create: percent-encoded invalid UTF-8",
      method: "POST",
      path: "/create",
      body: "measure=%FF%FE%C3%28&options_raw=%ED%A0%80,b",
      form: true,
    },
    {
      name: "create: broken percent-encoding",
      method: "POST",
      path: "/create",
      body: "measure=%ZZ%&options_raw=%E0%A4%A,%",
      form: true,
    },
  );
  return attempts;
}

function voteAttempts(id: string, writeInId: string): Attempt[] {
  const forms: [string, string, [string, string][]][] = [
    ["empty body", id, []],
    ["empty option", id, [["option", ""]]],
    ["unknown option", id, [["option", "zzz"]]],
    ["option with a NUL", id, [["option", "a\u0000"]]],
    ["option with a trailing space", id, [["option", "a "]]],
    ["repeated option, first unknown", id, [["option", "zzz"], ["option", "a"]]],
    ["option of 40,000 characters", id, [["option", "a".repeat(40_000)]]],
    ["write-in on a ballot without", id, [["option", "__write_in__"], ["write_in_value", "c"]]],
    ["write-in missing", writeInId, [["option", "__write_in__"]]],
    ["write-in blank", writeInId, [["option", "__write_in__"], ["write_in_value", "   "]]],
    ["write-in only tags", writeInId, [["option", "__write_in__"], [
      "write_in_value",
      "<b></b><i></i>",
    ]]],
    ["write-in only control characters", writeInId, [["option", "__write_in__"], [
      "write_in_value",
      "\u0000\u0001\u001f",
    ]]],
    ["write-in of 65 characters", writeInId, [["option", "__write_in__"], [
      "write_in_value",
      "w".repeat(65),
    ]]],
    ["write-in of 40,000 characters", writeInId, [["option", "__write_in__"], [
      "write_in_value",
      "w".repeat(40_000),
    ]]],
    ...CONTROL.map((char): [string, string, [string, string][]] => [
      `control ${JSON.stringify(char)} as the option`,
      id,
      [["option", char]],
    ]),
  ];
  const attempts: Attempt[] = forms.map(([name, ballot, fields]) => ({
    name: `vote: ${name}`,
    method: "POST",
    path: `/vote/${ballot}`,
    body: urlencoded(fields),
    form: true,
  }));
  attempts.push(
    {
      name: "vote: invalid UTF-8 bytes",
      method: "POST",
      path: `/vote/${id}`,
      body: bytes("option=", [0xff, 0xc3, 0x28]),
      form: true,
    },
    {
      name: "vote: broken percent-encoding",
      method: "POST",
      path: `/vote/${id}`,
      body: "option=%ZZ%&write_in_value=%E0%A4%A",
      form: true,
    },
  );
  for (const bad of BAD_IDS) {
    attempts.push({
      name: `vote: POST to id ${bad.slice(0, 40)}`,
      method: "POST",
      path: `/vote/${bad}`,
      body: "option=a",
    });
  }
  return attempts;
}

/** Wrong content types, JSON, oversize bodies, and methods a route does not have. */
function transportAttempts(id: string): Attempt[] {
  const attempts: Attempt[] = [];
  for (const path of ["/create", `/vote/${id}`]) {
    attempts.push(
      {
        name: `${path}: JSON body`,
        method: "POST",
        path,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ measure: "Via JSON", options_raw: "a, b", option: "a" }),
      },
      {
        name: `${path}: text/plain`,
        method: "POST",
        path,
        headers: { "content-type": "text/plain" },
        body: "measure=Plain&options_raw=a,b&option=a",
      },
      {
        name: `${path}: no content type`,
        method: "POST",
        path,
        headers: { "content-type": "" },
        body: "option=a",
      },
      {
        name: `${path}: multipart with a broken boundary`,
        method: "POST",
        path,
        headers: { "content-type": "multipart/form-data; boundary=zzz" },
        body: '--yyy\r\nContent-Disposition: form-data; name="option"\r\n\r\na\r\n--yyy--',
      },
      {
        name: `${path}: multipart with a file where text belongs`,
        method: "POST",
        path,
        headers: { "content-type": "multipart/form-data; boundary=b" },
        body:
          '--b\r\nContent-Disposition: form-data; name="option"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\na\r\n--b\r\nContent-Disposition: form-data; name="measure"; filename="m.txt"\r\n\r\nA measure\r\n--b--\r\n',
        form: true,
      },
      {
        name: `${path}: 70 KiB form`,
        method: "POST",
        path,
        body: urlencoded([["measure", "m".repeat(70 * 1024)], ["option", "a"]]),
      },
      {
        name: `${path}: xml`,
        method: "POST",
        path,
        headers: { "content-type": "application/xml" },
        body:
          "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
      },
    );
  }
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    attempts.push({ name: `${method} /vote/${id}`, method, path: `/vote/${id}`, body: "option=a" });
  }
  attempts.push(
    { name: "POST /results", method: "POST", path: `/results/${id}`, body: "option=a" },
    { name: "POST /", method: "POST", path: "/", body: "measure=x" },
    { name: "POST live-results", method: "POST", path: `/ballots/${id}/live-results` },
  );
  return attempts;
}

function getAttempts(): Attempt[] {
  const attempts: Attempt[] = [];
  for (const bad of BAD_IDS) {
    for (const route of ["/vote/", "/results/", "/ballots/"]) {
      const suffix = route === "/ballots/" ? "/live-results" : "";
      attempts.push({
        name: `GET ${route}${bad.slice(0, 40)}`,
        method: "GET",
        path: route + bad + suffix,
      });
    }
  }
  for (
    const query of [
      "start_time_type=<script>alert(1)</script>",
      "start_time_type=%ZZ",
      "start_time_type=scheduled&start_time_type=now",
      "start_time_type=%00",
      "x".repeat(8000),
    ]
  ) {
    attempts.push({
      name: `partial ?${query.slice(0, 40)}`,
      method: "GET",
      path: `/partials/start-time-input?${query}`,
    });
  }
  attempts.push(
    { name: "GET /static/../deno.json", method: "GET", path: "/static/..%2Fdeno.json" },
    {
      name: "GET /static/%2e%2e/%2e%2e/etc/passwd",
      method: "GET",
      path: "/static/%2e%2e/%2e%2e/etc/passwd",
    },
    { name: "GET /vendor/..%2F..%2Fmain.ts", method: "GET", path: "/vendor/..%2F..%2Fmain.ts" },
    { name: "GET /nope", method: "GET", path: "/nope" },
    { name: "GET / with a huge query", method: "GET", path: `/?${"q=1&".repeat(2000)}` },
    { name: "GET /create?measure=<script>", method: "GET", path: "/create?measure=%3Cscript%3E" },
  );
  return attempts;
}

/** Raw request lines that `fetch` would normalise or refuse to send. */
const RAW_TARGETS: (string | number[])[][] = [
  ["/vote/", [0xff, 0xfe, 0xfd]],
  ["/results/", [0xc3, 0x28]],
  ["/vote/%ZZ"],
  ["/vote/../../../../etc/passwd"],
  ["/static/../../deno.json"],
  ["/ballots/", [0xe2, 0x82], "/live-results"],
  ["/partials/start-time-input?start_time_type=", [0xff]],
  ["//create"],
  ["/vote/AAAAAAAAAAAAAAAA?", [0x00]],
];

function hasControlChar(text: string): boolean {
  return [...text].some((char) => char < " " || char === "\x7f");
}

/** `head`: extra header lines, each ending in CRLF. */
async function rawRequest(
  port: number,
  target: Uint8Array,
  method = "GET",
  head = "",
): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      bytes(`${method} `, [...target], ` HTTP/1.1\r\nHost: x\r\n${head}Connection: close\r\n\r\n`),
    );
    let text = "";
    const buffer = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    while (true) {
      const read = await conn.read(buffer);
      if (read === null) break;
      text += decoder.decode(buffer.subarray(0, read), { stream: true });
    }
    return text;
  } finally {
    conn.close();
  }
}

const LEAKS = [
  /^\s+at /m,
  /\bat file:\/\//,
  /node_modules/,
  /\.tsx?:\d+/,
  // SQL as a driver error would quote it (not the word "select" in a <select> element).
  /\b(select\s+[\w*,\s]+\s+from\s+\w|insert into \w+|update \w+ set)\b/i,
  /syntax error at/i,
  /PostgresError|ECONNREFUSED|TypeError|ReferenceError/,
];

Deno.test({
  name:
    "bad input at every route, HTMX and plain: 4xx with a message or the form, never 5xx, nothing written",
  async fn() {
    const logged: string[] = [];
    const saved = { error: console.error, warn: console.warn };
    console.error = (...args: unknown[]) =>
      logged.push(args.map((a) => a instanceof Error ? a.stack : String(a)).join(" "));
    console.warn = console.error;
    const server = await startQuickServer();
    const problems: string[] = [];
    let tried = 0;
    const statuses: Record<number, number> = {};
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Target", options_raw: "a, b" });
      const writeInId = await client.createBallot({
        measure: "Write-in target",
        options_raw: "a",
        allow_write_in: "on",
      });
      const other = new Client(server.url);
      await other.open("/create");
      const ballotsBefore = await server.oponn.deps.oponn.countBallots();
      const created = () => server.oponn.deps.metrics.counters.ballots_created_total;
      const before = created();

      const check = (name: string, status: number, body: string, form: boolean) => {
        tried++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 500) problems.push(`${name}: ${status}`);
        if (status === 204 || (status >= 300 && status < 400)) {
          problems.push(`${name}: accepted (${status})`);
        }
        if (status === 200 && form && !body.includes("field-error-msg")) {
          problems.push(`${name}: 200 without a field error`);
        }
        if (status >= 400 && body.trim().length < 10) {
          problems.push(`${name}: ${status} without a message`);
        }
        for (const leak of LEAKS) {
          if (leak.test(body)) problems.push(`${name}: body leaks ${leak}: ${body.slice(0, 200)}`);
        }
        if (/<script>alert/i.test(body)) problems.push(`${name}: unescaped script echoed`);
      };

      const send = async (
        attempt: Attempt,
        htmx: boolean,
        csrf: { cookie: string; token: string },
      ) => {
        const headers: Record<string, string> = {
          "content-type": FORM,
          cookie: csrf.cookie,
          "x-csrf-token": csrf.token,
          ...attempt.headers,
        };
        if (attempt.method === "GET") {
          delete headers["content-type"];
          delete headers["x-csrf-token"];
        }
        if (headers["content-type"] === "") delete headers["content-type"];
        if (htmx) headers["hx-request"] = "true";
        const response = await fetch(server.url + attempt.path, {
          method: attempt.method,
          headers,
          body: attempt.body,
          redirect: "manual",
        });
        const isStream = response.headers.get("content-type")?.startsWith("text/event-stream");
        const body = isStream ? "" : await response.text();
        if (isStream) await response.body?.cancel();
        check(
          `${attempt.name}${htmx ? " [htmx]" : ""}`,
          response.status,
          body,
          attempt.form ?? false,
        );
      };

      const own = { cookie: client.cookieHeader(), token: client.csrfToken };
      const all = [
        ...createAttempts(),
        ...voteAttempts(id, writeInId),
        ...transportAttempts(id),
        ...getAttempts(),
      ];
      for (const attempt of all) {
        for (const htmx of [false, true]) await send(attempt, htmx, own);
      }

      // CSRF: none, foreign, expired (well-formed, never issued), cookie without token, mangled.
      const forged = "A".repeat(43);
      const csrfCases: [string, { cookie: string; token: string }][] = [
        ["no token", { cookie: own.cookie, token: "" }],
        ["foreign token", { cookie: own.cookie, token: other.csrfToken }],
        ["foreign cookie and token", { cookie: other.cookieHeader(), token: own.token }],
        ["expired token", { cookie: own.cookie, token: forged }],
        ["no cookie", { cookie: "", token: own.token }],
        ["mangled cookie", { cookie: "oponn_csrf_token=../../etc", token: "../../etc" }],
        ["token with NUL", { cookie: own.cookie, token: `${own.token.slice(0, 42)}\u0001` }],
      ];
      for (const [name, csrf] of csrfCases) {
        for (const path of ["/create", `/vote/${id}`]) {
          for (const htmx of [false, true]) {
            await send(
              {
                name: `csrf ${name} ${path}`,
                method: "POST",
                path,
                body: urlencoded([["measure", "Forged ballot"], ["options_raw", "a, b"], [
                  "option",
                  "a",
                ]]),
              },
              htmx,
              csrf,
            ).catch(async (error) => {
              // fetch refuses a header value with a control character before sending it (a
              // browser would too). Any other error, a refused or reset connection above all,
              // is a failure, not a refusal.
              const refusedByFetch = error instanceof TypeError &&
                /header value/i.test(error.message) && hasControlChar(csrf.token);
              if (!refusedByFetch) throw error;
              // The same request sent byte for byte: the HTTP layer must refuse it.
              const raw = await rawRequest(
                Number(new URL(server.url).port),
                encoder.encode(path),
                "POST",
                `Cookie: ${csrf.cookie}\r\nX-CSRF-Token: ${csrf.token}\r\nContent-Length: 0\r\n` +
                  (htmx ? "HX-Request: true\r\n" : ""),
              );
              const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
              tried++;
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (status < 400 || status >= 500) {
                problems.push(`csrf ${name} ${path} sent raw: ${status || raw.slice(0, 80)}`);
              }
            });
          }
        }
      }

      for (const parts of RAW_TARGETS) {
        const raw = await rawRequest(Number(new URL(server.url).port), bytes(...parts));
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
        check(
          `raw GET ${new TextDecoder().decode(bytes(...parts)).slice(0, 40)}`,
          status || 400,
          raw,
          false,
        );
        if (status === 0 && raw !== "") problems.push(`raw: unreadable answer ${raw.slice(0, 80)}`);
      }

      // First of a repeated field wins: one vote for "b", the rest ignored.
      const first = await client.post(`/vote/${writeInId}`, { option: ["a", "zzz"] });
      await first.body?.cancel();
      assertEquals(first.status, 303, "a repeated field counts its first value");

      assertEquals(problems, [], "every bad input is refused cleanly");
      assertEquals(created(), before, "no ballot was created");
      assertEquals(await server.oponn.deps.oponn.countBallots(), ballotsBefore);
      assertEquals(readCounts(await (await client.get(`/results/${id}`)).text()), { a: 0, b: 0 });
      assertEquals(
        readCounts(await (await client.get(`/results/${writeInId}`)).text()),
        { a: 1 },
        "only the deliberate repeated-field vote",
      );
      const traces = logged.filter((line) => LEAKS.slice(0, 3).some((leak) => leak.test(line)));
      assertEquals(traces, [], "no stack trace in the server log");
      assert(!("500" in statuses), "no 500");
      report("bad-input", {
        inputs_tried: tried,
        server_errors: 0,
        statuses,
        log_lines: logged.length,
      });
    } finally {
      console.error = saved.error;
      console.warn = saved.warn;
      await server.close();
    }
  },
});
