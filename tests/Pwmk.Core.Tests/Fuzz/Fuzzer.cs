using System.Text;

namespace Pwmk.Core.Tests.Fuzz;

/// <summary>
/// Seeded mutation of valid inputs for the reader fuzz tests. The case count is the test's default unless
/// <c>PWMK_FUZZ_CASES</c> is set (the long run, see docs/FUZZING.md); <c>PWMK_FUZZ_SEED</c> changes the seed.
/// </summary>
internal sealed class Fuzzer(int seed)
{
    /// <summary>Generous wall-clock bound of one case: a case slower than this is a hang.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);

    private const string Alphabet = "()[]{},.;|:-!'\"%/*\\^+=<>@#$&?0123456789aBz_ \t\u00e9\u0000\uFFFD\u200B";

    public Random Rnd { get; } = new(seed);

    public static int Cases(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("PWMK_FUZZ_CASES"), out int n) && n > 0 ? n : fallback;

    public static int Seed(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("PWMK_FUZZ_SEED"), out int n) ? n : fallback;

    /// <summary>Runs <paramref name="body"/> on the thread pool, failing when it takes longer than <see cref="CaseLimit"/>.</summary>
    public static void Bounded(Action body, Func<string> describe)
    {
        var task = Task.Run(body);
        try
        {
            if (!task.Wait(CaseLimit)) Assert.Fail($"hang: case still running after {CaseLimit.TotalSeconds} s: {describe()}");
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            Assert.Fail($"{e.InnerException!.GetType().Name}: {e.InnerException.Message}\n{e.InnerException.StackTrace}\ninput: {describe()}");
        }
    }

    /// <summary>Applies 1 to 4 random line- and character-level mutations.</summary>
    public string Mutate(string text, Func<Random, string>? nesting = null)
    {
        var lines = new List<string>(text.Split('\n'));
        int edits = 1 + Rnd.Next(4);
        for (int i = 0; i < edits; i++)
        {
            if (lines.Count == 0) lines.Add("");
            int at = Rnd.Next(lines.Count);
            switch (Rnd.Next(nesting is null ? 12 : 13))
            {
                case 0: lines.RemoveAt(at); break;
                case 1: lines.Insert(Rnd.Next(lines.Count + 1), lines[at]); break;
                case 2:
                    int other = Rnd.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    break;
                case 3: lines[at] = Chars(lines[at]); break;
                case 4: lines[at] = Chars(Chars(Chars(lines[at]))); break;
                case 5: lines[at] = lines[at][..Rnd.Next(lines[at].Length + 1)]; break;
                case 6: lines.RemoveRange(at, lines.Count - at); break;
                case 7: lines.Insert(at, new string(Alphabet[Rnd.Next(Alphabet.Length)], Rnd.Next(2) == 0 ? 5000 : 300_000)); break;
                case 8: lines.Insert(at, Garbage(1 + Rnd.Next(2000))); break;
                case 9: lines[at] = Words(lines[at]); break;
                case 10: lines[at] = Bytes(lines[at]); break;
                case 11: lines.Insert(at, lines[Rnd.Next(lines.Count)] + lines[at]); break;
                default: lines.Insert(at, nesting!(Rnd)); break;
            }
        }
        return string.Join(Rnd.Next(10) == 0 ? "\r\n" : "\n", lines);
    }

    /// <summary>Random bytes read as Latin-1 (control characters, NUL, high bytes).</summary>
    public string Garbage(int length)
    {
        var bytes = new byte[length];
        Rnd.NextBytes(bytes);
        return Encoding.Latin1.GetString(bytes);
    }

    private string Chars(string s)
    {
        var b = new StringBuilder(s);
        int at = b.Length == 0 ? 0 : Rnd.Next(b.Length);
        char c = Alphabet[Rnd.Next(Alphabet.Length)];
        switch (Rnd.Next(3))
        {
            case 0 when b.Length > 0: b.Remove(at, 1); break;
            case 1 when b.Length > 0: b[at] = c; break;
            default: b.Insert(at, c); break;
        }
        return b.ToString();
    }

    /// <summary>Flips one bit of one byte of the UTF-8 encoding (may make invalid UTF-8, decoded with replacement).</summary>
    private string Bytes(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length == 0) return s;
        bytes[Rnd.Next(bytes.Length)] ^= (byte)(1 << Rnd.Next(8));
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Drops, duplicates or swaps words (space-separated tokens).</summary>
    private string Words(string s)
    {
        var w = new List<string>(s.Split(' '));
        int at = Rnd.Next(w.Count);
        switch (Rnd.Next(3))
        {
            case 0: w.RemoveAt(at); break;
            case 1: w.Insert(at, w[Rnd.Next(w.Count)]); break;
            default:
                int o = Rnd.Next(w.Count);
                (w[at], w[o]) = (w[o], w[at]);
                break;
        }
        return string.Join(' ', w);
    }

    /// <summary>At most <paramref name="max"/> characters of <paramref name="s"/>, for failure messages.</summary>
    public static string Clip(string s, int max = 2000) => s.Length <= max ? s : s[..max] + $"... ({s.Length} chars)";
}
