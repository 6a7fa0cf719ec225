namespace Pwmk.Bench.Shared;

/// <summary>The option checks and exit-code mapping the anchored benchmarks share.</summary>
internal static class BenchArgs
{
    public static bool IsJson(string format) => format switch
    {
        "json" => true,
        "text" => false,
        _ => throw new ArgumentException($"--format must be text or json, got '{format}'"),
    };

    public static void CheckRange(int value, string name, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException($"{name} must be in {min}..{max}, got {value}");
        }
    }

    /// <summary>Runs <paramref name="body"/>, mapping bad input and failed or refused anchors to exit 2 with the message on stderr.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"pwmk-bench: {e.Message}");
            return Program.BadInput;
        }
    }
}
