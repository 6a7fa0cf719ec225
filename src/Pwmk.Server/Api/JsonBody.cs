using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pwmk.Server.Api;

/// <summary>Reads a JSON request body, turning every failure into a 400/415 problem naming what was wrong and where.</summary>
internal static class JsonBody
{
    /// <summary>Deepest nesting a body may have.</summary>
    public const int MaxDepth = 32;

    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web) { MaxDepth = MaxDepth, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    public static Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class =>
        ReadAsync(request, (JsonTypeInfo<T>)s_options.GetTypeInfo(typeof(T)));

    /// <summary>Reads the body with the given metadata (source-generated, with the same options, for the hot paths).</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, Problems.Result(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", "Send the body as application/json."));
        try
        {
            var value = await request.ReadFromJsonAsync(type, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value is null
                ? (null, Problems.Result(StatusCodes.Status400BadRequest, "Bad Request", "The request body is empty or null."))
                : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is long line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return (null, Problems.Result(StatusCodes.Status400BadRequest, "Bad Request", $"The request body is not valid JSON for this endpoint{where}: {Short(e.Message)}"));
        }
    }

    private static string Short(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    public static IResult BadRequest(string detail) => Problems.Result(StatusCodes.Status400BadRequest, "Bad Request", detail);

    public static IResult NotFound(string detail) => Problems.Result(StatusCodes.Status404NotFound, "Not Found", detail);
}
