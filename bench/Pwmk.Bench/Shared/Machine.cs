using System.Globalization;

namespace Pwmk.Bench.Shared;

/// <summary>What a published figure needs beside it: when, on what, under which load.</summary>
internal static class Machine
{
    /// <summary>The 1-, 5- and 15-minute load averages (<c>/proc/loadavg</c>), or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            var f = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{f[0]} {f[1]} {f[2]}";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>The CPU model and the logical cores this process may use.</summary>
    public static string Cpu()
    {
        string model = "unknown CPU";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    model = line[(line.IndexOf(':') + 1)..].Trim();
                    break;
                }
            }
        }
        catch (IOException)
        {
        }
        return $"{model}, {Environment.ProcessorCount} logical cores";
    }

    /// <summary>The current UTC time, to the minute.</summary>
    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
