/** The three backend services; one code base, `--service` picks the personality. */
export const ServiceName = ['orders', 'payments', 'inventory'] as const;
export type ServiceName = (typeof ServiceName)[number];

/** What one API operation costs the service; the numbers shape how it reacts to load. */
export interface Operation {
  method: 'GET' | 'POST';
  url: string;
  /** CPU time on the event loop (JSON building, validation, crypto). */
  cpuMs: number;
  /** Database queries on a cache miss, each holding a pooled connection for ~queryMs. */
  queries: number;
  queryMs: number;
  /** Reads go through the cache; the key is built from the path parameters. */
  cacheable: boolean;
  /** Writes are business transactions (counted in demo_transactions_total). */
  transaction: boolean;
  /** Working memory per in-flight request, in KiB. */
  memoryKb: number;
}

export interface Personality {
  service: ServiceName;
  operations: Operation[];
  /** Distinct cacheable items: with a warm cache most reads hit. */
  items: number;
}

const op = (o: Operation): Operation => o;

export const PERSONALITIES: Record<ServiceName, Personality> = {
  orders: {
    service: 'orders',
    items: 500,
    operations: [
      op({
        method: 'GET',
        url: '/api/orders',
        cpuMs: 1.5,
        queries: 1,
        queryMs: 30,
        cacheable: true,
        transaction: false,
        memoryKb: 128,
      }),
      op({
        method: 'GET',
        url: '/api/orders/:id',
        cpuMs: 0.5,
        queries: 1,
        queryMs: 15,
        cacheable: true,
        transaction: false,
        memoryKb: 32,
      }),
      op({
        method: 'POST',
        url: '/api/orders',
        cpuMs: 2,
        queries: 2,
        queryMs: 20,
        cacheable: false,
        transaction: true,
        memoryKb: 64,
      }),
    ],
  },
  payments: {
    service: 'payments',
    items: 200,
    operations: [
      op({
        method: 'GET',
        url: '/api/payments',
        cpuMs: 1,
        queries: 1,
        queryMs: 25,
        cacheable: true,
        transaction: false,
        memoryKb: 64,
      }),
      op({
        method: 'GET',
        url: '/api/payments/:id',
        cpuMs: 0.5,
        queries: 1,
        queryMs: 15,
        cacheable: true,
        transaction: false,
        memoryKb: 32,
      }),
      // payment authorisation: signature checks cost CPU, two writes
      op({
        method: 'POST',
        url: '/api/payments',
        cpuMs: 4,
        queries: 2,
        queryMs: 25,
        cacheable: false,
        transaction: true,
        memoryKb: 64,
      }),
    ],
  },
  inventory: {
    service: 'inventory',
    items: 1000,
    operations: [
      op({
        method: 'GET',
        url: '/api/inventory',
        cpuMs: 1,
        queries: 1,
        queryMs: 20,
        cacheable: true,
        transaction: false,
        memoryKb: 96,
      }),
      op({
        method: 'GET',
        url: '/api/inventory/:sku',
        cpuMs: 0.5,
        queries: 1,
        queryMs: 10,
        cacheable: true,
        transaction: false,
        memoryKb: 16,
      }),
      op({
        method: 'POST',
        url: '/api/inventory/reserve',
        cpuMs: 1,
        queries: 2,
        queryMs: 15,
        cacheable: false,
        transaction: true,
        memoryKb: 32,
      }),
    ],
  },
};
