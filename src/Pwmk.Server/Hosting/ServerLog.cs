using System.Runtime.CompilerServices;

namespace Pwmk.Server.Hosting;

/// <summary>
/// Every log line of the server, source-generated (<see cref="LoggerMessageAttribute"/>: no formatting or boxing when the
/// level is off). Each carries where it was written from (<c>module</c>, <c>function</c>, <c>line</c> of the log line)
/// through compile-time caller attributes, which the structured formatter writes as the specification's fields.
/// </summary>
internal static partial class ServerLog
{
    // ------------------------------------------------------------------ host

    [LoggerMessage(LogLevel.Warning, "No API key configured (PWMK_API_KEY or --api-key): changes are accepted only from loopback clients")]
    public static partial void NoApiKey(this ILogger log,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "no state directory: the belief store is in memory only")]
    public static partial void NoStateDirectory(this ILogger log,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "state directory {Dir} (fsync {Fsync}; {Report})")]
    public static partial void StateDirectory(this ILogger log, string dir, string fsync, string report,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "PWMK is serving at {Urls}")]
    public static partial void Serving(this ILogger log, string urls, string ui, string api, string openapi, string metrics, string health, string ready,
        bool apiKeyRequired, [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "journal shutdown did not finish within {Budget}; recovery will replay the journal")]
    public static partial void JournalShutdownSlow(this ILogger log, TimeSpan budget,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "state saved to {Dir}")]
    public static partial void StateSaved(this ILogger log, string dir,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Error, "could not save state to {Dir}")]
    public static partial void StateSaveFailed(this ILogger log, Exception exception, string dir,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    // ------------------------------------------------------------------ simulations

    [LoggerMessage(LogLevel.Information, "background simulation {Id} runs on member {Member} at episode {Episode} (resumed at {ResumedAt})")]
    public static partial void BackgroundSimulation(this ILogger log, string id, string member, int episode, int resumedAt,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Error, "the background simulation could not be started")]
    public static partial void BackgroundSimulationFailed(this ILogger log, Exception exception,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "this member's simulations were not all suspended ({Message}); they resume from their last checkpoint")]
    public static partial void SimulationsNotSuspended(this ILogger log, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    // ------------------------------------------------------------------ alerts

    [LoggerMessage(LogLevel.Warning, "alert {Alert} {Status} ({Severity}): {Summary}; from Alertmanager's receiver {Receiver}")]
    public static partial void AlertReceived(this ILogger log, string alert, string status, string severity, string summary, string receiver,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    // ------------------------------------------------------------------ journal

    [LoggerMessage(LogLevel.Error, "state directory unavailable: {Message}; serving the {Count} recovered facts read-only")]
    public static partial void StateDirectoryReadOnly(this ILogger log, string? message, int count,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Error, "journal commit failed")]
    public static partial void JournalCommitFailed(this ILogger log, Exception exception,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Error, "state directory unavailable: {Message}")]
    public static partial void StateDirectoryUnavailable(this ILogger log, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "state directory {Dir} is writable again; journal writes resumed")]
    public static partial void StateDirectoryWritableAgain(this ILogger log, string? dir,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "state directory {Dir} can be written again: journal opened at LSN {Lsn}")]
    public static partial void JournalReopened(this ILogger log, string dir, long lsn,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "could not cut the journal back to {Length} bytes: {Message}")]
    public static partial void JournalCutFailed(this ILogger log, long length, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "journal fsync failed: {Message}")]
    public static partial void JournalFsyncFailed(this ILogger log, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "snapshot postponed: cannot start a new journal segment: {Message}")]
    public static partial void SnapshotPostponed(this ILogger log, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "snapshot {Path} written (LSN {Lsn}, {Bytes} characters)")]
    public static partial void SnapshotWritten(this ILogger log, string path, long lsn, int bytes,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "snapshot at LSN {Lsn} failed: {Message}; the journal keeps every record since the last snapshot")]
    public static partial void SnapshotFailed(this ILogger log, long lsn, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "recovery: {Problem}")]
    public static partial void RecoveryProblem(this ILogger log, string problem,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Information, "belief store recovered from {Dir}: {Report}")]
    public static partial void Recovered(this ILogger log, string dir, string report,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    [LoggerMessage(LogLevel.Warning, "final snapshot skipped: {Message}")]
    public static partial void FinalSnapshotSkipped(this ILogger log, string message,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);
}
