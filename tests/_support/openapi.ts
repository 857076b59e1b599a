/**
 * The served OpenAPI document as a test oracle: each API answer is checked
 * against the schema the document gives for its route and status, with a
 * JSON Schema validator (ajv, draft 2020-12 as OpenAPI 3.1 uses), not by hand.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export class ApiContract {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #compiled = new Map<string, ValidateFunction>();

  private constructor(readonly document: OpenApiDocument) {
    // Keywords OpenAPI adds beside JSON Schema.
    this.#ajv.addKeyword("example");
    this.#ajv.addFormat("date-time", (text: string) => ISO_INSTANT.test(text));
    this.#ajv.addSchema({ $id: "oponn-api", components: document.components });
  }

  static async fetch(baseUrl: string): Promise<ApiContract> {
    const response = await fetch(`${baseUrl}/api/v1/openapi.json`);
    if (response.status !== 200) throw new Error(`openapi.json: ${response.status}`);
    return new ApiContract(await response.json());
  }

  /**
   * Throws unless `body` fits the document's schema for this route, method and
   * status (`template` as the document writes it, e.g. `/ballots/{id}`).
   */
  check(method: string, template: string, status: number, body: unknown): void {
    const operation = this.document.paths[template]?.[method.toLowerCase()];
    if (!operation) throw new Error(`the document has no ${method} ${template}`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`the document lists no ${status} for ${method} ${template}`);
    const schema = response.content?.["application/json"]?.schema;
    if (!schema) throw new Error(`no JSON schema for ${status} of ${method} ${template}`);
    const key = `${method} ${template} ${status}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile(rebase(schema) as Record<string, unknown>);
      this.#compiled.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${key} does not fit the document: ${this.#ajv.errorsText(validate.errors)}\n` +
          JSON.stringify(body).slice(0, 600),
      );
    }
  }

  /** Checks the JSON data of an event against a component schema (`Results`, `StatusEvent`). */
  checkComponent(name: string, body: unknown): void {
    const key = `component ${name}`;
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `oponn-api#/components/schemas/${name}` });
      this.#compiled.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(`${name} does not fit: ${this.#ajv.errorsText(validate.errors)}`);
    }
  }
}

/** `#/components/...` refs point into the schema registered as `oponn-api`. */
function rebase(schema: unknown): unknown {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"oponn-api#/components/'),
  );
}
