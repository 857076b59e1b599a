// Validates the served OpenAPI document (see README.md here).
export * from "npm:@seriousme/openapi-schema-validator@^2.11.0";
