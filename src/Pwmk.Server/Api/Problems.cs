using Microsoft.AspNetCore.Mvc;

namespace Pwmk.Server;

/// <summary>RFC 9457 problem details (application/problem+json), never with stack traces.</summary>
internal static class Problems
{
    /// <summary>Longest detail sent: details quoting request input are cut here, so a problem never echoes a huge body back.</summary>
    public const int MaxDetailLength = 1000;

    public static IResult Result(int status, string title, string detail, string? www = null, IDictionary<string, object?>? extensions = null)
    {
        if (detail.Length > MaxDetailLength) detail = string.Concat(detail.AsSpan(0, MaxDetailLength), $"... ({detail.Length} characters in all)");
        var pd = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = TypeOf(status) };
        if (extensions is not null)
            foreach (var kv in extensions) pd.Extensions[kv.Key] = kv.Value;
        var result = TypedResults.Problem(pd);
        return www is null ? result : new WithHeader(result, "WWW-Authenticate", www);
    }

    public static Task Write(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return Result(status, title, detail).ExecuteAsync(context);
    }

    public static string TypeOf(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        408 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.9",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        422 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        503 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
        _ => "about:blank",
    };

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
