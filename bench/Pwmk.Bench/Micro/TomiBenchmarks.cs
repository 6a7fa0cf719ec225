using BenchmarkDotNet.Attributes;
using Pwmk.Core.ToMi;

namespace Pwmk.Bench.Micro;

/// <summary>
/// The whole ToMi validation split (5,994 questions): parse + replay in RoomsWorld + answer.
/// Anchor: parsing alone. Data from <c>$PWMK_DATA/tomi</c>.
/// </summary>
[MemoryDiagnoser]
public class TomiBenchmarks
{
    private string _text = "";
    private List<string> _types = [];

    [GlobalSetup]
    public void Setup()
    {
        string dir = Environment.GetEnvironmentVariable("PWMK_DATA") is { Length: > 0 } d
            ? Path.Combine(d, "tomi")
            : throw new InvalidOperationException("set PWMK_DATA to the folder of the data sets (holding tomi/fb_all_val.txt)");
        _text = File.ReadAllText(Path.Combine(dir, "fb_all_val.txt"));
        _types = TomiTrace.ReadQuestionTypesFile(Path.Combine(dir, "fb_all_val.trace"));
    }

    [Benchmark(Baseline = true, Description = "ToMi val: parse only (anchor)")]
    public int Parse() => TomiReader.Read(new StringReader(_text)).Count;

    [Benchmark(Description = "ToMi val: parse + track + answer")]
    public int Evaluate() => TomiEvaluation.Evaluate(TomiReader.Read(new StringReader(_text)), _types, depth: 2).Correct;
}
