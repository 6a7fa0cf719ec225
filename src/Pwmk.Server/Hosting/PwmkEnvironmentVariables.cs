using System.Collections;

namespace Pwmk.Server.Hosting;

/// <summary>
/// Maps environment variables <c>PWMK_NAME_PARTS=value</c> to configuration keys <c>Pwmk:NAMEPARTS</c>
/// (binding ignores case and the underscores are dropped, so <c>PWMK_API_KEY</c> sets <see cref="PwmkServerOptions.ApiKey"/>);
/// <c>PWMK_URLS</c> sets the listening URLs.
/// </summary>
internal static class PwmkEnvironmentVariables
{
    public static Dictionary<string, string?> Read(IDictionary? variables = null)
    {
        variables ??= Environment.GetEnvironmentVariables();
        var map = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in variables)
        {
            if (e.Key is not string name || !name.StartsWith("PWMK_", StringComparison.OrdinalIgnoreCase)) continue;
            var rest = name[5..];
            if (rest.Length == 0) continue;
            var value = e.Value as string;
            if (rest.Equals("URLS", StringComparison.OrdinalIgnoreCase)) map["urls"] = value;
            else map["Pwmk:" + rest.Replace("_", "", StringComparison.Ordinal)] = value;
        }
        return map;
    }
}
