namespace Pwmk.Bench.Shared;

/// <summary>Where the PWMK checkout this program was built from lies (its scripts and helper projects live there).</summary>
internal static class Repository
{
    /// <summary>
    /// The first folder, from the current one or this program's own upwards, that holds <c>Pwmk.slnx</c>; null outside
    /// a checkout.
    /// </summary>
    public static string? Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Pwmk.slnx"))) return d.FullName;
            }
        }
        return null;
    }

    /// <summary>A file of the checkout, or null when there is no checkout or no such file.</summary>
    public static string? Find(string relative) =>
        Root() is { } root && File.Exists(Path.Combine(root, relative)) ? Path.Combine(root, relative) : null;
}
