using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Pwmk.Observability.Logging;

namespace Pwmk.Observability.Tests.Logging;

public class StructuredLogTests
{
    private static (ILogger Logger, StringWriter Output) Logger(LogFormat format = LogFormat.Structured)
    {
        var output = new StringWriter();
        var provider = new PwmkLoggerProvider(format, LogLevel.Debug, output);
        return (provider.CreateLogger("Pwmk.WorldModel"), output);
    }

    private static List<JsonObject> Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void Each_line_is_a_json_object_with_the_specified_fields_and_the_events_own_fields()
    {
        var (log, output) = Logger();
        log.LogInformation("Starting training step {step} with batch {batch_size}", 7, 32);
        log.LogError(new InvalidOperationException("boom"), "Step failed");
        var lines = Lines(output);
        Assert.Equal(2, lines.Count);
        var first = lines[0];
        foreach (var f in new[] { "timestamp", "level", "logger", "message", "module", "function", "line" })
            Assert.True(first.ContainsKey(f), $"missing {f}: {first}");
        Assert.Equal("INFO", (string?)first["level"]);
        Assert.Equal("Pwmk.WorldModel", (string?)first["logger"]);
        Assert.Equal("Starting training step 7 with batch 32", (string?)first["message"]);
        Assert.Equal(7, (int)first["step"]!);
        Assert.Equal(32, (int)first["batch_size"]!);
        Assert.Equal("StructuredLogTests", (string?)first["module"]);
        Assert.Equal(nameof(Each_line_is_a_json_object_with_the_specified_fields_and_the_events_own_fields), (string?)first["function"]);
        Assert.True((int)first["line"]! > 0);
        var ts = DateTime.Parse((string)first["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.Equal(DateTimeKind.Utc, ts.Kind);
        Assert.Contains("InvalidOperationException: boom", (string?)lines[1]["exception"]);
        Assert.Equal("ERROR", (string?)lines[1]["level"]);
    }

    [Fact]
    public async Task Context_fields_are_set_inside_a_scope_across_awaits_and_absent_outside()
    {
        var (log, output) = Logger();
        log.LogInformation("before");
        using (LogContext.Push(requestId: "obs_1a2b3c4d", agentId: "sally", sessionId: "s1"))
        {
            await Task.Yield();
            await Task.Run(() => log.LogInformation("inside"));
        }
        log.LogInformation("after");
        var lines = Lines(output);
        Assert.False(lines[0].ContainsKey("agent_id"));
        Assert.Equal("sally", (string?)lines[1]["agent_id"]);
        Assert.Equal("obs_1a2b3c4d", (string?)lines[1]["request_id"]);
        Assert.Equal("s1", (string?)lines[1]["session_id"]);
        Assert.False(lines[2].ContainsKey("request_id"));
        Assert.False(lines[2].ContainsKey("session_id"));
    }

    [Fact]
    public void Trace_and_span_ids_appear_while_a_span_is_active()
    {
        var (log, output) = Logger();
        using var source = new ActivitySource("Pwmk.Tests.Logs");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string trace, span;
        using (var a = source.StartActivity("planning")!)
        {
            trace = a.TraceId.ToHexString();
            span = a.SpanId.ToHexString();
            log.LogInformation("planning");
        }
        log.LogInformation("no span");
        var lines = Lines(output);
        Assert.Equal(trace, (string?)lines[0]["trace_id"]);
        Assert.Equal(span, (string?)lines[0]["span_id"]);
        Assert.False(lines[1].ContainsKey("trace_id"));
    }

    [Fact]
    public void Plain_format_and_level_filter()
    {
        var output = new StringWriter();
        var log = new PwmkLoggerProvider(LogFormat.Plain, LogLevel.Warning, output).CreateLogger("pwmk");
        log.LogInformation("hidden");
        log.LogWarning("shown {x}", 1);
        var text = output.ToString();
        Assert.DoesNotContain("hidden", text);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - pwmk - WARNING - shown 1\n$", text);
        Assert.Equal(LogFormat.Plain, PwmkLoggerProvider.ParseFormat("plain"));
        Assert.Null(PwmkLoggerProvider.ParseLevel("loud"));
    }
}
