/**
 * The JSON API's request and response shapes, defined once (zod). The same
 * schemas check request bodies and, through `openapi.ts`, make the OpenAPI 3.1
 * document. They check types only: what a value must be (lengths, choices,
 * windows) is decided by the same rules as the HTML forms, so the messages are
 * the same too. Descriptions and `enum` hints tell a reader what those rules are.
 */
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

const STATUS = ["pending", "active", "ended"] as const;

// ---- requests ----

export const CreateBallotRequest = z.object({
  measure: z.string().openapi({
    description: "The question: trimmed, 3 to 255 characters.",
    example: "Lunch?",
  }),
  options: z.array(z.string()).openapi({
    description:
      "The options, one per item: each 1 to 64 characters, no duplicates (case, width and " +
      "invisible characters ignored), at least 2 (1 when write-ins are allowed), at most 100.",
    example: ["tacos", "pizza"],
  }),
  allow_write_in: z.boolean().optional().openapi({ description: "Default false." }),
  start_time_type: z.string().optional().openapi({
    enum: ["now", "scheduled"],
    description: "Default `now`.",
  }),
  scheduled_start_time: z.string().optional().openapi({
    description:
      "ISO 8601 instant in the future, required when `start_time_type` is `scheduled`; " +
      "without an offset it is read in `time_zone` (absent: UTC). Seconds are optional.",
    example: "2030-01-01T12:00:00Z",
  }),
  duration_mins: z.number().optional().openapi({
    description:
      "Whole minutes of voting; 0 or absent: no end. Used when `end_type` is `duration`.",
    example: 60,
  }),
  end_type: z.string().optional().openapi({
    enum: ["duration", "at"],
    description: "Default `duration` (`duration_mins`); `at`: the ballot ends at `end_time`.",
  }),
  end_time: z.string().optional().openapi({
    description: "With `end_type: at`: an ISO 8601 instant after the start, at most 366 days " +
      "after it; without an offset it is read in `time_zone` (absent: UTC).",
    example: "2030-01-02T12:00:00Z",
  }),
  time_zone: z.string().optional().openapi({
    description: "IANA time zone (e.g. `Europe/Berlin`) for times given without an offset; " +
      "a wall time that happens twice is the earlier, one that never happens moves forward " +
      "by the gap. Absent: UTC.",
    example: "Europe/Berlin",
  }),
  kind: z.string().optional().openapi({
    enum: ["single", "approval", "ranked"],
    description: "Default `single`.",
  }),
  max_choices: z.number().optional().openapi({
    description: "Approval ballots: how many options a voter may choose (absent: no cap).",
  }),
  duplicate_check: z.string().optional().openapi({
    enum: ["none", "browser", "code"],
    description:
      "Default `none`. A `browser` ballot takes votes only from its web page, not from the API.",
  }),
  voter_codes: z.number().optional().openapi({
    description:
      "With `duplicate_check: code`: how many one-time voter codes to issue (1 to 10,000).",
  }),
  listing: z.string().optional().openapi({
    enum: ["listed", "unlisted"],
    description: "Default `listed`.",
  }),
  results_visibility: z.string().optional().openapi({
    enum: ["always", "after_vote", "after_close", "manual"],
    description: "Default `always`.",
  }),
}).openapi("CreateBallotRequest");

export const VoteRequest = z.object({
  option: z.string().optional().openapi({
    description:
      "Single ballots: one of the ballot's options, or `__write_in__` with `write_in_value`.",
  }),
  options: z.array(z.string()).optional().openapi({
    description: "Approval ballots: the chosen options.",
  }),
  ranking: z.array(z.string()).optional().openapi({
    description: "Ranked ballots: options in order of preference.",
  }),
  write_in_value: z.string().optional().openapi({ description: "1 to 64 characters." }),
  voter_code: z.string().optional().openapi({
    description: "Required on a `code` ballot: one of its one-time voter codes.",
  }),
}).openapi("VoteRequest");

export const BallotIdParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "k3Jq9xY2mPzW" }),
});

// ---- responses ----

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().openapi({ example: "invalid_vote" }),
    message: z.string().openapi({ example: "Invalid option for this ballot." }),
    field: z.string().nullable().openapi({ example: "option" }),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional().openapi({
      description: "Every field refused, when a request has more than one error.",
    }),
  }),
}).openapi("Error");

export const Ballot = z.object({
  id: z.string(),
  measure: z.string(),
  kind: z.string().openapi({ enum: ["single", "approval", "ranked"] }),
  options: z.array(z.string()),
  allow_write_in: z.boolean(),
  status: z.enum(STATUS),
  starts_at: z.string().openapi({ format: "date-time" }),
  ends_at: z.string().nullable().openapi({ format: "date-time" }),
  created_at: z.string().openapi({ format: "date-time" }),
  duplicate_check: z.enum(["none", "browser", "code"]),
  listing: z.enum(["listed", "unlisted"]),
  results_visibility: z.enum(["always", "after_vote", "after_close", "manual"]),
  vote_url: z.string(),
  results_url: z.string(),
}).openapi("Ballot");

export const CreatedBallot = Ballot.extend({
  manage_url: z.string().openapi({
    description:
      "The owner's link: shown once, the only way to manage a ballot made through the API.",
  }),
  voter_codes: z.array(z.string()).optional().openapi({
    description: "A `code` ballot's one-time voter codes: shown once, never again.",
  }),
}).openapi("CreatedBallot");

export const VoteRecorded = z.object({
  ballot_id: z.string(),
  choice: z.string().openapi({ description: "The label the vote counted for." }),
}).openapi("VoteRecorded");

const Turnout = z.object({
  cast: z.number().int(),
  codes_issued: z.number().int().nullable().openapi({ description: "Code ballots only." }),
}).openapi("Turnout");

const ResultLine = z.object({
  label: z.string(),
  count: z.number().int(),
  share: z.number().openapi({
    description: "Percent, one decimal, of votes (of voters for approval: see `shares_of`).",
  }),
  write_in: z.boolean(),
}).openapi("ResultLine");

const Round = z.object({
  round: z.number().int().openapi({ description: "From 1." }),
  counts: z.array(z.object({ label: z.string(), count: z.number().int() })).openapi({
    description: "Continuing options, most votes first.",
  }),
  eliminated: z.array(z.string()).openapi({ description: "Eliminated after this round." }),
  exhausted: z.number().int().openapi({
    description: "Ballots whose ranked options are all eliminated.",
  }),
}).openapi("Round");

export const ShownResults = z.object({
  ballot_id: z.string(),
  status: z.enum(STATUS),
  visible: z.literal(true),
  kind: z.enum(["single", "approval", "ranked"]),
  total: z.number().int().openapi({
    description: "Votes; for approval and ranked ballots, voters (ballots cast).",
  }),
  shares_of: z.enum(["votes", "voters"]),
  options: z.array(ResultLine).openapi({
    description: "Per option: votes, or first preferences for a ranked ballot.",
  }),
  more_write_ins: z.object({
    write_ins: z.number().int(),
    count: z.number().int(),
    share: z.number(),
  }).nullable().openapi({
    description: "The write-ins past the top ten, summed (the exports list every one).",
  }),
  winners: z.array(z.string()).nullable().openapi({
    description:
      "Once voting has ended, the option(s) with the most votes (several in a tie); for a " +
      "ranked ballot the runoff's winner as it stands, also while open.",
  }),
  rounds: z.array(Round).optional().openapi({
    description: "Ranked ballots: every instant-runoff round.",
  }),
  tie_break: z.string().optional().openapi({ description: "Ranked ballots: the stated rule." }),
  turnout: Turnout,
}).openapi("ShownResults");

export const HiddenResults = z.object({
  ballot_id: z.string(),
  status: z.enum(STATUS),
  visible: z.literal(false),
  hidden_reason: z.string(),
  turnout: Turnout,
}).openapi("HiddenResults", {
  description: "While results are hidden, no count per option leaves the server.",
});

export const Results = z.discriminatedUnion("visible", [ShownResults, HiddenResults]).openapi(
  "Results",
);

export const StatusEvent = z.object({
  ballot_id: z.string(),
  status: z.enum(STATUS),
  starts_at: z.string().openapi({ format: "date-time" }),
  ends_at: z.string().nullable().openapi({ format: "date-time" }),
}).openapi("StatusEvent");

export type CreateBallotRequest = z.infer<typeof CreateBallotRequest>;
export type VoteRequest = z.infer<typeof VoteRequest>;
export type BallotJson = z.infer<typeof Ballot>;
export type CreatedBallotJson = z.infer<typeof CreatedBallot>;
export type ResultsJson = z.infer<typeof Results>;
export type StatusJson = z.infer<typeof StatusEvent>;
export type ErrorJson = z.infer<typeof ErrorBody>;
