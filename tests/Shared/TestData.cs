namespace Pwmk.Tests.Shared;

/// <summary>
/// Third-party data sets (ToMi, the mA* problems, Hi-ToM) are never copied into the repository: tests that need them
/// read the folder named by the environment variable <c>PWMK_DATA</c> (<c>.ci/run</c> points it at
/// <c>../shared/data</c>). When it is unset or lacks the data set, those tests are reported as skipped, with the reason.
/// </summary>
internal static class TestData
{
    /// <summary>The environment variable naming the data folder.</summary>
    public const string Variable = "PWMK_DATA";

    /// <summary>The data folder, or null when <c>PWMK_DATA</c> is unset or names no folder.</summary>
    public static string? Root { get; } =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } d && Directory.Exists(d) ? Path.GetFullPath(d) : null;

    /// <summary>True when the data set's folder (<c>tomi</c>, <c>epistemic</c>, <c>hitom</c>) is there.</summary>
    public static bool Has(string dataSet) => Root is not null && Directory.Exists(Path.Combine(Root, dataSet));

    /// <summary>The path of <paramref name="relative"/> inside a data set (the test must be a <see cref="DataFactAttribute"/> or <see cref="DataTheoryAttribute"/>).</summary>
    public static string In(string dataSet, string relative = "") =>
        Root is null ? throw new InvalidOperationException($"{Variable} is not set") : Path.Combine(Root, dataSet, relative);

    /// <summary>
    /// A third-party schema folder kept beside the data folder (<c>PWMK_DATA/../schemas/NAME</c>: ../shared/schemas in CI),
    /// or null when it is not there.
    /// </summary>
    public static string? Schemas(string name) =>
        Root is not null && Path.GetFullPath(Path.Combine(Root, "..", "schemas", name)) is var d && Directory.Exists(d) ? d : null;

    /// <summary>Why a test of <paramref name="dataSet"/> is skipped, or null when it runs.</summary>
    public static string? SkipReason(string dataSet) =>
        Has(dataSet) ? null : $"data set '{dataSet}' not found: set {Variable} to the folder holding it (../shared/data in CI)";
}

/// <summary>A fact that needs a third-party data set under <c>PWMK_DATA</c>; skipped (with the reason) when it is absent.</summary>
internal sealed class DataFactAttribute : FactAttribute
{
    public DataFactAttribute(string dataSet) => Skip = TestData.SkipReason(dataSet);
}

/// <summary>A theory that needs a third-party data set under <c>PWMK_DATA</c>; skipped (with the reason) when it is absent.</summary>
internal sealed class DataTheoryAttribute : TheoryAttribute
{
    public DataTheoryAttribute(string dataSet) => Skip = TestData.SkipReason(dataSet);
}

/// <summary>A fact that needs a third-party schema folder beside <c>PWMK_DATA</c> (see <see cref="TestData.Schemas"/>); skipped when absent.</summary>
internal sealed class SchemaFactAttribute : FactAttribute
{
    public SchemaFactAttribute(string name) =>
        Skip = TestData.Schemas(name) is null ? $"schemas '{name}' not found: set {TestData.Variable} to a data folder with a sibling schemas/{name} (../shared/data in CI)" : null;
}
