using System.Globalization;

namespace Pwmk.Cli;

/// <summary>
/// One carriage-return status line on stderr (a bar, done/total, ETA and the caller's detail), redrawn at most every
/// 100 ms. Off when stderr is redirected or is not the console, and with <c>--format json</c>. Time comes from a
/// <see cref="TimeProvider"/> (tests pass a fake one).
/// </summary>
internal sealed class ProgressLine(TextWriter stderr, bool enabled, TimeProvider? time = null)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly long _started = (time ?? TimeProvider.System).GetTimestamp();
    private long _lastDraw = long.MinValue / 2;
    private int _width;
    private string _line = "";
    private readonly Lock _gate = new();

    /// <summary>Whether a command writing to <paramref name="stderr"/> shows progress.</summary>
    public static bool ShouldShow(TextWriter stderr, bool json) => !json && !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error);

    /// <summary>The line of a command writing to <paramref name="stderr"/>, shown when <see cref="ShouldShow"/> says so.</summary>
    public static ProgressLine For(TextWriter stderr, bool json) => new(stderr, ShouldShow(stderr, json));

    private TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>Seconds since the line was created.</summary>
    public double Seconds => Elapsed.TotalSeconds;

    /// <summary>Draws the line (unless one was drawn less than 100 ms ago and <paramref name="force"/> is false).</summary>
    public void Draw(int done, int total, string detail, bool force = false)
    {
        if (!enabled) return;
        long now = (long)Elapsed.TotalMilliseconds;
        if (!force && now - _lastDraw < 100) return;
        _lastDraw = now;
        const int bar = 24;
        double fraction = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
        int filled = (int)(fraction * bar);
        string eta = done > 0 && total > 0 && done < total
            ? TimeSpan.FromSeconds(Seconds * (total - done) / done).ToString(@"mm\:ss", CultureInfo.InvariantCulture)
            : "--:--";
        Show(string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', bar - filled)}] {done}/{total} ETA {eta}  {detail}"));
    }

    /// <summary>Draws a line for work of unknown length: a block moving along the bar, the time so far and the detail.</summary>
    public void DrawBusy(string detail)
    {
        if (!enabled) return;
        const int bar = 24;
        var elapsed = Elapsed;
        int at = (int)((long)elapsed.TotalMilliseconds / 100 % (2 * (bar - 4)));
        if (at >= bar - 4) at = 2 * (bar - 4) - at;
        string clock = elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
        Show($"[{new string('.', at)}####{new string('.', bar - 4 - at)}] {clock}  {detail}");
    }

    private void Show(string line)
    {
        lock (_gate)
        {
            _line = line;
            _width = Math.Max(_width, line.Length);
            stderr.Write("\r" + line.PadRight(_width));
        }
    }

    /// <summary>Erases the line (before printing something else, and at the end).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (enabled && _width > 0) stderr.Write("\r" + new string(' ', _width) + "\r");
            _width = 0;
            _line = "";
        }
    }

    /// <summary>Prints a whole line above the progress line, which is drawn again below it.</summary>
    public void WriteLine(string text)
    {
        lock (_gate)
        {
            string line = _line;
            Clear();
            stderr.WriteLine(text);
            if (enabled && line.Length > 0) Show(line);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread while the line shows <paramref name="detail"/> and the time so
    /// far; clears the line at the end. Exceptions of the work are rethrown as they are.
    /// </summary>
    public T Run<T>(string detail, Func<T> work)
    {
        if (!enabled) return work();
        DrawBusy(detail);
        using (_time.CreateTimer(_ => DrawBusy(detail), null, Tick, Tick))
        {
            var task = Task.Factory.StartNew(work, TaskCreationOptions.LongRunning);
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            Clear();
            return task.GetAwaiter().GetResult();
        }
    }

    /// <summary>A writer whose lines go above the progress line (for commands that log while it is shown).</summary>
    public TextWriter Above() => new AboveWriter(this, stderr);

    private sealed class AboveWriter(ProgressLine line, TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;
        public override void WriteLine(string? value) => line.WriteLine(value ?? "");
        public override void Write(char value) => inner.Write(value);
    }
}
