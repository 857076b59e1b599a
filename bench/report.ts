/** The bench's one table: each figure next to what it is compared with and its goal. */
import type { BenchReport, BesideFigures } from "./main.ts";
import type { BenchOptions } from "./options.ts";
import { round } from "./stats.ts";

type Verdict = "met" | "NOT MET" | "";

interface Row {
  figure: string;
  measured: string;
  compared: string;
  goal: string;
  verdict: Verdict;
}

const int = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value)
    ? "n/a"
    : Math.round(value).toLocaleString("en-US");
const ms = (value: number | undefined, digits = 1) =>
  value === undefined || !Number.isFinite(value) ? "n/a" : `${value.toFixed(digits)} ms`;
const verdict = (ok: boolean | undefined): Verdict =>
  ok === undefined ? "" : ok ? "met" : "NOT MET";

export function tableRows(report: BenchReport, options: BenchOptions): Row[] {
  const rows: Row[] = [];
  const pg = report.pgbench;
  const votes = report.votes;
  const n = options.voters;
  if (votes) {
    rows.push({
      figure: `votes/s, ${n} voters, one option, POST /vote (1 process)`,
      measured: int(votes.votesPerS),
      compared: [
        pg?.naive && `${(votes.votesPerS / pg.naive.votesPerS).toFixed(1)}x naive`,
        pg?.insert && `${(votes.votesPerS / pg.insert.votesPerS).toFixed(2)}x insert-alone`,
      ].filter(Boolean).join(", "),
      goal: ">= 10,000",
      verdict: verdict(votes.votesPerS >= 10_000),
    });
    if (report.writer) {
      rows.push({
        figure: "vote writer: votes per transaction; server CPU per vote",
        measured: `${report.writer.votesPerBatch}`,
        compared: `${
          int(report.writer.batches)
        } transactions; ${votes.serverCpuUsPerVote} µs CPU/vote`,
        goal: "",
        verdict: "",
      });
    }
    rows.push({
      figure: "vote latency p50 / p99",
      measured: `${ms(votes.p50Ms, 2)} / ${ms(votes.p99Ms, 2)}`,
      compared: `mean ${ms(votes.meanMs, 2)}, max ${ms(votes.maxMs, 1)}`,
      goal: "p99 <= 50 ms",
      verdict: verdict(votes.p99Ms <= 50),
    });
  }
  const few = report.fewVoters;
  if (few) {
    rows.push({
      figure: `vote latency p50 / p99, ${few.voters} voters (light load)`,
      measured: `${ms(few.p50Ms, 2)} / ${ms(few.p99Ms, 2)}`,
      compared:
        `${int(few.votesPerS)} votes/s; CPU per vote: Oponn ${few.serverCpuUsPerVote} µs, ` +
        `Postgres ${few.postgresCpuUsPerVote} µs`,
      goal: "",
      verdict: "",
    });
  }
  const floor = report.bareFloor;
  if (floor) {
    const same = floor.sameHeaders ? "answers as Oponn does" : "ANSWERS UNLIKE OPONN";
    rows.push({
      figure: `bare floor: Deno.serve, same form/cookie/token/headers, no DB, ${n} voters`,
      measured: `${int(floor.votesPerS)} votes/s`,
      compared: `p50 ${ms(floor.p50Ms, 2)}, p99 ${
        ms(floor.p99Ms, 2)
      }; ${floor.serverCpuUsPerVote} µs CPU/vote; ${same}`,
      goal: "limit",
      verdict: "",
    });
    if (votes) {
      rows.push({
        figure: "Oponn / bare floor, votes/s (same run, same voters)",
        measured: `${floor.ratio?.toFixed(2) ?? "n/a"}x`,
        compared: `${roundsOf(floor.ratioRounds, ", median shown; ")}Oponn ${
          int(votes.votesPerS)
        } votes/s, p99 ${ms(votes.p99Ms, 2)}, ${votes.serverCpuUsPerVote} µs CPU/vote; floor ${
          int(floor.votesPerS)
        }, p99 ${ms(floor.p99Ms, 2)}, ${floor.serverCpuUsPerVote} µs`,
        goal: ">= 0.45x",
        verdict: verdict((floor.ratio ?? 0) >= 0.45 && floor.sameHeaders),
      });
      const beside = (
        figure: string,
        figures: BesideFigures | undefined,
        meaning: string,
      ) => {
        if (!figures) return;
        const postgres = figures.postgresCpuUsPerVote === undefined
          ? ""
          : ` + Postgres ${figures.postgresCpuUsPerVote} µs`;
        rows.push({
          figure,
          measured: `${figures.ratio.toFixed(2)}x`,
          compared: `${roundsOf(figures.ratioRounds, "; ")}${int(figures.votesPerS)} votes/s, p50 ${
            ms(figures.p50Ms, 2)
          }, p99 ${
            ms(figures.p99Ms, 2)
          }, ${figures.serverCpuUsPerVote} µs CPU/vote${postgres}: ${meaning}`,
          goal: "",
          verdict: "",
        });
      };
      beside(
        "Oponn with votes unwritten (writer answers at once) / bare floor",
        report.unwritten,
        "the HTTP path's share of the gap",
      );
      beside(
        "bare floor committing each batch (Oponn's writer, 1 insert + 1 upsert) / bare floor",
        report.committedFloor,
        "what a commit per round trip costs any server here",
      );
      // Voters, Oponn and Postgres share this machine's cores: with every core busy,
      // votes/s is cores / (CPU per vote of all three), and the floor's has no database.
      const oponnTotal = votes.serverCpuUsPerVote + votes.postgresCpuUsPerVote +
        votes.votersCpuUsPerVote;
      const floorTotal = floor.serverCpuUsPerVote + floor.votersCpuUsPerVote;
      const oponnFor045 = floorTotal / 0.45 - votes.postgresCpuUsPerVote -
        votes.votersCpuUsPerVote;
      rows.push({
        figure: "machine CPU per vote: Oponn + Postgres + voters; floor + voters",
        measured: `${round(oponnTotal)} µs; ${round(floorTotal)} µs`,
        compared:
          `Oponn ${votes.serverCpuUsPerVote} + Postgres ${votes.postgresCpuUsPerVote} + voters ${votes.votersCpuUsPerVote}; floor ${floor.serverCpuUsPerVote} + voters ${floor.votersCpuUsPerVote}; all on the same cores`,
        goal: "",
        verdict: "",
      });
      rows.push({
        figure: "ratio with every core busy (floor total / Oponn total)",
        measured: `${(floorTotal / oponnTotal).toFixed(2)}x`,
        compared: `0.45x needs Oponn <= ${
          round(oponnFor045)
        } µs CPU/vote with Postgres and voters as measured`,
        goal: "",
        verdict: "",
      });
    }
  }
  if (report.httpCeiling) {
    rows.push({
      figure: `HTTP ceiling: bare Deno.serve 204, ${n} connections`,
      measured: `${int(report.httpCeiling.requestsPerS)} req/s`,
      compared: `p50 ${ms(report.httpCeiling.p50Ms, 2)}, p99 ${
        ms(report.httpCeiling.p99Ms, 2)
      }; ${report.httpCeiling.serverCpuUsPerRequest} µs CPU/request`,
      goal: "limit",
      verdict: "",
    });
  }
  const pgRow = (key: "naive" | "insert" | "batched", label: string) => {
    const result = pg?.[key];
    if (!result) return;
    rows.push({
      figure: label,
      measured: key === "batched"
        ? `${int(result.votesPerS)} votes/s`
        : `${int(result.votesPerS)} votes/s`,
      compared: key === "batched"
        ? `${int(result.tps)} tps x 10, avg ${ms(result.latencyAvgMs, 2)}`
        : `${int(result.tps)} tps, avg ${ms(result.latencyAvgMs, 2)}`,
      goal: "limit",
      verdict: "",
    });
  };
  pgRow("naive", `pgbench (a) naive: insert + votes+1, one option, ${n} clients`);
  pgRow("insert", `pgbench (b) the insert alone, ${n} clients`);
  pgRow("batched", `pgbench (c) Oponn's batch of 10, ${n} clients`);
  if (report.scaleout) {
    const two = report.scaleout.twoProcesses;
    rows.push({
      figure: `votes/s, 2 processes (Redis), ${n} voters split`,
      measured: int(two.votesPerS),
      compared: `${report.scaleout.ratio ?? "n/a"}x of 1 process; p99 ${ms(two.p99Ms, 2)}`,
      goal: "reported",
      verdict: "",
    });
  }
  for (const fan of report.fanout) {
    const full = fan.viewers >= 10_000;
    rows.push({
      figure: `live viewers held by one process`,
      measured: `${int(fan.opened)} of ${int(fan.viewers)}`,
      compared: `${fan.failed} failed, ${fan.lost} dropped, opened in ${fan.openSeconds} s`,
      goal: full ? "10,000" : "",
      verdict: full ? verdict(fan.opened >= 10_000 && fan.lost === 0) : "",
    });
    rows.push({
      figure: `commit -> last of ${int(fan.viewers)} viewers, p50 / p99`,
      measured: `${ms(fan.p50Ms, 0)} / ${ms(fan.p99Ms, 0)}`,
      compared: `${int(fan.votesPerS)} votes/s, max ${
        ms(fan.maxMs, 0)
      }, ${fan.undelivered} undelivered, vote p99 ${
        ms(fan.voteP99Ms, 0)
      }, server CPU ${fan.serverCpuPercent}%`,
      goal: "p99 <= 1 s",
      verdict: verdict(fan.p99Ms <= 1000 && fan.undelivered === 0),
    });
    const loaded = fan.saturated;
    rows.push({
      figure: `vote latency, ${loaded.voters} voters flat out, ${
        int(fan.viewers)
      } viewers: p50 / p99`,
      measured: `${ms(loaded.voteP50Ms, 1)} / ${ms(loaded.voteP99Ms, 1)}`,
      compared: `${int(loaded.votesPerS)} votes/s, ${loaded.errors} errors; commit -> last viewer ${
        ms(loaded.deliveryP50Ms, 0)
      } / ${ms(loaded.deliveryP99Ms, 0)}, ${loaded.undelivered} undelivered`,
      goal: full ? "p99 <= 50 ms" : "",
      verdict: full ? verdict(loaded.voteP99Ms <= 50 && loaded.errors === 0) : "",
    });
    rows.push({
      figure: `memory per idle viewer (${int(fan.viewers)})`,
      measured: `${fan.kibPerViewer.toFixed(1)} KiB`,
      compared: `RSS ${int(fan.rssBeforeKiB / 1024)} -> ${int(fan.rssAfterKiB / 1024)} MiB`,
      goal: "<= 20 KiB",
      verdict: verdict(fan.kibPerViewer <= 20),
    });
  }
  if (report.sseFloor) {
    rows.push({
      figure: "runtime floor: bare Deno.serve, one idle event stream",
      measured: `${report.sseFloor.kibPerStream.toFixed(1)} KiB`,
      compared: `${int(report.sseFloor.streams)} streams`,
      goal: "limit",
      verdict: "",
    });
  }
  if (report.render) {
    const { small, large, ratio } = report.render;
    rows.push({
      figure: `results page, ${int(small.votes)} votes: mean / p50`,
      measured: `${ms(small.meanMs, 2)} / ${ms(small.p50Ms, 2)}`,
      compared: `${small.requests} requests, ${int(small.bytes)} bytes`,
      goal: "",
      verdict: "",
    });
    rows.push({
      figure: `results page, ${int(large.votes)} votes: mean / p50`,
      measured: `${ms(large.meanMs, 2)} / ${ms(large.p50Ms, 2)}`,
      compared: `${ratio.toFixed(2)}x the ${int(small.votes)}-vote page`,
      goal: "within 20%",
      verdict: verdict(Math.abs(ratio - 1) <= 0.2),
    });
  }
  if (report.modes) {
    const { voters, durationS, rounds } = report.modes;
    const how = {
      none: "each voter one browser, voting again",
      browser: "a new browser per vote",
      code: "a new code per vote",
    };
    for (const mode of report.modes.modes) {
      const target = mode.mode !== "none";
      const window = mode.exhausted
        ? `; prepared votes ran out: ${mode.windowS} s measured of ${durationS}`
        : "";
      rows.push({
        figure: `modes: duplicate_check=${mode.mode}, ${voters} voters, one option (${
          how[mode.mode]
        })`,
        measured: `${int(mode.votesPerS)} votes/s`,
        compared: `${target ? `${mode.ratio ?? "n/a"}x none; ` : ""}` +
          (rounds > 1 ? `rounds ${mode.rounds.map(int).join(" / ")}; ` : "") +
          `p50 ${ms(mode.p50Ms, 2)} / p99 ${ms(mode.p99Ms, 2)}; ` +
          `acknowledged ${int(mode.acknowledged)}, counted ${int(mode.counted)}, ` +
          `turnout ${int(mode.turnout)}${
            mode.claimed === undefined
              ? ""
              : `, ${mode.mode === "code" ? "codes used" : "voters"} ${int(mode.claimed)}`
          }${mode.errors ? `, ${mode.errors} errors` : ""}; ` +
          `${mode.serverCpuUsPerVote} µs CPU/vote, ${
            mode.votesPerBatch ?? "n/a"
          } votes/txn${window}`,
        goal: target ? ">= 0.8x none; exact" : "exact",
        verdict: verdict(mode.exact && mode.errors === 0 && (!target || (mode.ratio ?? 0) >= 0.8)),
      });
    }
  }
  if (report.kinds) {
    const { voters, options: choices, rounds } = report.kinds;
    for (const kind of report.kinds.kinds) {
      const target = kind.kind !== "single";
      const what = kind.kind === "single"
        ? "option counters"
        : kind.kind === "approval"
        ? "voters"
        : "ranking counters";
      rows.push({
        figure: `kinds: ${kind.kind}, ${voters} voters, ${choices} options, varied votes`,
        measured: `${int(kind.votesPerS)} votes/s`,
        compared: `${target ? `${kind.ratio ?? "n/a"}x single; ` : ""}` +
          (rounds > 1 ? `rounds ${kind.rounds.map(int).join(" / ")}; ` : "") +
          `p50 ${ms(kind.p50Ms, 2)} / p99 ${ms(kind.p99Ms, 2)}; ` +
          `acknowledged ${int(kind.acknowledged)}, ${what} ${int(kind.counted)}, ` +
          `turnout ${int(kind.turnout)}, audit rows ${int(kind.auditRows)}` +
          (kind.choices === undefined ? "" : `, choices ${int(kind.choices)}`) +
          (kind.distinctRankings === undefined
            ? ""
            : `, distinct rankings ${int(kind.distinctRankings)}`) +
          `${kind.errors ? `, ${kind.errors} errors` : ""}; ` +
          `${kind.serverCpuUsPerVote} µs CPU/vote, ${kind.votesPerBatch ?? "n/a"} votes/txn`,
        goal: target ? ">= 0.8x single; exact" : "exact",
        verdict: verdict(kind.exact && kind.errors === 0 && (!target || (kind.ratio ?? 0) >= 0.8)),
      });
    }
  }
  if (report.runoff) {
    const timing = (t: { medianMs: number; p90Ms: number }) =>
      `${ms(t.medianMs, 2)} / ${ms(t.p90Ms, 2)}`;
    for (const row of report.runoff.cases) {
      const counts = row.counts === "skewed"
        ? "skewed counts"
        : row.counts === "equal"
        ? `${int(row.ballots / row.distinct)} each`
        : "1 each";
      const big = row.ballots >= 1_000_000 && row.distinct >= 10_000;
      rows.push({
        figure: `runoff, ${int(row.ballots)} ballots over ${
          int(row.distinct)
        } distinct rankings (${counts}): median / p90`,
        measured: timing(row.pure),
        compared: `${row.rounds} rounds, ${row.pure.repetitions} reps; ` +
          `flush with Postgres reads + render (snapshot) ${timing(row.snapshot)}, ` +
          `tally (reads + runoff) ${timing(row.tally)}`,
        goal: big ? "p90 <= 10 ms" : "",
        verdict: big ? verdict(row.pure.p90Ms <= 10) : "",
      });
    }
    for (const flat of report.runoff.flat) {
      const within = (ratio: number) => Math.abs(ratio - 1) <= 0.2;
      rows.push({
        figure: `runoff flat in ballots: ${int(flat.distinct)} distinct rankings, 10^6 / ${
          int(flat.distinct)
        } ballots`,
        measured: `${flat.pure.toFixed(2)}x`,
        compared: `snapshot ${flat.snapshot.toFixed(2)}x, tally ${flat.tally.toFixed(2)}x`,
        goal: "within 20%",
        verdict: verdict(within(flat.pure) && within(flat.snapshot)),
      });
    }
  }
  if (report.hostile) {
    const { rest, classes, connections, ratePerS } = report.hostile;
    rows.push({
      figure: "hostile: /healthz p99 at rest (probe every 10 ms)",
      measured: ms(rest.healthzP99Ms, 2),
      compared: `max ${ms(rest.healthzMaxMs, 1)}, ${rest.probes} probes; ` +
        `server at rest ${rest.cpuMsPerS} ms CPU/s`,
      goal: "",
      verdict: "",
    });
    for (const klass of classes) {
      const statuses = Object.entries(klass.statuses).map(([status, n]) => `${n}x ${status}`);
      rows.push({
        figure: `hostile: ${klass.name}`,
        measured: `${klass.cpuMsPerRequest.toFixed(2)} ms CPU/req`,
        compared:
          `1 at a time: max ${ms(klass.c1MaxMs, 1)}${klass.c1Cut ? " (cut)" : ""}; /healthz p99 ${
            ms(klass.healthzP99Ms, 1)
          } (rest ${ms(rest.healthzP99Ms, 1)}), max ${ms(klass.healthzMaxMs, 0)}; ` +
          `${klass.requests} req (${statuses.join(", ")}${
            klass.errors ? `, ${klass.errors} errors` : ""
          }) on ${connections} conns <= ${ratePerS}/s`,
        goal: "<= 5 ms CPU; /healthz p99 <= 50 ms",
        verdict: verdict(
          klass.cpuMsPerRequest <= 5 && klass.healthzP99Ms <= 50 && klass.healthzFailed === 0,
        ),
      });
    }
  }
  return rows;
}

export function printTable(report: BenchReport, options: BenchOptions): void {
  const rows = tableRows(report, options);
  const header: Row = {
    figure: "figure",
    measured: "measured",
    compared: "compared with",
    goal: "goal",
    verdict: "" as Verdict,
  };
  const cells = (row: Row) => [row.figure, row.measured, row.compared, row.goal, row.verdict];
  const widths = cells(header).map((_, column) =>
    Math.max(...[header, ...rows].map((row) => cells(row)[column].length))
  );
  const line = (row: Row) =>
    `| ${cells(row).map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  const m = report.machine;
  console.log(
    `\nOponn bench ${report.date}${options.smoke ? " (smoke)" : ""}: ${m.cores} cores, ` +
      `${m.memoryGiB} GiB, load ${m.loadAverage}, Deno ${m.deno}${
        m.postgres ? `, ${m.postgres}` : ""
      }, phases ${options.durationS} s`,
  );
  console.log(line(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
  if (report.failures.length > 0) {
    console.log(`failures:\n${report.failures.map((failure) => `  - ${failure}`).join("\n")}`);
  }
}

/** "rounds 0.31 / 0.30 / 0.32" and `end`, when there was more than one round. */
function roundsOf(ratios: number[] | undefined, end: string): string {
  if (!ratios || ratios.length < 2) return "";
  return `rounds ${ratios.map((ratio) => ratio.toFixed(2)).join(" / ")}${end}`;
}
