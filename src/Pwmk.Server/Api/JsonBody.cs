using System.Text.Json;

namespace Pwmk.Server.Api;

/// <summary>Reads a JSON request body, turning every failure into a 400/415 problem naming what was wrong and where.</summary>
internal static class JsonBody
{
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web) { MaxDepth = 32 };

    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, Problems.Result(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", "Send the body as application/json."));
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, s_options, request.HttpContext.RequestAborted).ConfigureAwait(false);
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
