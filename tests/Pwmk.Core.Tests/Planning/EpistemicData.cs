namespace Pwmk.Core.Tests.Planning;

/// <summary>The mA* problems of the shared data set (<c>$PWMK_DATA/epistemic</c>); tests using it are <c>[DataFact("epistemic")]</c>.</summary>
internal static class EpistemicData
{
    public static string Root => TestData.In("epistemic");

    public static string Mastar => Path.Combine(Root, "mastar");

    public static string File(string relative) => Path.Combine(Mastar, relative);
}
