namespace Pwmk.Core.Tests.Planning;

/// <summary>Locates the shared mA* benchmark folder (../shared/data/epistemic from the repository).</summary>
internal static class EpistemicData
{
    public static string Root { get; } = Find();

    public static string Mastar => Path.Combine(Root, "mastar");

    public static string File(string relative) => Path.Combine(Mastar, relative);

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("PWMK_EPISTEMIC_DATA");
        if (env is not null && Directory.Exists(env))
        {
            return env;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "epistemic");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/data/epistemic not found above the test folder; set PWMK_EPISTEMIC_DATA");
    }
}
