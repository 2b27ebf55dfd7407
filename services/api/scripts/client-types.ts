import openapiTS, { astToString } from 'openapi-typescript';

/** The TypeScript types of the API client (openapi-typescript), from the OpenAPI document. */
export async function generateClientTypes(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]);
  return `// Generated from services/api/openapi.json by openapi-typescript: run \`npm run generate:openapi\`.\n\n${astToString(ast)}`;
}
