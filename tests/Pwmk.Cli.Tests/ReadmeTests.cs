using System.Net;
using System.Text.RegularExpressions;
using Markdig;

namespace Pwmk.Cli.Tests;

/// <summary>The README as a reader sees it: rendered to HTML by a CommonMark library, nothing of its text is lost.</summary>
public partial class ReadmeTests
{
    private static string Readme()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var path = Path.Combine(d.FullName, "README.md");
            if (File.Exists(path) && File.Exists(Path.Combine(d.FullName, "Pwmk.slnx"))) return File.ReadAllText(path);
        }
        throw new FileNotFoundException("README.md not found above the test folder");
    }

    [GeneratedRegex(@"[\p{L}\p{N}_]+")]
    private static partial Regex Word();

    [GeneratedRegex(@"\]\([^)\s]*\)")]
    private static partial Regex LinkTarget();

    [GeneratedRegex(@"^\s*```.*$", RegexOptions.Multiline)]
    private static partial Regex FenceLine();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"href=""([^""]*)""")]
    private static partial Regex Href();

    private static Dictionary<string, int> Count(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in Word().Matches(text)) counts[m.Value] = counts.GetValueOrDefault(m.Value) + 1;
        return counts;
    }

    [Fact]
    public void Every_word_of_the_readme_survives_rendering()
    {
        string source = Readme();
        string html = Markdown.ToHtml(source, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build());
        // what a reader sees: the text between the tags, entities decoded, plus where links go
        string seen = WebUtility.HtmlDecode(Tag().Replace(html, " ")) + " " + string.Join(" ", Href().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)));
        var shown = Count(seen);
        var lost = new List<string>();
        // fence lines (and their language names) and link targets are not text a reader reads
        foreach (var (word, n) in Count(LinkTarget().Replace(FenceLine().Replace(source, ""), "]")))
            if (shown.GetValueOrDefault(word) < n) lost.Add($"{word} ({n} in the source, {shown.GetValueOrDefault(word)} shown)");
        Assert.True(lost.Count == 0, "text lost in the rendered README (an unfenced generic type or tag?): " + string.Join(", ", lost));
    }

    [Fact]
    public void Code_fences_are_balanced()
    {
        int fences = Readme().Split('\n').Count(l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
        Assert.True(fences % 2 == 0, $"{fences} fence lines: one is not closed");
    }
}
