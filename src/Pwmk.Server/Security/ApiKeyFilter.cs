using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Security;

/// <summary>
/// Guards mutating endpoints. With a key configured the request must carry it (<c>X-API-Key: KEY</c> or
/// <c>Authorization: Bearer KEY</c>): missing gives 401, wrong gives 403; keys are compared in constant time.
/// Without a key configured only loopback clients may mutate (others get 403).
/// </summary>
internal sealed class ApiKeyFilter(IOptions<PwmkServerOptions> options) : IEndpointFilter
{
    private readonly byte[]? _key = string.IsNullOrEmpty(options.Value.ApiKey) ? null : Encoding.UTF8.GetBytes(options.Value.ApiKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (_key is null)
        {
            var ip = http.Connection.RemoteIpAddress;
            if (ip is null || !IPAddress.IsLoopback(ip))
                return ValueTask.FromResult<object?>(Problems.Result(StatusCodes.Status403Forbidden, "Forbidden",
                    "No API key is configured, so changes are accepted only from loopback clients. Set PWMK_API_KEY (or --api-key) to allow remote clients."));
            return next(context);
        }
        var given = Presented(http.Request);
        if (given is null)
            return ValueTask.FromResult<object?>(Problems.Result(StatusCodes.Status401Unauthorized, "Unauthorized",
                "This endpoint needs an API key: send 'X-API-Key: KEY' or 'Authorization: Bearer KEY'.", www: "Bearer"));
        if (!Matches(given))
            return ValueTask.FromResult<object?>(Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", "The API key is not valid."));
        return next(context);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-API-Key", out var k) && !string.IsNullOrEmpty(k.ToString())) return k.ToString();
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth.Length > 7) return auth[7..].Trim();
        return null;
    }

    /// <summary>Constant-time comparison (independent of where the first difference is; lengths are hashed first).</summary>
    internal bool Matches(string given)
    {
        var a = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        var b = SHA256.HashData(_key!);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
