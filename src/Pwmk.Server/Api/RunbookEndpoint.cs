using Markdig;

namespace Pwmk.Server.Api;

/// <summary>
/// <c>GET /runbook</c>: docs/OPERATIONS.md as the server was built with it, as HTML with an anchor per heading (an alert's
/// section is its lower-cased name), so the <c>runbook_url</c> of every alert opens on what it means and what to do.
/// </summary>
internal static class RunbookEndpoint
{
    private static readonly Lazy<string> s_page = new(Render);

    public static void Map(WebApplication app) =>
        app.MapGet("/runbook", () => Results.Content(s_page.Value, "text/html; charset=utf-8")).ExcludeFromDescription();

    private static string Render()
    {
        using var stream = typeof(RunbookEndpoint).Assembly.GetManifestResourceStream("docs/OPERATIONS.md")
            ?? throw new InvalidOperationException("docs/OPERATIONS.md is not embedded in Pwmk.Server");
        using var reader = new StreamReader(stream);
        var pipeline = new MarkdownPipelineBuilder().UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
            .UsePipeTables().DisableHtml().Build();
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>PWMK operations</title>"
            + "<link rel=\"stylesheet\" href=\"/ui/style.css\"></head><body><main class=\"doc\">\n"
            + Markdown.ToHtml(reader.ReadToEnd(), pipeline) + "</main></body></html>\n";
    }
}
