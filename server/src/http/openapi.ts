import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type Transform = typeof jsonSchemaTransform;
type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI document's view of a route (@fastify/swagger `transform`): the Zod schemas as JSON Schema
 * (fastify-type-provider-zod), then two things that library cannot say. A body that is not JSON (`binaryBody` of the
 * contracts, marked `x-media-types`) is described as bytes of those media types; a 4xx/5xx answer is a problem body,
 * sent as application/problem+json.
 */
export const openApiTransform: Transform = (input) => {
  const out = jsonSchemaTransform(input);
  const response = (out.schema as { response?: Record<string, JsonSchema> } | undefined)?.response;
  if (!response) return out;
  for (const [status, schema] of Object.entries(response)) {
    const mediaTypes = schema['x-media-types'] as string[] | undefined;
    if (mediaTypes) {
      const bytes = { schema: { type: 'string', format: 'binary' } };
      response[status] = {
        description: schema.description ?? 'Default Response',
        content: Object.fromEntries(mediaTypes.map((t) => [t, bytes])),
      };
    } else if (/^[45]xx$/.test(status)) {
      const { description: _d, ...rest } = schema;
      response[status] = {
        description: status === '4xx' ? 'A problem with the request (problem+json, stable `code`)' : 'A server error (problem+json)',
        content: { 'application/problem+json': { schema: rest } },
      };
    }
  }
  return out;
};
