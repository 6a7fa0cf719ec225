using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Pwmk.Observability.Hosting;
using Pwmk.Observability.Logging;

namespace Pwmk.Observability.Tests.Logging;

public partial class StructuredLogTests
{
    /// <summary>A log message as PWMK declares them: source-generated, with the caller's file, method and line.</summary>
    [LoggerMessage(LogLevel.Information, "Starting training step {Step} with batch {BatchSize}")]
    private static partial void TrainingStep(ILogger log, int step, int batchSize,
        [CallerMemberName] string function = "", [CallerFilePath] string module = "", [CallerLineNumber] int line = 0);

    private static int Here([CallerLineNumber] int line = 0) => line;

    /// <summary>Loggers whose lines go through <paramref name="formatter"/> into a string, as the console logger would write them.</summary>
    private static (ILoggerFactory Factory, StringWriter Output) Capture(ConsoleFormatter formatter, LogLevel minimum = LogLevel.Debug)
    {
        var output = new StringWriter();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(new FormatterProvider(formatter, output)));
        return (factory, output);
    }

    private static List<JsonObject> Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void Each_line_is_a_json_object_with_the_specified_fields_and_the_events_own_fields()
    {
        var (factory, output) = Capture(new PwmkJsonFormatter());
        using var _ = factory;
        var log = factory.CreateLogger("Pwmk.WorldModel");
        TrainingStep(log, 7, 32); int expectedLine = Here();
        log.LogError(new InvalidOperationException("boom"), "Step failed");
        var lines = Lines(output);
        Assert.Equal(2, lines.Count);
        var first = lines[0];
        Assert.Equal("INFO", (string?)first["level"]);
        Assert.Equal("Pwmk.WorldModel", (string?)first["logger"]);
        Assert.Equal("Starting training step 7 with batch 32", (string?)first["message"]);
        Assert.Equal(7, (int)first["Step"]!);
        Assert.Equal(32, (int)first["BatchSize"]!);
        // where the line was written, from compile-time caller attributes (no stack walk)
        Assert.Equal("StructuredLogTests", (string?)first["module"]);
        Assert.Equal(nameof(Each_line_is_a_json_object_with_the_specified_fields_and_the_events_own_fields), (string?)first["function"]);
        Assert.Equal(expectedLine, (int)first["line"]!);
        var ts = DateTime.Parse((string)first["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.Equal(DateTimeKind.Utc, ts.Kind);
        Assert.Contains("InvalidOperationException: boom", (string?)lines[1]["exception"]);
        Assert.Equal("ERROR", (string?)lines[1]["level"]);
        // a line of code that gives no caller information has none (no made-up module)
        Assert.False(lines[1].ContainsKey("module"));
    }

    [Fact]
    public async Task Context_fields_follow_the_open_scopes_across_awaits_and_tasks_and_may_be_set_after_the_scope_opened()
    {
        var (factory, output) = Capture(new PwmkJsonFormatter());
        using var _ = factory;
        var log = factory.CreateLogger("pwmk");
        log.LogInformation("before");
        var request = new LogContext { RequestId = "obs_1a2b3c4d" };
        using (log.BeginScope(request))
        {
            request.AgentId = "sally"; // an endpoint learns which agent the request is about after the scope opened
            await Task.Yield();
            using (log.BeginScope(new LogContext { SessionId = "s1" }))
                await Task.Run(() => log.LogInformation("inside"));
            log.LogInformation("after the session");
        }
        log.LogInformation("after");
        var lines = Lines(output);
        Assert.False(lines[0].ContainsKey("request_id"));
        Assert.Equal("obs_1a2b3c4d", (string?)lines[1]["request_id"]);
        Assert.Equal("sally", (string?)lines[1]["agent_id"]);
        Assert.Equal("s1", (string?)lines[1]["session_id"]);
        Assert.Equal("sally", (string?)lines[2]["agent_id"]);
        Assert.False(lines[2].ContainsKey("session_id"));
        Assert.False(lines[3].ContainsKey("request_id"));
        Assert.False(lines[3].ContainsKey("agent_id"));
    }

    [Fact]
    public void Trace_and_span_ids_appear_while_a_span_is_active()
    {
        var (factory, output) = Capture(new PwmkJsonFormatter());
        using var _ = factory;
        var log = factory.CreateLogger("pwmk");
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
    public void Plain_format_is_timestamp_logger_level_message()
    {
        var (factory, output) = Capture(new PwmkPlainFormatter(), LogLevel.Warning);
        using var _ = factory;
        var log = factory.CreateLogger("pwmk");
        log.LogInformation("hidden");
        log.LogWarning("shown {x}", 1);
        var text = output.ToString();
        Assert.DoesNotContain("hidden", text);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - pwmk - WARNING - shown 1\n$", text);
    }

    [Theory]
    [InlineData("debug", LogLevel.Debug, true, false)]
    [InlineData("trace", LogLevel.Trace, true, true)]
    [InlineData("information", LogLevel.Information, true, false)]
    [InlineData("warning", LogLevel.Information, false, false)]
    public void The_log_level_option_decides_even_when_the_configuration_has_a_default(string option, LogLevel probe, bool pwmkEnabled, bool frameworkEnabled)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information", // what a stock appsettings.json says
            ["Observability:LogLevel"] = option,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConfiguration(config.GetSection("Logging")));
        services.AddPwmkObservability(config);
        using var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<ILoggerFactory>();
        Assert.Equal(pwmkEnabled, factory.CreateLogger("Pwmk.Server").IsEnabled(probe));
        Assert.Equal(frameworkEnabled, factory.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(probe));
        // request lines (information, from ASP.NET Core's HTTP logging) are written at debug and trace only
        Assert.Equal(option is "debug" or "trace", factory.CreateLogger("Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware").IsEnabled(LogLevel.Information));
    }

    /// <summary>What the console logger does with a formatter, writing into a string instead of the console.</summary>
    private sealed class FormatterProvider(ConsoleFormatter formatter, StringWriter output) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() { }

        private sealed class Logger(FormatterProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner)
                    owner.Formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), owner._scopes, owner.Output);
            }
        }

        private ConsoleFormatter Formatter => formatter;
        private StringWriter Output => output;
    }
}
