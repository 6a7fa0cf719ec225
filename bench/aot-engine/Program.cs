using System.Globalization;
using Pwmk.Bench.Beliefs;

// The engine's side of `pwmk-bench beliefs --host aot`, as one process compiled ahead of time: same generator, same
// workloads, same checksums. Arguments: repetitions (default 3), naive-reverse iterations (default 300,000).
// Prints one "name value" line per figure, then the checksum line; progress goes to stderr.
int reps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
int nrev = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300_000;
var data = new BeliefBench.Data?[] { BeliefBench.Generate() };
var f = new BeliefBench(Console.Error).RunEngine(data, reps, nrev);
foreach (var (k, v) in f.Values) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k} {v:R}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{BeliefBench.SettledKey} {f.SettledRssMiB:R}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{BeliefBench.PeakKey} {f.PeakRssMiB:R}"));
Console.WriteLine(f.Check);
