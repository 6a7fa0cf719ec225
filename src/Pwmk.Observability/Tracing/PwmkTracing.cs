using System.Diagnostics;

namespace Pwmk.Observability.Tracing;

/// <summary>
/// The ActivitySource "Pwmk" and the equivalent of the specification's <c>instrument_method</c> decorator: one way to
/// wrap an operation in a span that ends with status OK, or ERROR with the exception recorded, and rethrows.
/// <code>var r = PwmkTracing.Trace("belief_query", _ => store.Query(q), ("component", "belief_store"));</code>
/// </summary>
public static class PwmkTracing
{
    /// <summary>Name of the ActivitySource (and Meter) the domain emits on.</summary>
    public const string SourceName = ObservabilityDiagnostics.Name;

    private static ActivitySource Source => ObservabilityDiagnostics.Source;

    /// <summary>Runs <paramref name="body"/> inside a span named <paramref name="operation"/>.</summary>
    public static T Trace<T>(string operation, Func<Activity?, T> body, params (string Key, object? Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var span = Start(operation, attributes);
        try
        {
            var result = body(span);
            span?.SetStatus(ActivityStatusCode.Ok);
            return result;
        }
        catch (Exception e)
        {
            Fail(span, e);
            throw;
        }
    }

    /// <summary>Runs <paramref name="body"/> inside a span named <paramref name="operation"/>.</summary>
    public static void Trace(string operation, Action<Activity?> body, params (string Key, object? Value)[] attributes) =>
        Trace<object?>(operation, s => { body(s); return null; }, attributes);

    /// <summary>Runs an asynchronous <paramref name="body"/> inside a span named <paramref name="operation"/>.</summary>
    public static async Task<T> TraceAsync<T>(string operation, Func<Activity?, Task<T>> body, params (string Key, object? Value)[] attributes)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var span = Start(operation, attributes);
        try
        {
            var result = await body(span).ConfigureAwait(false);
            span?.SetStatus(ActivityStatusCode.Ok);
            return result;
        }
        catch (Exception e)
        {
            Fail(span, e);
            throw;
        }
    }

    private static Activity? Start(string operation, (string Key, object? Value)[] attributes)
    {
        var span = Source.StartActivity(operation);
        if (span is not null)
            foreach (var (k, v) in attributes) span.SetTag(k, v);
        return span;
    }

    private static void Fail(Activity? span, Exception e)
    {
        if (span is null) return;
        span.SetStatus(ActivityStatusCode.Error, e.Message);
        span.AddException(e);
    }
}
