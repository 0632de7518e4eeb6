/** JSON over HTTP for the tests: status and parsed body (or text when it is not JSON). */
export interface JsonClient {
  getJson<T = unknown>(url: string): Promise<{ status: number; body: T }>;
  postJson<T = unknown>(url: string, body: unknown, raw?: string): Promise<{ status: number; body: T }>;
}

/** A client sending `headers` with every request (e.g. a reader token's Authorization). */
export function jsonClient(headers: Record<string, string> = {}): JsonClient {
  return {
    async getJson<T>(url: string) {
      const res = await fetch(url, { headers });
      const text = await res.text();
      return {
        status: res.status,
        body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T,
      };
    },
    async postJson<T>(url: string, body: unknown, raw?: string) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: raw ?? JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as T };
    },
  };
}

export const { getJson, postJson } = jsonClient();
