using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Pwmk.Observability.Logging;

/// <summary>Log line format: one JSON object per line (default, as in the specification) or plain text.</summary>
public enum LogFormat
{
    /// <summary>JSON lines with timestamp, level, logger, message, module, function, line, fields, context and trace ids.</summary>
    Structured,
    /// <summary><c>timestamp - logger - LEVEL - message</c>.</summary>
    Plain,
}

/// <summary>
/// Writes log events as structured JSON lines: <c>timestamp</c> (UTC ISO-8601), <c>level</c>, <c>logger</c>,
/// <c>message</c>, <c>module</c>, <c>function</c>, <c>line</c> (the calling source file, method and line), the
/// event's own fields, <c>exception</c> when there is one, the <see cref="LogContext"/> fields set in scope and
/// <c>trace_id</c>/<c>span_id</c> when a span is active. Or plain text lines.
/// </summary>
public sealed class PwmkLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, PwmkLogger> _loggers = new();

    /// <summary>Writes to <paramref name="writer"/> (standard output when null).</summary>
    public PwmkLoggerProvider(LogFormat format = LogFormat.Structured, LogLevel minimum = LogLevel.Information, TextWriter? writer = null)
    {
        Format = format;
        Minimum = minimum;
        _writer = writer ?? Console.Out;
    }

    /// <summary>The line format.</summary>
    public LogFormat Format { get; }

    /// <summary>The lowest level written.</summary>
    public LogLevel Minimum { get; }

    /// <summary>Parses <c>--log-level</c> values (trace, debug, info/information, warning, error, critical); null when unknown.</summary>
    public static LogLevel? ParseLevel(string text) => text.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" or "fatal" => LogLevel.Critical,
        _ => null,
    };

    /// <summary>Parses <c>--log-format</c> values (structured, plain); null when unknown.</summary>
    public static LogFormat? ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "structured" or "json" => LogFormat.Structured,
        "plain" or "text" => LogFormat.Plain,
        _ => null,
    };

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, n => new PwmkLogger(n, this));

    /// <inheritdoc />
    public void Dispose() => _writer.Flush();

    internal void Write(string line)
    {
        lock (_gate)
        {
            _writer.Write(line);
            _writer.Flush();
        }
    }

    private static string LevelName(LogLevel l) => l switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    private sealed class PwmkLogger(string category, PwmkLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string message = formatter(state, exception);
            var now = DateTime.UtcNow;
            if (owner.Format == LogFormat.Plain)
            {
                owner.Write($"{now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture)} - {category} - {LevelName(logLevel)} - {message}"
                    + (exception is null ? "" : "\n" + exception) + "\n");
                return;
            }
            var (module, function, line) = Caller();
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                w.WriteString("timestamp", now.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
                w.WriteString("level", LevelName(logLevel));
                w.WriteString("logger", category);
                w.WriteString("message", message);
                w.WriteString("module", module);
                w.WriteString("function", function);
                w.WriteNumber("line", line);
                if (eventId.Id != 0) w.WriteNumber("event_id", eventId.Id);
                if (state is IEnumerable<KeyValuePair<string, object?>> fields)
                {
                    foreach (var (k, v) in fields)
                    {
                        if (k == "{OriginalFormat}" || IsReserved(k)) continue;
                        WriteValue(w, k, v);
                    }
                }
                if (exception is not null) w.WriteString("exception", exception.ToString());
                if (LogContext.Current is { } c)
                {
                    if (c.RequestId is not null) w.WriteString("request_id", c.RequestId);
                    if (c.AgentId is not null) w.WriteString("agent_id", c.AgentId);
                    if (c.SessionId is not null) w.WriteString("session_id", c.SessionId);
                }
                if (Activity.Current is { } span)
                {
                    w.WriteString("trace_id", span.TraceId.ToHexString());
                    w.WriteString("span_id", span.SpanId.ToHexString());
                }
                w.WriteEndObject();
            }
            owner.Write(Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length) + "\n");
        }

        private static bool IsReserved(string k) => k is "timestamp" or "level" or "logger" or "message" or "module" or "function" or "line"
            or "exception" or "request_id" or "agent_id" or "session_id" or "trace_id" or "span_id";

        private static void WriteValue(Utf8JsonWriter w, string k, object? v)
        {
            switch (v)
            {
                case null: w.WriteNull(k); break;
                case bool b: w.WriteBoolean(k, b); break;
                case int or long or short or byte or uint or ulong: w.WriteNumber(k, Convert.ToInt64(v, CultureInfo.InvariantCulture)); break;
                case double d when double.IsFinite(d): w.WriteNumber(k, d); break;
                case float f when float.IsFinite(f): w.WriteNumber(k, f); break;
                case decimal m: w.WriteNumber(k, m); break;
                case IFormattable f: w.WriteString(k, f.ToString(null, CultureInfo.InvariantCulture)); break;
                default: w.WriteString(k, v.ToString()); break;
            }
        }

        /// <summary>The first frame outside logging code: its file name (module), method and line.</summary>
        private static (string Module, string Function, int Line) Caller()
        {
            var trace = new StackTrace(2, fNeedFileInfo: true);
            foreach (var frame in trace.GetFrames())
            {
                var method = frame.GetMethod();
                var ns = method?.DeclaringType?.Namespace ?? "";
                if (method is null || ns.StartsWith("Microsoft.Extensions.Logging", StringComparison.Ordinal)
                    || ns.StartsWith("Pwmk.Observability.Logging", StringComparison.Ordinal) || ns.StartsWith("System", StringComparison.Ordinal))
                    continue;
                var file = frame.GetFileName();
                var type = method.DeclaringType;
                // compiler-generated async/lambda types: report the user method name
                string name = method.Name;
                if (type is not null && type.Name.StartsWith('<') && type.Name.IndexOf('>') is > 1 and var end) name = type.Name[1..end];
                else if (name.StartsWith('<') && name.IndexOf('>') is > 1 and var e2) name = name[1..e2];
                string module = file is not null ? Path.GetFileNameWithoutExtension(file) : (type?.DeclaringType ?? type)?.Name ?? "";
                return (module, name, frame.GetFileLineNumber());
            }
            return ("", "", 0);
        }
    }
}
