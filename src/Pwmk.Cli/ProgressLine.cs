using System.Diagnostics;
using System.Globalization;

namespace Pwmk.Cli;

/// <summary>
/// One carriage-return status line on stderr (a bar, done/total, ETA and the caller's detail), redrawn at most every
/// 100 ms. Off when stderr is redirected or is not the console, and with <c>--format json</c>.
/// </summary>
internal sealed class ProgressLine(TextWriter stderr, bool enabled)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = long.MinValue / 2;
    private int _width;

    /// <summary>Whether a command writing to <paramref name="stderr"/> shows progress.</summary>
    public static bool ShouldShow(TextWriter stderr, bool json) => !json && !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error);

    /// <summary>Seconds since the line was created.</summary>
    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Draws the line (unless one was drawn less than 100 ms ago and <paramref name="force"/> is false).</summary>
    public void Draw(int done, int total, string detail, bool force = false)
    {
        if (!enabled) return;
        long now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastDraw < 100) return;
        _lastDraw = now;
        const int bar = 24;
        double fraction = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
        int filled = (int)(fraction * bar);
        string eta = done > 0 && total > 0 && done < total
            ? TimeSpan.FromSeconds(Seconds * (total - done) / done).ToString(@"mm\:ss", CultureInfo.InvariantCulture)
            : "--:--";
        var line = string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', bar - filled)}] {done}/{total} ETA {eta}  {detail}");
        _width = Math.Max(_width, line.Length);
        stderr.Write("\r" + line.PadRight(_width));
    }

    /// <summary>Erases the line (before printing something else, and at the end).</summary>
    public void Clear()
    {
        if (enabled && _width > 0) stderr.Write("\r" + new string(' ', _width) + "\r");
    }
}
