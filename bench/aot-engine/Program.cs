using System.Globalization;
using Pwmk.Cli.Bench;

// The engine's side of `pwmk bench beliefs`, as one process compiled ahead of time: same generator, same workloads,
// same checksums. Argument: repetitions (default 3).
int reps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var data = new BeliefBench.Data?[] { BeliefBench.Generate() };
var f = new BeliefBench(Console.Error).RunEngine(data, reps, 300_000);
foreach (var (k, v) in f.Values) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k} {v:G5}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rss_facts_loaded_mib {f.SettledRssMiB:F1}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak_rss_mib {f.PeakRssMiB:F1}"));
Console.WriteLine(f.Check);
