/**
 * `edgevm bench`: see bench/README.md. The benchmarks are their own package (`@edgevm/bench`, which
 * depends on this one), loaded only when asked for: a host installed without it says so.
 */

/** The package and the one function the CLI calls in it. */
const BENCH_MODULE = "@edgevm/bench/run";
interface BenchModule {
  runBench(argv: string[]): Promise<number>;
}

export async function benchCommand(argv: string[]): Promise<number> {
  let bench: BenchModule;
  try {
    // A string variable, not a literal: the bench package builds after this one.
    bench = (await import(BENCH_MODULE)) as BenchModule;
  } catch (err) {
    throw new Error(
      `the benchmarks (${BENCH_MODULE}) are not installed: ${(err as Error).message}`,
    );
  }
  return bench.runBench(argv);
}
