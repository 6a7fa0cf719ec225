using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Pwmk.Observability.Logging;

/// <summary>
/// The log line of the specification as a <see cref="ConsoleFormatter"/> (the console logger queues and writes the lines on
/// its own thread): one JSON object per line with <c>timestamp</c> (UTC ISO-8601), <c>level</c>, <c>logger</c>,
/// <c>message</c>, <c>module</c>, <c>function</c> and <c>line</c> (the calling source file, method and line, which PWMK's
/// log messages take from compile-time caller attributes: see <c>ServerLog</c>; lines of other libraries have none), the
/// event's own fields, <c>exception</c>, the <see cref="LogContext"/> fields of the open scopes, and <c>trace_id</c>/
/// <c>span_id</c> while a span is active.
/// </summary>
internal sealed class PwmkJsonFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "pwmk-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            w.WriteString("level", LogLine.LevelName(logEntry.LogLevel));
            w.WriteString("logger", logEntry.Category);
            w.WriteString("message", message);
            bool traced = false;
            if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                foreach (var (k, v) in fields)
                {
                    switch (k)
                    {
                        case "{OriginalFormat}": break;
                        case "module": w.WriteString("module", v is string path ? LogLine.Module(path) : v?.ToString()); break;
                        case "function" or "line": WriteValue(w, k, v); break;
                        case "timestamp" or "level" or "logger" or "message" or "exception" or "request_id" or "agent_id" or "session_id": break;
                        default:
                            traced |= k == "trace_id";
                            WriteValue(w, k, v);
                            break;
                    }
                }
            }
            if (logEntry.EventId.Id != 0) w.WriteNumber("event_id", logEntry.EventId.Id);
            if (logEntry.Exception is not null) w.WriteString("exception", logEntry.Exception.ToString());
            var (request, agent, session) = LogLine.Context(scopeProvider);
            if (request is not null) w.WriteString("request_id", request);
            if (agent is not null) w.WriteString("agent_id", agent);
            if (session is not null) w.WriteString("session_id", session);
            if (!traced && Activity.Current is { } span)
            {
                w.WriteString("trace_id", span.TraceId.ToHexString());
                w.WriteString("span_id", span.SpanId.ToHexString());
            }
            w.WriteEndObject();
        }
        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static void WriteValue(Utf8JsonWriter w, string k, object? v)
    {
        switch (v)
        {
            case null: w.WriteNull(k); break;
            case bool b: w.WriteBoolean(k, b); break;
            case int or long or short or byte or uint or ushort or sbyte: w.WriteNumber(k, Convert.ToInt64(v, CultureInfo.InvariantCulture)); break;
            case ulong u: w.WriteNumber(k, u); break;
            case double d when double.IsFinite(d): w.WriteNumber(k, d); break;
            case float f when float.IsFinite(f): w.WriteNumber(k, f); break;
            case decimal m: w.WriteNumber(k, m); break;
            case TimeSpan t: w.WriteNumber(k, t.TotalMilliseconds); break;
            case IFormattable f: w.WriteString(k, f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: w.WriteString(k, v.ToString()); break;
        }
    }
}

/// <summary>The plain log line of the specification: <c>timestamp - logger - LEVEL - message</c> (and the exception below).</summary>
internal sealed class PwmkPlainFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "pwmk-plain";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        textWriter.Write(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture));
        textWriter.Write(" - ");
        textWriter.Write(logEntry.Category);
        textWriter.Write(" - ");
        textWriter.Write(LogLine.LevelName(logEntry.LogLevel));
        textWriter.Write(" - ");
        textWriter.Write(logEntry.Formatter(logEntry.State, logEntry.Exception));
        if (logEntry.Exception is not null)
        {
            textWriter.Write('\n');
            textWriter.Write(logEntry.Exception.ToString());
        }
        textWriter.Write('\n');
    }
}

/// <summary>What both formats share.</summary>
internal static class LogLine
{
    public static string LevelName(LogLevel l) => l switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    /// <summary>The module of a source path: its file name without extension (as Python's logging names a module).</summary>
    public static string Module(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        var name = path[(slash + 1)..];
        int dot = name.LastIndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>The context fields of the open scopes (inner scopes win).</summary>
    public static (string? Request, string? Agent, string? Session) Context(IExternalScopeProvider? scopes)
    {
        if (scopes is null) return default;
        var found = new string?[3];
        scopes.ForEachScope(static (scope, found) =>
        {
            if (scope is not IEnumerable<KeyValuePair<string, object?>> fields) return;
            foreach (var (k, v) in fields)
            {
                int i = k switch { "request_id" => 0, "agent_id" => 1, "session_id" => 2, _ => -1 };
                if (i >= 0 && v is not null) found[i] = v.ToString();
            }
        }, found);
        return (found[0], found[1], found[2]);
    }
}
