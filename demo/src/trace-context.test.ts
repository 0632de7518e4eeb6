import { childContext, traceparentOf } from './trace-context';

describe('trace context', () => {
  it('continues a valid traceparent as a child span', () => {
    const ctx = childContext('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(ctx.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(ctx.parentSpanId).toBe('00f067aa0ba902b7');
    expect(ctx.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ctx.spanId).not.toBe(ctx.parentSpanId);
    expect(traceparentOf(ctx)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${ctx.spanId}-01`);
  });

  it.each([
    [undefined],
    ['garbage'],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01'], // all-zero ids are invalid
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
  ])('starts a new trace for %j', (header) => {
    const ctx = childContext(header);
    expect(ctx.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ctx.traceId).not.toMatch(/^0+$/);
    expect(ctx.parentSpanId).toBeUndefined();
  });
});
