/** One operation of a served OpenAPI document, with who may call it. */
export interface OpenApiOperation {
  method: string;
  path: string;
  /** `[]` for an open operation, one requirement per accepted scheme otherwise. */
  security: unknown[];
  /** Homeostat's `x-homeostat-access`: the credential the operation needs (`open`, `read`, ...). */
  access: string;
}

/**
 * Every operation of the OpenAPI document a service serves at /openapi.json: access tests walk it,
 * so an operation added to the document is checked without the test naming it.
 */
export async function openApiOperations(baseUrl: string): Promise<OpenApiOperation[]> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { security?: unknown[]; 'x-homeostat-access'?: string }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      security: op.security ?? [],
      access: op['x-homeostat-access'] ?? '',
    })),
  );
}
