import { applyServerHeapPolicy, SERVER_HEAP_GROWING_PERCENT } from '../../src/api/server';

describe('api/server: the heap policy', () => {
  it("applies the server's heap growth unless node was started with its own, which wins", () => {
    expect(SERVER_HEAP_GROWING_PERCENT).toBeGreaterThan(0);
    expect(applyServerHeapPolicy(['--max-old-space-size=4096'])).toBe(SERVER_HEAP_GROWING_PERCENT);
    expect(applyServerHeapPolicy(['--heap-growing-percent=20', '--cpu-prof'])).toBe(20);
    expect(applyServerHeapPolicy(['--heap_growing_percent=0'])).toBe(0);
    expect(applyServerHeapPolicy([], '--max-old-space-size=4096 --heap-growing-percent=30')).toBe(30);
    // not the flag: a prefix of another name, or no value
    expect(applyServerHeapPolicy(['--heap-growing-percentage=5', '--heap-growing-percent'])).toBe(SERVER_HEAP_GROWING_PERCENT);
  });
});
