/**
 * The hostile-input corpus: requests a hostile client can send, for every
 * route × body encoding × body shape × CSRF standing. Shared by
 * tests/faults/hostile_corpus_test.ts (every case: status < 500, nothing
 * written, process alive) and bench/hostile.ts (what a class of them costs).
 *
 * It grows: a new route is one line in `routes()`, a new shape one entry in
 * `urlencodedShapes`, `multipartShapes`, `otherBodies`, `queryShapes` or
 * `headerCases`. No case may be a valid write: every form lacks a field a
 * write needs, or carries a value no rule accepts, so "nothing written" holds
 * whatever the server does with repeated or odd fields.
 *
 * Bodies are raw bytes, sent over raw TCP (`encodeCase`, `sendCase`), so a case
 * can carry what `fetch` refuses: invalid UTF-8, a malformed Host, duplicate headers.
 */

/** The body cap Oponn states (SPEC section 8); shapes fill up to just under it. */
export const BODY_CAP = 64 * 1024;
/** What a shape may fill, leaving room for the CSRF field and the route's own prefix. */
const FILL = BODY_CAP - 1_500;

export type Auth = "anonymous" | "token" | "cookie only" | "token in form";

export interface HostileCase {
  name: string;
  method: string;
  path: string;
  /** Sent as written (latin1); names differing only in case are sent twice. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Send no Host header at all (default: the server's own). */
  noHost?: boolean;
  /** Send the body chunked, in chunks of this many bytes, without Content-Length. */
  chunked?: number;
  /** For picking and grouping: which route, encoding, shape and CSRF standing. */
  tags: { route: string; encoding: string; shape: string; auth: Auth | "" };
}

export interface CorpusTargets {
  /** An open ballot that takes no write-ins. */
  ballotId: string;
  /** An open ballot that takes write-ins. */
  writeInBallotId: string;
  /** One browser's `Cookie` header and the CSRF token its pages carry. */
  auth: { cookie: string; token: string };
  /** The manage key of `ballotId`, when the server has manage links (SPEC section 6). */
  manageKey?: string;
}

// ---------------------------------------------------------------- bytes

type Bytes = string | Uint8Array;
const utf8 = new TextEncoder();

/** Concatenates UTF-8 strings and raw byte runs. */
class ByteBuilder {
  #chunks: Uint8Array[] = [];
  /** Strings wait here and are encoded together: one encode per run, not per piece. */
  #text: string[] = [];

  push(...parts: Bytes[]): this {
    for (const part of parts) {
      if (typeof part === "string") this.#text.push(part);
      else {
        this.#flush();
        this.#chunks.push(part);
      }
    }
    return this;
  }

  bytes(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  #flush(): void {
    if (this.#text.length === 0) return;
    this.#chunks.push(utf8.encode(this.#text.join("")));
    this.#text = [];
  }
}

export function bytesOf(...parts: Bytes[]): Uint8Array {
  return new ByteBuilder().push(...parts).bytes();
}

/** `unit` repeated until `size` bytes (UTF-8), cut on a whole unit. */
function fill(unit: string, size: number): string {
  return unit.repeat(Math.max(0, Math.floor(size / utf8.encode(unit).length)));
}

/** Deterministic noise, so a failing case is the same bytes on every run. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

const INVALID_UTF8 = new Uint8Array([
  0xff, // never valid
  0xfe,
  0xc0, // overlong NUL
  0x80,
  0xed, // a UTF-16 surrogate, encoded
  0xa0,
  0x80,
  0xf8, // a 5-byte form
  0x88,
  0x80,
  0x80,
  0x80,
  0xe2, // cut short
  0x82,
]);

// ---------------------------------------------------------------- text

const COMBINING_ACUTE = "\u0301";
/** Invisible and direction-control characters (category Cf and friends). */
const INVISIBLES = "\u202E\u200B\u200C\u200D\u2060\uFEFF\u2066\u2069\u061C\u00AD\u180E";
/** Characters that NFKC turns into many (U+FDFA becomes 18). */
const NFKC_EXPANDERS = "\uFDFA\u3300\uFB03\u2474\u33FF";
const ASTRAL = "\u{1F600}\u{1D54F}\u{10FFFD}\u{1F469}\u200D\u{1F52C}";

// ---------------------------------------------------------------- routes

/** What a route reads: the field hostile values go into, and fields that must come first. */
interface Route {
  label: string;
  path: string;
  key: string;
  prefix: [string, string][];
  /** A write route: every shape, and the token-in-form and cookie-only standings too. */
  writes: boolean;
  /** Reads JSON (the API of SPEC section 9): every JSON body. */
  json?: boolean;
}

const UNKNOWN_ID = "AAAAAAAAAAAAAAAAAAAAAA";

function routes(t: CorpusTargets): Route[] {
  const id = t.ballotId;
  const route = (label: string, path: string, key = "a", writes = false): Route => ({
    label,
    path,
    key,
    prefix: [],
    writes,
  });
  return [
    route("/", "/"),
    route("/create", "/create", "measure", true),
    route("/vote/{id}", `/vote/${id}`, "option", true),
    {
      label: "/vote/{write-in id}",
      path: `/vote/${t.writeInBallotId}`,
      key: "write_in_value",
      prefix: [["option", "__write_in__"]],
      writes: true,
    },
    route("/vote/{unknown id}", `/vote/${UNKNOWN_ID}`, "option"),
    route("/results/{id}", `/results/${id}`),
    route("/ballots/{id}/live-results", `/ballots/${id}/live-results`),
    route("/partials/start-time-input", "/partials/start-time-input", "start_time_type"),
    route("/healthz", "/healthz"),
    route("/readyz", "/readyz"),
    route("/metrics", "/metrics"),
    route("/static/app.css", "/static/app.css"),
    route("/vendor/htmx.min.js", "/vendor/htmx.min.js"),
    route("/favicon.ico", "/favicon.ico"),
    route("/no/such/page", "/no/such/page"),
    // Routes of SPEC sections 6 and 9 that may not exist yet: 404 or 405, never 500.
    route("/manage/{id}", `/manage/${id}`, "confirm"),
    route("/manage/{id}/{wrong key}/close", `/manage/${id}/${"k".repeat(32)}/close`, "confirm"),
    // With the real key, the actions that read a field; close and publish would act on any post.
    ...(t.manageKey
      ? [
        route("/manage/{id}/{key}", `/manage/${id}/${t.manageKey}`),
        route("/manage/{id}/{key}/end", `/manage/${id}/${t.manageKey}/end`, "ends_at"),
        route("/manage/{id}/{key}/codes", `/manage/${id}/${t.manageKey}/codes`, "voter_codes"),
        route("/manage/{id}/{key}/delete", `/manage/${id}/${t.manageKey}/delete`, "confirm"),
      ]
      : []),
    { ...route("/api/v1/ballots", "/api/v1/ballots", "measure"), json: true },
    { ...route("/api/v1/ballots/{id}/votes", `/api/v1/ballots/${id}/votes`, "option"), json: true },
    route("/api/v1/openapi.json", "/api/v1/openapi.json"),
    route("/results/{id}.csv", `/results/${id}.csv`),
    route("/embed/{id}", `/embed/${id}`),
  ];
}

// ---------------------------------------------------------------- urlencoded bodies

/** Only what would break the pair structure is escaped; the rest goes raw, UTF-8 included. */
function formPart(text: string): string {
  return text.replace(/[%&=+]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function urlencodedPrefix(fields: [string, string][]): string {
  return fields.map(([name, value]) => `${formPart(name)}=${formPart(value)}&`).join("");
}

/** `heavy`: fills the cap or stresses a parser; the set every route gets. The rest go to write routes. */
type Shape = [name: string, body: Bytes[], heavy?: "heavy"];

/**
 * Urlencoded shapes for one route. `p` is the prefix (CSRF field, the route's
 * own fields) already encoded; `k` the field the route reads.
 */
function urlencodedShapes(p: string, k: string): Shape[] {
  const room = FILL - p.length;
  const names = distinctNames(room);
  const size = (target: number, unit: string): Shape[1] => {
    const head = `${p}`;
    const filler = fill(unit, target - utf8.encode(head).length);
    const body = head + filler;
    const short = target - utf8.encode(body).length;
    return [body + "a".repeat(short)];
  };
  return [
    // Finding 1: the parser copied the array on every repeat (~4 s of CPU at 64 KiB).
    [`"a" repeated ${Math.floor(room / 2)} times (a&a&a…)`, [p, fill("a&", room)], "heavy"],
    [`"${k}" repeated (${k}=&${k}=&…)`, [p, fill(`${k}=&`, room)]],
    [`"__proto__" repeated`, [p, fill("__proto__&", room)], "heavy"],
    [`${names.count} distinct field names`, [p, names.text], "heavy"],
    [`one key of 60,000 characters`, [p, "k".repeat(room - 2), "=v"]],
    ["run of '<' as the body", [p, "<".repeat(room)]],
    [`run of '<' in ${k}`, [p, `${k}=`, "<".repeat(room)], "heavy"],
    [`run of '%3C' in ${k}`, [p, `${k}=`, fill("%3C", room)]],
    ["run of '%'", [p, "%".repeat(room)], "heavy"],
    ["run of '&'", [p, "&".repeat(room)], "heavy"],
    ["run of '='", [p, "=".repeat(room)]],
    [`run of '+' in ${k}`, [p, `${k}=`, "+".repeat(room)]],
    [`'%%%' in ${k}`, [p, `${k}=%%%`]],
    ["'%%%' as a name", [p, "%%%=x"]],
    [`broken escape '%' in ${k}`, [p, `${k}=%`]],
    [`broken escape '%Z1' in ${k}`, [p, `${k}=%Z1`]],
    [`truncated escape '%E0%A4%A' in ${k}`, [p, `${k}=%E0%A4%A`]],
    [`overlong escape '%C0%AF' in ${k}`, [p, `${k}=%C0%AF`]],
    [`surrogate escape '%ED%A0%80' in ${k}`, [p, `${k}=%ED%A0%80`]],
    [`escaped NULs in ${k}`, [p, `${k}=%00%00`]],
    [`run of truncated escapes '%E0%A4' in ${k}`, [p, `${k}=`, fill("%E0%A4", room)]],
    [`deep Unicode: 'a' and ${Math.floor(room / 2)} combining marks in ${k}`, [
      p,
      `${k}=a`,
      fill(COMBINING_ACUTE, room),
    ], "heavy"],
    [`deep Unicode: escaped combining marks in ${k}`, [p, `${k}=a`, fill("%CC%81", room)]],
    [`astral characters in ${k}`, [p, `${k}=`, fill(ASTRAL, room)]],
    [`invisible and direction characters in ${k}`, [p, `${k}=`, fill(INVISIBLES, room)]],
    [`only a zero-width space in ${k}`, [p, `${k}=\u200B`]],
    [`only a right-to-left override in ${k}`, [p, `${k}=\u202E`]],
    [`only invisible characters in ${k}`, [p, `${k}=\u200B\u2060\uFEFF\u00AD`]],
    [
      `NFKC-expanding characters (U+FDFA…) in ${k}`,
      [p, `${k}=`, fill(NFKC_EXPANDERS, room)],
      "heavy",
    ],
    [`invalid UTF-8 in ${k}`, [p, `${k}=`, INVALID_UTF8]],
    ["invalid UTF-8 in a name", [p, INVALID_UTF8, "=x"]],
    [`UTF-8 cut short at the end of ${k}`, [p, `${k}=abc`, new Uint8Array([0xe2, 0x82])]],
    ["64 KiB of random bytes", [p, randomBytes(room, 1)], "heavy"],
    ["empty name", [p, "=x"]],
    ["run of empty names (=&=&…)", [p, fill("=&", room)], "heavy"],
    [`duplicate ${k}`, [p, `${k}=+&${k}=++&${k}=`]],
    ["duplicate X-CSRF-Token", [p, `X-CSRF-Token=a&X-CSRF-Token=b&${k}=+`]],
    [
      "__proto__, constructor and prototype names",
      [
        p,
        "__proto__=x&constructor=y&prototype=z&toString=&hasOwnProperty=&valueOf=&__proto__=w",
        "&__proto__[polluted]=1&constructor[prototype][polluted]=1",
      ],
    ],
    ["65,535 bytes (just under the cap)", size(BODY_CAP - 1, "a&")],
    ["65,536 bytes (the cap)", size(BODY_CAP, "a&")],
    ["65,537 bytes (just over the cap)", size(BODY_CAP + 1, "a&"), "heavy"],
  ];
}

function distinctNames(room: number): { text: string; count: number } {
  let text = "";
  let count = 0;
  while (text.length < room - 8) text += `f${(count++).toString(36)}&`;
  return { text, count };
}

// ---------------------------------------------------------------- multipart bodies

interface Part {
  name?: Bytes;
  value: Bytes;
  filename?: Bytes;
  /** The whole Content-Disposition value instead of one built from name/filename. */
  disposition?: Bytes | null;
  contentType?: string;
  extraHeaders?: string;
}

const BOUNDARY = "hostile-boundary-7MA4YWxk";
/** The value of a field a route reads, where the shape is elsewhere: blank, so never a valid choice. */
const BLANK = " ";

function multipart(parts: Part[], boundary = BOUNDARY, eol = "\r\n", close = true): Uint8Array {
  const out = new ByteBuilder();
  for (const part of parts) {
    out.push(`--${boundary}${eol}`);
    if (part.disposition !== null) {
      out.push("Content-Disposition: ");
      if (part.disposition !== undefined) out.push(part.disposition);
      else {
        out.push('form-data; name="', part.name ?? "", '"');
        if (part.filename !== undefined) out.push('; filename="', part.filename, '"');
      }
      out.push(eol);
    }
    if (part.contentType) out.push(`Content-Type: ${part.contentType}${eol}`);
    if (part.extraHeaders) out.push(part.extraHeaders);
    out.push(eol, part.value, eol);
  }
  if (close) out.push(`--${boundary}--${eol}`);
  return out.bytes();
}

/** Parts of `make(i)` until the body reaches `room` bytes. */
function manyParts(prefix: Part[], room: number, make: (i: number) => Part): Part[] {
  const parts = [...prefix];
  const probe = multipart([make(0)]).length - `--${BOUNDARY}--\r\n`.length;
  const count = Math.floor((room - multipart(prefix).length) / probe);
  for (let i = 0; i < count; i++) parts.push(make(i));
  return parts;
}

interface MultipartShape {
  name: string;
  body: Uint8Array;
  /** The Content-Type header; default `multipart/form-data; boundary=BOUNDARY`. */
  type?: string;
  heavy?: "heavy";
}

function multipartShapes(prefix: Part[], k: string): MultipartShape[] {
  const room = FILL - multipart(prefix).length;
  const valueRoom = room - 200;
  const H = { heavy: "heavy" as const };
  const one = (name: string, value: Bytes, extra: Partial<Part> = {}): MultipartShape => ({
    name,
    body: multipart([...prefix, { name: k, value, ...extra }]),
  });
  const parts = (name: string, list: Part[], boundary?: string): MultipartShape => ({
    name,
    body: multipart([...prefix, ...list], boundary),
    type: boundary === undefined ? undefined : `multipart/form-data; boundary=${boundary}`,
  });
  /** As many parts of `make(i)` as fit: their count goes into the name. */
  const many = (name: (count: number) => string, make: (i: number) => Part): MultipartShape => {
    const list = manyParts(prefix, FILL, make);
    return { name: name(list.length - prefix.length), body: multipart(list), ...H };
  };
  const sized = (target: number, label: string): MultipartShape => {
    const empty = multipart([...prefix, { name: "a", value: "" }]).length;
    return one(`${target.toLocaleString("en-US")} bytes (${label})`, "a".repeat(target - empty), {
      name: "a",
    });
  };
  const simple = [...prefix, { name: k, value: BLANK }];
  return [
    many((n) => `${n} tiny parts named ${k}`, () => ({ name: k, value: "" })),
    many(
      (n) => `${n} tiny parts, distinct names`,
      (i) => ({ name: `f${i.toString(36)}`, value: "" }),
    ),
    many((n) => `${n} parts with empty names`, () => ({ name: "", value: "" })),
    many((n) => `${n} parts named __proto__`, () => ({ name: "__proto__", value: "" })),
    many((n) => `${n} empty files named ${k}`, () => ({ name: k, value: "", filename: "" })),
    { ...one(`${valueRoom.toLocaleString("en-US")} '<' in ${k}`, "<".repeat(valueRoom)), ...H },
    {
      ...one(
        `deep Unicode: 'a' and ${Math.floor(valueRoom / 2)} combining marks in ${k}`,
        "a" + fill(COMBINING_ACUTE, valueRoom),
      ),
      ...H,
    },
    one(`astral characters in ${k}`, fill(ASTRAL, valueRoom)),
    one(`invisible and direction characters in ${k}`, fill(INVISIBLES, valueRoom)),
    one(`only a zero-width space in ${k}`, "\u200B"),
    one(`only a right-to-left override in ${k}`, "\u202E"),
    {
      ...one(`NFKC-expanding characters (U+FDFA…) in ${k}`, fill(NFKC_EXPANDERS, valueRoom)),
      ...H,
    },
    one(`invalid UTF-8 in ${k}`, INVALID_UTF8),
    one(`invalid UTF-8 between letters in ${k}`, bytesOf("ab", new Uint8Array([0xff]), "cd")),
    { ...one(`64 KiB of random bytes in ${k}`, randomBytes(valueRoom, 2)), ...H },
    one("invalid UTF-8 in a part name", BLANK, { name: bytesOf("n", INVALID_UTF8) }),
    one("invalid UTF-8 in a file name", BLANK, { filename: bytesOf("f", INVALID_UTF8) }),
    one("empty part name", BLANK, { name: "" }),
    one("no name parameter", BLANK, { disposition: "form-data" }),
    one("no Content-Disposition", BLANK, { disposition: null }),
    parts(`duplicate ${k}`, [{ name: k, value: BLANK }, { name: k, value: "  " }]),
    parts("duplicate X-CSRF-Token", [
      { name: "X-CSRF-Token", value: "a" },
      { name: "X-CSRF-Token", value: "b" },
    ]),
    parts(
      "__proto__, constructor and prototype names",
      ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "__proto__"].map(
        (name) => ({ name, value: BLANK }),
      ),
    ),
    one("escaped quotes in the name", BLANK, { disposition: `form-data; name="${k}\\"\\""` }),
    one("a stray quote in the name", BLANK, { disposition: `form-data; name="${k}BLANK` }),
    one("four quotes as the name", BLANK, { disposition: `form-data; name=""""` }),
    one("two names", BLANK, { disposition: `form-data; name="${k}"; name="other"` }),
    one("quotes in the file name", BLANK, {
      disposition: `form-data; name="${k}"; filename="\\"x\\";y"`,
    }),
    one("name* with invalid escapes", BLANK, { disposition: `form-data; name*=UTF-8''%FF%FE` }),
    one("an unterminated quote", BLANK, { disposition: `form-data; name="${k}` }),
    one("single quotes", BLANK, { disposition: `form-data; name='${k}'` }),
    one("a file of 60 KB", "x".repeat(valueRoom), {
      filename: "big.bin",
      contentType: "application/octet-stream",
    }),
    one("a part with 1,000 header lines", BLANK, { extraHeaders: "X-A: b\r\n".repeat(1_000) }),
    one("a part header of 8 KB", BLANK, { extraHeaders: `X-A: ${"b".repeat(8_000)}\r\n` }),
    { name: "bare LF line endings", body: multipart(simple, BOUNDARY, "\n") },
    { name: "no closing boundary", body: multipart(simple, BOUNDARY, "\r\n", false) },
    {
      ...one(`near-miss boundaries in ${k}`, fill(`\r\n--${BOUNDARY.slice(0, -1)}`, valueRoom)),
      ...H,
    },
    { name: "60 KB preamble", body: bytesOf("x".repeat(valueRoom), multipart(simple)), ...H },
    parts("70-character boundary", [{ name: k, value: BLANK }], "b".repeat(70)),
    { ...parts("8,000-character boundary", [{ name: k, value: BLANK }], "b".repeat(8_000)), ...H },
    {
      name: "quoted boundary with spaces",
      body: multipart(simple, "a b:c"),
      type: `multipart/form-data; boundary="a b:c"`,
    },
    { name: "boundary other than declared", body: multipart(simple, "other") },
    { name: "no boundary parameter", body: multipart(simple), type: "multipart/form-data", ...H },
    {
      name: "empty boundary parameter",
      body: multipart(simple),
      type: "multipart/form-data; boundary=",
    },
    {
      name: "two boundary parameters",
      body: multipart(simple),
      type: `multipart/form-data; boundary=${BOUNDARY}; boundary=other`,
    },
    sized(BODY_CAP - 1, "just under the cap"),
    { ...sized(BODY_CAP + 1, "just over the cap"), ...H },
  ];
}

// ---------------------------------------------------------------- other bodies

interface OtherBody {
  name: string;
  type?: string;
  body: Bytes[];
  heavy?: "heavy";
}

function otherBodies(k: string): OtherBody[] {
  const nested = 30_000;
  let manyKeys = "{";
  for (let i = 0; i < 5_000; i++) manyKeys += `${i ? "," : ""}"k${i}":0`;
  manyKeys += "}";
  return [
    { name: "no body, no content type", body: [], heavy: "heavy" },
    { name: "urlencoded, empty body", type: FORM, body: [] },
    { name: "multipart, empty body", type: `multipart/form-data; boundary=${BOUNDARY}`, body: [] },
    {
      name: "text/plain: a&a&a… 64 KiB",
      type: "text/plain",
      body: [fill("a&", FILL)],
      heavy: "heavy",
    },
    {
      name: "octet-stream: random 64 KiB",
      type: "application/octet-stream",
      body: [randomBytes(FILL, 3)],
    },
    {
      name: "urlencoded type, multipart body",
      type: FORM,
      body: [multipart([{ name: k, value: BLANK }])],
    },
    {
      name: "multipart type, urlencoded body",
      type: `multipart/form-data; boundary=${BOUNDARY}`,
      body: [`${k}=+`],
    },
    {
      name: "urlencoded declared as UTF-16",
      type: `${FORM}; charset=utf-16le`,
      body: [new Uint8Array([...`${k}=+`].flatMap((c) => [c.charCodeAt(0), 0]))],
    },
    { name: "urlencoded type with junk after it", type: `${FORM}junk`, body: [`${k}=+`] },
    { name: "JSON: {}", type: JSON_TYPE, body: ["{}"] },
    {
      name: `JSON: ${nested.toLocaleString("en-US")} nested arrays`,
      type: JSON_TYPE,
      body: ["[".repeat(nested), "]".repeat(nested)],
      heavy: "heavy",
    },
    { name: "JSON: 5,000 keys", type: JSON_TYPE, body: [manyKeys] },
    {
      name: "JSON: __proto__ and constructor",
      type: JSON_TYPE,
      body: ['{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'],
    },
    { name: "JSON: cut short", type: JSON_TYPE, body: [`{"${k}":`] },
    {
      name: `JSON: 60,000 '<' in ${k}`,
      type: JSON_TYPE,
      body: [`{"${k}":"`, "<".repeat(60_000), '"}'],
      heavy: "heavy",
    },
    { name: "JSON: a number past double range", type: JSON_TYPE, body: [`{"${k}":1e400}`] },
    { name: "JSON: invalid UTF-8", type: JSON_TYPE, body: [`{"${k}":"`, INVALID_UTF8, '"}'] },
  ];
}

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

// ---------------------------------------------------------------- queries, paths, headers

function queryShapes(k: string): [string, string][] {
  return [
    [`"a" repeated 30,000 times`, fill("a&", 60_000)],
    [`"${k}" repeated 2,000 times`, fill(`${k}&`, Math.min(60_000, (k.length + 1) * 2_000))],
    ["run of '%'", "%".repeat(8_000)],
    [`broken escapes in ${k}`, `${k}=%&${k}=%Z1&${k}=%E0%A4%A&${k}=%C0%AF`],
    [`invalid UTF-8 escapes in ${k}`, `${k}=%FF%FE%ED%A0%80`],
    [`deep Unicode: escaped combining marks in ${k}`, `${k}=a${"%CC%81".repeat(5_000)}`],
    ["run of empty names", fill("=&", 8_000)],
    ["__proto__ names", "__proto__=x&constructor=y&__proto__[polluted]=1"],
    [`duplicate ${k}`, `${k}=scheduled&${k}=now&${k}=`],
    ["v (the asset version) repeated", fill("v&", 8_000)],
  ];
}

function hostilePaths(t: CorpusTargets): [string, string][] {
  return [
    ["/vote/%FF", "/vote/%FF"],
    ["/vote/<script>", "/vote/<script>"],
    ["/vote/ + 8,000 A", `/vote/${"A".repeat(8_000)}`],
    ["/results/%E0%A4%A", "/results/%E0%A4%A"],
    ["/ballots/%00/live-results", "/ballots/%00/live-results"],
    ["//vote//{id}", `//vote//${t.ballotId}`],
    ["/vote/{id}/../../deno.json", `/vote/${t.ballotId}/../../deno.json`],
    ["/static/..%2f..%2fdeno.json", "/static/..%2f..%2fdeno.json"],
    ["/vote/ + escaped combining marks", `/vote/a${"%CC%81".repeat(5_000)}`],
    ["/vote/ + raw byte 0xFF", "/vote/\xff"],
    ["/vote/{id} + 200 slashes", `/vote/${t.ballotId}${"/".repeat(200)}`],
  ];
}

interface HeaderCase {
  name: string;
  headers: Record<string, string>;
  noHost?: boolean;
}

function headerCases(t: CorpusTargets): HeaderCase[] {
  const many: Record<string, string> = {};
  for (let i = 0; i < 100; i++) many[`X-Hostile-${i}`] = "v".repeat(90);
  const cookies = Array.from({ length: 500 }, (_, i) => `c${i}=${"x".repeat(10)}`).join("; ");
  return [
    { name: "malformed Host: empty", headers: { Host: "" } },
    { name: "malformed Host: [::1", headers: { Host: "[::1" } },
    { name: "malformed Host: spaces", headers: { Host: "exa mple.org" } },
    { name: "malformed Host: port 99999", headers: { Host: "example.org:99999" } },
    { name: "malformed Host: port abc", headers: { Host: "127.0.0.1:abc" } },
    { name: "malformed Host: markup", headers: { Host: "<script>x</script>" } },
    { name: "malformed Host: user info", headers: { Host: "a@b.example" } },
    { name: "malformed Host: path", headers: { Host: "example.org/evil?x" } },
    { name: "malformed Host: escaped NUL", headers: { Host: "a%00b" } },
    { name: "malformed Host: raw byte 0xFF", headers: { Host: "\xff\xfe" } },
    { name: "malformed Host: 4,000 characters", headers: { Host: "h".repeat(4_000) } },
    { name: "two Host headers", headers: { Host: "evil.example", HOST: "other.example" } },
    { name: "no Host header", headers: {}, noHost: true },
    { name: "100 headers of 100 bytes", headers: many },
    { name: "one header of 16 KiB", headers: { "X-Hostile": "v".repeat(16_384) } },
    { name: "500 cookies", headers: { Cookie: cookies } },
    { name: "cookie of 8 KiB", headers: { Cookie: `${"c".repeat(8_000)}=1` } },
    {
      name: "cookie with raw bytes",
      headers: { Cookie: "oponn_voter=\xff\xfe; oponn_csrf_token=\xc0\x80" },
    },
    {
      name: "forged cookies before this browser's",
      headers: {
        Cookie: `oponn_voter=${"A".repeat(22)}.${"B".repeat(22)}; oponn_csrf_token=${
          "A".repeat(43)
        }; ${t.auth.cookie}`,
      },
    },
    {
      name: "X-Forwarded-For of 1,000 entries",
      headers: {
        "X-Forwarded-For": Array.from({ length: 1_000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`)
          .join(", "),
      },
    },
    {
      name: "X-Forwarded-For garbage",
      headers: { "X-Forwarded-For": "not-an-ip, ::ffff:999.1.1.1, [::1" },
    },
    { name: "Origin: null", headers: { Origin: "null" } },
    { name: "Origin of another site", headers: { Origin: "https://evil.example" } },
    { name: "Origin malformed", headers: { Origin: "http://[::1" } },
    { name: "Sec-Fetch-Site: cross-site", headers: { "Sec-Fetch-Site": "cross-site" } },
    { name: "HX-Request with junk", headers: { "HX-Request": "true\xff", "HX-Target": "<x>" } },
    { name: "Accept-Language of 8 KiB", headers: { "Accept-Language": "en;q=0.1,".repeat(800) } },
    { name: "Last-Event-ID of 8,000 digits", headers: { "Last-Event-ID": "9".repeat(8_000) } },
    { name: "Last-Event-ID junk", headers: { "Last-Event-ID": "-1e308 NaN \xff" } },
    {
      name: "Content-Type of 4 KiB",
      headers: { "Content-Type": `${FORM}; ${"x=y; ".repeat(800)}` },
    },
    {
      name: "two Content-Types",
      headers: { "Content-Type": FORM, "CONTENT-TYPE": "multipart/form-data; boundary=x" },
    },
  ];
}

// ---------------------------------------------------------------- the corpus

function standing(
  auth: Auth,
  t: CorpusTargets,
): { headers: Record<string, string>; field?: string } {
  switch (auth) {
    case "anonymous":
      return { headers: {} };
    case "token":
      return { headers: { Cookie: t.auth.cookie, "X-CSRF-Token": t.auth.token } };
    case "cookie only":
      return { headers: { Cookie: t.auth.cookie } };
    case "token in form":
      return { headers: { Cookie: t.auth.cookie }, field: t.auth.token };
  }
}

interface Body {
  name: string;
  body: Uint8Array;
  type?: string;
  heavy: boolean;
}

/** Every hostile case, in a stable order, names unique. */
export function hostileCorpus(t: CorpusTargets): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (c: Omit<HostileCase, "name">) => {
    const auth = c.tags.auth ? ` [${c.tags.auth}]` : "";
    cases.push({
      name: `${c.method} ${c.tags.route} · ${c.tags.encoding}: ${c.tags.shape}${auth}`,
      ...c,
    });
  };
  const multipartType = `multipart/form-data; boundary=${BOUNDARY}`;
  // Routes reading the same field with the same prefix share their bodies.
  const bodies = new Map<string, { urlencoded: Body[]; multipart: Body[]; other: Body[] }>();
  const bodiesFor = (prefix: [string, string][], key: string) => {
    const cacheKey = JSON.stringify([prefix, key]);
    let found = bodies.get(cacheKey);
    if (!found) {
      found = {
        urlencoded: urlencodedShapes(urlencodedPrefix(prefix), key).map(([name, parts, heavy]) => ({
          name,
          body: bytesOf(...parts),
          heavy: heavy === "heavy",
        })),
        multipart: multipartShapes(prefix.map(([name, value]) => ({ name, value })), key).map((
          shape,
        ) => ({
          name: shape.name,
          body: shape.body,
          type: shape.type ?? multipartType,
          heavy: !!shape.heavy,
        })),
        other: otherBodies(key).map((other) => ({
          name: other.name,
          body: bytesOf(...other.body),
          type: other.type,
          heavy: !!other.heavy,
        })),
      };
      bodies.set(cacheKey, found);
    }
    return found;
  };
  const repeated = bytesOf(fill("a&", FILL));

  for (const route of routes(t)) {
    const auths: Auth[] = route.writes
      ? ["anonymous", "token", "cookie only", "token in form"]
      : ["anonymous", "token"];
    for (const auth of auths) {
      const { headers, field } = standing(auth, t);
      const prefix: [string, string][] = [
        ...(field ? [["X-CSRF-Token", field] as [string, string]] : []),
        ...route.prefix,
      ];
      // Every shape where a form is read for real; elsewhere the heavy ones.
      const all = route.writes && (auth === "anonymous" || auth === "token");
      const { urlencoded, multipart, other } = bodiesFor(prefix, route.key);
      const send = (encoding: string, body: Body, contentType?: string) =>
        add({
          method: "POST",
          path: route.path,
          headers: { ...headers, ...(contentType ? { "Content-Type": contentType } : {}) },
          body: body.body,
          tags: { route: route.label, encoding, shape: body.name, auth },
        });
      for (const body of urlencoded) if (all || body.heavy) send("urlencoded", body, FORM);
      for (const body of multipart) if (all || body.heavy) send("multipart", body, body.type);
      if (auth === "token in form" || auth === "cookie only") continue;
      for (const body of other) if (all || route.json || body.heavy) send("other", body, body.type);
      if (auth !== "anonymous") continue;
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        add({
          method,
          path: route.path,
          headers: { "Content-Type": FORM },
          body: repeated,
          tags: {
            route: route.label,
            encoding: "urlencoded",
            shape: `"a" repeated ${FILL / 2} times (a&a&a…)`,
            auth,
          },
        });
      }
    }
    for (const method of ["OPTIONS", "HEAD", "TRACE", "HOSTILE"]) {
      add({
        method,
        path: route.path,
        headers: {},
        body: new Uint8Array(),
        tags: { route: route.label, encoding: "none", shape: "no body", auth: "" },
      });
    }
    for (const [shape, query] of queryShapes(route.key)) {
      add({
        method: "GET",
        path: `${route.path}?${query}`,
        headers: {},
        body: new Uint8Array(),
        tags: { route: route.label, encoding: "query", shape, auth: "" },
      });
    }
    add({
      method: "GET",
      path: route.path,
      headers: { "Content-Type": FORM },
      body: bytesOf(fill("a&", FILL)),
      tags: {
        route: route.label,
        encoding: "urlencoded",
        shape: "a GET with a&a&a… 64 KiB",
        auth: "",
      },
    });
    add({
      method: "POST",
      path: route.path,
      headers: { "Content-Type": FORM, "Transfer-Encoding": "chunked" },
      body: bytesOf(fill("a&", BODY_CAP + 2)),
      chunked: 1_000,
      tags: {
        route: route.label,
        encoding: "urlencoded",
        shape: "chunked, no length, past the cap",
        auth: "",
      },
    });
  }

  for (const [shape, path] of hostilePaths(t)) {
    for (const method of ["GET", "POST"]) {
      add({
        method,
        path,
        headers: method === "POST"
          ? { Cookie: t.auth.cookie, "X-CSRF-Token": t.auth.token, "Content-Type": FORM }
          : {},
        body: method === "POST" ? bytesOf("option=+") : new Uint8Array(),
        tags: {
          route: shape,
          encoding: "path",
          shape: "hostile path",
          auth: method === "POST" ? "token" : "",
        },
      });
    }
  }

  const headerTargets: [string, string, string, Bytes][] = [
    ["GET", "/", "/", ""],
    ["GET", "/create", "/create", ""],
    ["GET", "/vote/{id}", `/vote/${t.ballotId}`, ""],
    ["GET", "/ballots/{id}/live-results", `/ballots/${t.ballotId}/live-results`, ""],
    ["POST", "/vote/{id}", `/vote/${t.ballotId}`, "option=x"],
    ["POST", "/create", "/create", "measure=x"],
  ];
  for (const header of headerCases(t)) {
    for (const [method, label, path, body] of headerTargets) {
      const base: Record<string, string> = method === "POST"
        ? { Cookie: t.auth.cookie, "X-CSRF-Token": t.auth.token, "Content-Type": FORM }
        : {};
      add({
        method,
        path,
        headers: { ...base, ...header.headers },
        body: bytesOf(body),
        noHost: header.noHost,
        tags: {
          route: label,
          encoding: "headers",
          shape: header.name,
          auth: method === "POST" ? "token" : "",
        },
      });
    }
  }

  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`two hostile cases named ${c.name}`);
    seen.add(c.name);
  }
  return cases;
}

// ---------------------------------------------------------------- sending

/** The request's bytes: request line, headers as given (latin1), Content-Length or chunks. */
export function encodeCase(
  c: HostileCase,
  host: string,
  extra: Record<string, string> = {},
): Uint8Array {
  const given = Object.keys(c.headers).map((name) => name.toLowerCase());
  let head = `${c.method} ${c.path} HTTP/1.1\r\n`;
  if (!c.noHost && !given.includes("host")) head += `Host: ${host}\r\n`;
  for (const [name, value] of Object.entries({ ...c.headers, ...extra })) {
    head += `${name}: ${value}\r\n`;
  }
  const out = new ByteBuilder();
  if (c.chunked) {
    out.push(latin1(head + "\r\n"));
    for (let at = 0; at < c.body.length; at += c.chunked) {
      const chunk = c.body.subarray(at, at + c.chunked);
      out.push(`${chunk.length.toString(16)}\r\n`, chunk, "\r\n");
    }
    out.push("0\r\n\r\n");
  } else {
    const bodyless = c.body.length === 0 && ["GET", "HEAD", "OPTIONS", "TRACE"].includes(c.method);
    if (!bodyless) head += `Content-Length: ${c.body.length}\r\n`;
    out.push(latin1(head + "\r\n"), c.body);
  }
  return out.bytes();
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export interface HostileAnswer {
  /** 0 when no status line came back. */
  status: number;
  head: string;
  body: string;
  ms: number;
  /** Why no complete answer came (timeout, reset): empty when one did. */
  error: string;
}

/**
 * Sends one case on a fresh connection (`Connection: close`) and reads the
 * answer to its end; an event stream is read up to its headers only.
 */
export async function sendCase(
  hostname: string,
  port: number,
  c: HostileCase,
  timeoutMs: number,
): Promise<HostileAnswer> {
  const started = performance.now();
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname, port });
  } catch (error) {
    const message = `no connection: ${(error as Error).message}`;
    return { status: 0, head: "", body: "", ms: performance.now() - started, error: message };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch { /* closed */ }
  }, timeoutMs);
  const request = encodeCase(c, `${hostname}:${port}`, { Connection: "close" });
  let error = "";
  // The server may answer (413, 403) and close before the body is all sent: read anyway.
  const writing = (async () => {
    try {
      for (let at = 0; at < request.length;) at += await conn.write(request.subarray(at));
    } catch { /* the answer tells */ }
  })();
  const received = new ByteBuilder();
  let raw: Uint8Array = new Uint8Array();
  try {
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const read = await conn.read(buffer);
      if (read === null) break;
      received.push(buffer.slice(0, read));
      raw = received.bytes();
      // Done when the answer is whole: a server may keep the connection open after it.
      if (answerComplete(raw, c.method)) break;
    }
  } catch (caught) {
    error = timedOut ? `no answer within ${timeoutMs} ms` : (caught as Error).message;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  await writing;
  raw = received.bytes();
  const headEnd = findHeadEnd(raw);
  const head = headEnd < 0 ? decodeLatin1(raw) : decodeLatin1(raw.subarray(0, headEnd));
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  let bodyBytes: Uint8Array = headEnd < 0 ? new Uint8Array() : raw.subarray(headEnd + 4);
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) bodyBytes = dechunk(bodyBytes);
  if (status === 0 && !error) error = raw.length ? "unreadable answer" : "closed without an answer";
  return {
    status,
    head,
    body: new TextDecoder().decode(bodyBytes),
    ms: performance.now() - started,
    error,
  };
}

/** Whether `raw` holds a whole response: by its length, its last chunk, or (a stream) its head. */
function answerComplete(raw: Uint8Array, method: string): boolean {
  const headEnd = findHeadEnd(raw);
  if (headEnd < 0) return false;
  const head = decodeLatin1(raw.subarray(0, headEnd));
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  if (/\r\ncontent-type:\s*text\/event-stream/i.test(head)) return true;
  if (method === "HEAD" || status === 204 || status === 304 || status < 200) return true;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return raw.length >= headEnd + 4 + Number(length[1]);
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
    const tail = decodeLatin1(raw.subarray(Math.max(headEnd + 4, raw.length - 7)));
    return tail.endsWith("\r\n0\r\n\r\n") || raw.length === headEnd + 9 && tail === "0\r\n\r\n";
  }
  return false;
}

function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

function decodeLatin1(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}

function dechunk(bytes: Uint8Array): Uint8Array {
  const out = new ByteBuilder();
  let at = 0;
  while (at < bytes.length) {
    let lineEnd = at;
    while (lineEnd + 1 < bytes.length && !(bytes[lineEnd] === 13 && bytes[lineEnd + 1] === 10)) {
      lineEnd++;
    }
    const size = parseInt(decodeLatin1(bytes.subarray(at, lineEnd)), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return out.bytes();
}
