/** The OpenAPI 3.1 document of `/api/v1`, made from the schemas the routes validate with. */
import {
  OpenApiGeneratorV31,
  OpenAPIRegistry,
  type ResponseConfig,
} from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import {
  Ballot,
  BallotIdParams,
  CreateBallotRequest,
  CreatedBallot,
  ErrorBody,
  Results,
  StatusEvent,
  VoteRecorded,
  VoteRequest,
} from "./schemas.ts";

export const API_BASE = "/api/v1";

const JSON_TYPE = "application/json";

function error(description: string): ResponseConfig {
  return { description, content: { [JSON_TYPE]: { schema: ErrorBody } } };
}

const WRITE_ERRORS = {
  400: error("Malformed JSON, a field of the wrong type, or a value the rules refuse"),
  413: error("The body is larger than 64 KiB"),
  415: error("The body is not application/json"),
  429: error("Too many requests from this network; see Retry-After"),
  503: error("The database is unavailable; nothing was confirmed"),
};
const NOT_FOUND = { 404: error("No ballot has this id") };

function registry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.register("Error", ErrorBody);
  registry.register("Results", Results);
  registry.register("StatusEvent", StatusEvent);

  registry.registerPath({
    method: "post",
    path: "/ballots",
    operationId: "createBallot",
    summary: "Create a ballot",
    description: "The same rules and messages as the create form. The API client is the owner: " +
      "`manage_url` is the only way to manage the ballot, and a `code` ballot's voter codes " +
      "are in this response only.",
    request: {
      body: { required: true, content: { [JSON_TYPE]: { schema: CreateBallotRequest } } },
    },
    responses: {
      201: {
        description: "Created",
        headers: z.object({ Location: z.string() }),
        content: { [JSON_TYPE]: { schema: CreatedBallot } },
      },
      ...WRITE_ERRORS,
    },
  });

  registry.registerPath({
    method: "get",
    path: "/ballots/{id}",
    operationId: "getBallot",
    summary: "Read a ballot",
    request: { params: BallotIdParams },
    responses: {
      200: { description: "The ballot", content: { [JSON_TYPE]: { schema: Ballot } } },
      ...NOT_FOUND,
    },
  });

  registry.registerPath({
    method: "post",
    path: "/ballots/{id}/votes",
    operationId: "castVote",
    summary: "Cast a vote",
    description:
      "Recorded in the database before the answer. A `browser` ballot refuses API votes (403); " +
      "a `code` ballot needs `voter_code`. With an `Idempotency-Key`, the same vote sent again " +
      "(say, after a lost answer) within 10 minutes is answered 201 and not counted twice; the " +
      "same key with a different vote is refused (400).",
    request: {
      params: BallotIdParams,
      headers: z.object({
        "Idempotency-Key": z.string().regex(/^"?[A-Za-z0-9._:+/=-]{1,128}"?$/).optional(),
      }),
      body: { required: true, content: { [JSON_TYPE]: { schema: VoteRequest } } },
    },
    responses: {
      201: { description: "Recorded", content: { [JSON_TYPE]: { schema: VoteRecorded } } },
      ...WRITE_ERRORS,
      400: error(
        "Malformed JSON, a field of the wrong type, a value the rules refuse, or a malformed " +
          "Idempotency-Key",
      ),
      403: error("A `browser` ballot, or a voter code unknown or already used"),
      ...NOT_FOUND,
      409: error("Voting has not started or has ended"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/ballots/{id}/results",
    operationId: "getResults",
    summary: "Read the results",
    description:
      "As anyone may see them: while the ballot hides its results, `visible` is false and no " +
      "count per option is given.",
    request: { params: BallotIdParams },
    responses: {
      200: { description: "The results", content: { [JSON_TYPE]: { schema: Results } } },
      ...NOT_FOUND,
    },
  });

  registry.registerPath({
    method: "get",
    path: "/ballots/{id}/events",
    operationId: "streamEvents",
    summary: "Live results (Server-Sent Events)",
    description:
      "The first events are the current state; then at most about ten a second, the latest " +
      "only. Event `results`: data is a `Results` object. Event `status`: data is a " +
      "`StatusEvent` (sent first and when the ballot opens or closes). Every event has an " +
      "opaque `id`; reconnect with `Last-Event-ID` to skip results you already have. A comment " +
      "line comes at least every 15 s.",
    request: {
      params: BallotIdParams,
      headers: z.object({ "Last-Event-ID": z.string().optional() }),
    },
    responses: {
      200: {
        description: "An event stream",
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...NOT_FOUND,
      429: error("Too many live connections from this address"),
      503: error("The server holds as many live connections as it can"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/openapi.json",
    operationId: "openapi",
    summary: "This document",
    responses: {
      200: {
        description: "The OpenAPI 3.1 document",
        content: { [JSON_TYPE]: { schema: z.object({ openapi: z.string() }).passthrough() } },
      },
    },
  });
  return registry;
}

let document: unknown;

/** Built once, on first request. */
export function openApiDocument(): unknown {
  document ??= new OpenApiGeneratorV31(registry().definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Oponn API",
      version: "1.0.0",
      description:
        "Create ballots, vote, read results and follow them live. No cookies: send JSON, read " +
        'JSON. Errors are `{"error": {"code", "message", "field"}}` with the web forms\' messages.',
    },
    servers: [{ url: API_BASE }],
  });
  return document;
}
