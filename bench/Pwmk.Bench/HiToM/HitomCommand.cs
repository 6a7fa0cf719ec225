using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pwmk.Bench.Shared;

namespace Pwmk.Bench.HiToM;

/// <summary>
/// <c>pwmk-bench hitom</c>: the whole <c>pwmk hitom eval</c> process over the benchmark's full layout of 1,200 question
/// files (Tell/No_Tell x MC/CoT x lengths 1-3 x 20 stories x orders 0-4). The shared data holds lengths 1 and 2; the
/// layout is built in a temporary folder, length 3 made from them: each length-2 story followed by the chapter of the
/// length-1 story of the same sample (agents mapped onto the length-2 story's, its room and object renamed so that the
/// question and its label stay valid). Each variant (the NativeAOT build <c>./pwmk</c> runs, the JIT build, the
/// <c>./pwmk</c> script itself) runs in turn, round after round, on the same clock.
/// </summary>
internal static partial class HitomCommand
{
    private static readonly string[] s_splits = ["Tell", "No_Tell"], s_styles = ["MC", "CoT"];

    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data") { Description = "the Hi-ToM_data folder (lengths 1 and 2); default $PWMK_DATA/hitom/Hi-ToM_data" };
        var runs = new Option<int>("--runs") { Description = "rounds (each variant once per round, after one warm-up round)", DefaultValueFactory = _ => 10 };
        var variants = new Option<string>("--variants") { Description = "comma-separated: native (.pwmk/native/pwmk-native), jit (dotnet .pwmk/cli/pwmk.dll), script (./pwmk)", DefaultValueFactory = _ => "native,jit,script" };
        var keep = new Option<bool>("--keep") { Description = "keep the generated layout and print its folder" };
        var cmd = new Command("hitom", "Time pwmk hitom eval as a whole process over a 1,200-file Hi-ToM layout built from the shared files") { data, runs, variants, keep };
        cmd.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(data) ?? (Environment.GetEnvironmentVariable("PWMK_DATA") is { Length: > 0 } root ? new DirectoryInfo(Path.Combine(root, "hitom", "Hi-ToM_data")) : null);
            if (dir is null || !dir.Exists)
            {
                stderr.WriteLine($"pwmk-bench hitom: no Hi-ToM data folder ({dir?.FullName ?? "set --data or PWMK_DATA"})");
                return Program.BadInput;
            }
            int n = parse.GetValue(runs);
            if (n < 1 || n > 1000) { stderr.WriteLine("pwmk-bench hitom: --runs must be between 1 and 1000"); return Program.BadInput; }
            var repo = Repository.Root();
            if (repo is null) { stderr.WriteLine("pwmk-bench hitom: run it inside a PWMK checkout (it times the checkout's pwmk)"); return Program.BadInput; }
            var chosen = new List<(string Name, string File, string[] Args)>();
            foreach (var v in parse.GetValue(variants)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                (string, string, string[])? variant = v switch
                {
                    "native" => ("native", Path.Combine(repo, ".pwmk", "native", "pwmk-native"), []),
                    "jit" => ("jit", "dotnet", [Path.Combine(repo, ".pwmk", "cli", "pwmk.dll")]),
                    "script" => ("script", Path.Combine(repo, "pwmk"), []),
                    _ => null,
                };
                if (variant is null) { stderr.WriteLine($"pwmk-bench hitom: unknown variant '{v}' (native, jit, script)"); return Program.BadInput; }
                chosen.Add(variant.Value);
            }
            string layout = Path.Combine(Path.GetTempPath(), "pwmk-hitom-layout-" + Guid.NewGuid().ToString("N"));
            try
            {
                int files = BuildLayout(dir.FullName, layout);
                stderr.WriteLine($"pwmk-bench hitom: {files} question files in {layout}");
                var times = chosen.ToDictionary(c => c.Name, _ => new List<double>());
                string load0 = File.ReadAllText("/proc/loadavg").Trim();
                JsonDocument? first = null;
                for (int round = 0; round <= n; round++)
                {
                    foreach (var (name, file, pre) in chosen)
                    {
                        var sw = Stopwatch.StartNew();
                        var r = ChildProcess.Run(file, [.. pre, "hitom", "eval", layout, "--labels", "all", "--format", "json"], repo);
                        double ms = sw.Elapsed.TotalMilliseconds;
                        if (r.ExitCode != 0) { stderr.WriteLine($"pwmk-bench hitom: {name} exited {r.ExitCode}: {r.Stderr}"); return Program.BadInput; }
                        first ??= JsonDocument.Parse(r.Stdout);
                        if (round > 0) times[name].Add(ms);
                    }
                }
                string load1 = File.ReadAllText("/proc/loadavg").Trim();
                var doc = first!.RootElement;
                stdout.WriteLine($"pwmk hitom eval LAYOUT --labels all --format json, whole process, {n} rounds after a warm-up (load average before: {load0}; after: {load1})");
                stdout.WriteLine($"answers: {doc.GetProperty("correct").GetInt32()} of {doc.GetProperty("total").GetInt32()} (faithful rules; MC and CoT labels); by length: "
                    + string.Join(", ", doc.GetProperty("by_length").EnumerateObject().Select(p => $"{p.Name}: {p.Value.GetProperty("correct").GetInt32()}/{p.Value.GetProperty("total").GetInt32()}")));
                stdout.WriteLine($"{"variant",-8} {"median ms",10} {"min",8} {"max",8}");
                foreach (var (name, ms) in times)
                {
                    ms.Sort();
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-8} {ms[ms.Count / 2],10:F1} {ms[0],8:F1} {ms[^1],8:F1}"));
                }
                if (parse.GetValue(keep)) stdout.WriteLine($"layout kept in {layout}");
                return Program.Ok;
            }
            finally
            {
                if (!parse.GetValue(keep) && Directory.Exists(layout)) Directory.Delete(layout, recursive: true);
            }
        });
        return cmd;
    }

    /// <summary>Writes the full layout (lengths 1, 2 copied; 3 made from them) under <paramref name="to"/>; returns the number of files.</summary>
    private static int BuildLayout(string from, string to)
    {
        int count = 0;
        foreach (var split in s_splits)
        {
            foreach (var style in s_styles)
            {
                foreach (int length in new[] { 1, 2 })
                {
                    string src = Path.Combine(from, split, style, $"length_{length}");
                    foreach (var f in Directory.EnumerateFiles(src, "order_*.txt", SearchOption.AllDirectories))
                    {
                        string dst = Path.Combine(to, Path.GetRelativePath(from, f));
                        Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
                        File.Copy(f, dst);
                        count++;
                    }
                }
                foreach (var sample in Directory.EnumerateDirectories(Path.Combine(from, split, style, "length_2")))
                {
                    string name = Path.GetFileName(sample);
                    string one = Path.Combine(from, split, style, "length_1", name, "order_0.txt");
                    if (!File.Exists(one)) continue;
                    var chapter = Story(File.ReadAllLines(one), out _);
                    foreach (var f in Directory.EnumerateFiles(sample, "order_*.txt"))
                    {
                        var lines = File.ReadAllLines(f);
                        var story = Story(lines, out int end);
                        var third = Rename(chapter, Agents(chapter), Agents(story));
                        var text = new List<string>(lines[..(end - story.Count)]);
                        text.AddRange(story.Concat(third).Select((s, i) => $"{i + 1} {s}"));
                        text.AddRange(lines[end..]);
                        string dst = Path.Combine(to, split, style, "length_3", name, Path.GetFileName(f));
                        Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
                        File.WriteAllLines(dst, text);
                        count++;
                    }
                }
            }
        }
        return count;
    }

    /// <summary>The story sentences (without numbers); <paramref name="end"/> is the index of the line after the story.</summary>
    private static List<string> Story(string[] lines, out int end)
    {
        int i = Array.IndexOf(lines, "Story:") + 1;
        var story = new List<string>();
        for (; i < lines.Length && Numbered().Match(lines[i]) is { Success: true } m; i++) story.Add(m.Groups[1].Value);
        end = i;
        return story;
    }

    /// <summary>The agents of the first enter line, in order.</summary>
    private static string[] Agents(List<string> story) =>
        story.Select(s => Entered().Match(s)).First(m => m.Success).Groups[1].Value.Replace(" and ", ", ", StringComparison.Ordinal).Split(", ");

    /// <summary>The chapter with its agents mapped onto <paramref name="to"/>'s and its rooms (but the waiting room) and objects renamed.</summary>
    private static List<string> Rename(List<string> chapter, string[] from, string[] to)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < from.Length && i < to.Length; i++) map[from[i]] = to[i];
        foreach (var s in chapter)
        {
            if (Entered().Match(s) is { Success: true } e && e.Groups[2].Value != "waiting_room") map[e.Groups[2].Value] = e.Groups[2].Value + "_3";
            if (Placed().Match(s) is { Success: true } p) map[p.Groups[1].Value] = p.Groups[1].Value + "_3";
        }
        var word = new Regex(@"\b(" + string.Join("|", map.Keys.Select(Regex.Escape)) + @")\b");
        return chapter.Select(s => word.Replace(s, m => map[m.Value])).ToList();
    }

    [GeneratedRegex(@"^[0-9]+ (.*)$")] private static partial Regex Numbered();
    [GeneratedRegex(@"^(.*) entered the ([A-Za-z0-9_]+)\.$")] private static partial Regex Entered();
    [GeneratedRegex(@"^The ([A-Za-z0-9_]+) is in the ")] private static partial Regex Placed();
}
