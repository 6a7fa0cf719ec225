using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pwmk.Logic.Timing;

/// <summary>
/// Monotonic timestamps for timing hot paths (a query, an environment step). On x64 Linux, when the kernel itself
/// keeps time with the CPU's time-stamp counter (clock source <c>tsc</c>, which it only picks when the counter is
/// invariant and synchronised across cores), the counter is read directly: one instruction, about 10 ns, against
/// 24 ns for <see cref="Stopwatch.GetTimestamp"/>, which goes through <c>clock_gettime</c>. Its rate is calibrated
/// against <see cref="Stopwatch"/> over 2 ms at first use. Anywhere else, or with the environment variable
/// <c>PWMK_CLOCK=stopwatch</c>, the timestamps are <see cref="Stopwatch"/>'s.
/// </summary>
/// <remarks>
/// For durations: the counter read is not ordered with the instructions around it (an ordered read, <c>rdtscp</c> or
/// <c>lfence; rdtsc</c>, costs 19 ns here), so it may run a few nanoseconds ahead of a load before it, and a thread
/// that reads the clock after seeing another thread's timestamp can get a value a few ticks smaller.
/// </remarks>
public static unsafe class FastClock
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<long> s_counter;

    /// <summary>Seconds per tick of <see cref="Timestamp"/>.</summary>
    public static readonly double SecondsPerTick;

    /// <summary>Ticks of <see cref="Timestamp"/> per second.</summary>
    public static readonly double TicksPerSecond;

    static FastClock()
    {
        var counter = TimeStampCounter.Create(Environment.GetEnvironmentVariable("PWMK_CLOCK"));
        double secondsPerTick = 1.0 / Stopwatch.Frequency;
        if (counter is not null && TimeStampCounter.Calibrate(counter) is { } calibrated)
        {
            s_counter = counter;
            secondsPerTick = calibrated;
        }
        SecondsPerTick = secondsPerTick;
        TicksPerSecond = 1.0 / secondsPerTick;
    }

    /// <summary><c>tsc</c> when the time-stamp counter is read directly, else <c>stopwatch</c>.</summary>
    public static string Source => s_counter is null ? "stopwatch" : "tsc";

    /// <summary>The current timestamp, in ticks of <see cref="SecondsPerTick"/>.</summary>
    public static long Timestamp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_counter is not null ? s_counter() : Stopwatch.GetTimestamp();
    }

    /// <summary>Seconds from <paramref name="start"/> (a <see cref="Timestamp"/>) to now, never negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SecondsSince(long start) => Math.Max(0, Timestamp - start) * SecondsPerTick;

    /// <summary>The time from <paramref name="start"/> (a <see cref="Timestamp"/>) to now, never negative.</summary>
    public static TimeSpan ElapsedSince(long start) => TimeSpan.FromSeconds(SecondsSince(start));

    /// <summary>The number of ticks in <paramref name="span"/>, for deadlines.</summary>
    public static long Ticks(TimeSpan span) => (long)Math.Min(span.TotalSeconds * TicksPerSecond, long.MaxValue / 2);
}

/// <summary>Reading the x64 time-stamp counter from .NET: ten bytes of machine code in a page of their own.</summary>
internal static unsafe class TimeStampCounter
{
    // rdtsc; shl rdx, 32; or rax, rdx; ret: the 64-bit counter in rax
    private static ReadOnlySpan<byte> Code => [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];

    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 0x02, MapAnonymous = 0x20;
    private const string ClockSourceFile = "/sys/devices/system/clocksource/clocksource0/current_clocksource";

    /// <summary>
    /// The counter's reader when the kernel keeps time with it (x64 Linux, clock source tsc) and
    /// <paramref name="setting"/> (the value of <c>PWMK_CLOCK</c>) is not <c>stopwatch</c>; else null.
    /// </summary>
    public static delegate* unmanaged[SuppressGCTransition]<long> Create(string? setting)
    {
        try
        {
            if (setting is "stopwatch" || !OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
            if (!File.Exists(ClockSourceFile) || File.ReadAllText(ClockSourceFile).Trim() != "tsc") return null;
            if (!NativeLibrary.TryLoad("libc.so.6", out var libc)) return null;
            var mmap = (delegate* unmanaged<nint, nuint, int, int, int, nint, nint>)NativeLibrary.GetExport(libc, "mmap");
            var mprotect = (delegate* unmanaged<nint, nuint, int, int>)NativeLibrary.GetExport(libc, "mprotect");
            var munmap = (delegate* unmanaged<nint, nuint, int>)NativeLibrary.GetExport(libc, "munmap");
            const int page = 4096;
            nint p = mmap(0, page, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (p == -1 || p == 0) return null;
            Code.CopyTo(new Span<byte>((void*)p, page));
            if (mprotect(p, page, ProtRead | ProtExec) != 0)   // never writable and executable at once
            {
                munmap(p, page);
                return null;
            }
            return (delegate* unmanaged[SuppressGCTransition]<long>)p;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Seconds per counter tick, from two (Stopwatch, counter) pairs 2 ms apart, each read between two Stopwatch
    /// reads less than 1 µs apart (so a preemption cannot skew it); null when the rate is implausible.
    /// </summary>
    public static double? Calibrate(delegate* unmanaged[SuppressGCTransition]<long> counter)
    {
        if (Pair(counter) is not var (sw0, c0)) return null;
        long until = sw0 + Stopwatch.Frequency / 500;
        while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(100);
        if (Pair(counter) is not var (sw1, c1) || c1 <= c0) return null;
        double seconds = (double)(sw1 - sw0) / Stopwatch.Frequency;
        double hz = (c1 - c0) / seconds;
        return hz is > 1e8 and < 2e10 ? 1.0 / hz : null;
    }

    private static (long Stopwatch, long Counter)? Pair(delegate* unmanaged[SuppressGCTransition]<long> counter)
    {
        long window = Math.Max(1, Stopwatch.Frequency / 1_000_000);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            long a = Stopwatch.GetTimestamp();
            long c = counter();
            long b = Stopwatch.GetTimestamp();
            if (b - a <= window) return (a + (b - a) / 2, c);
        }
        return null;
    }
}
