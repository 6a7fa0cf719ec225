using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pwmk.Logic;
using Pwmk.Logic.Parsing;

namespace Pwmk.Cli.Commands;

/// <summary>The JSON of <c>pwmk query --format json</c>, generated at compile time (no reflection: the native build is trimmed).</summary>
[JsonSerializable(typeof(List<Dictionary<string, string>>))]
internal sealed partial class QueryJson : JsonSerializerContext;

/// <summary><c>pwmk query</c>: consult program files and run one query on the belief-store engine.</summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var query = new Option<string>("--goal", "-g") { Description = "The goal, e.g. \"believes(X, at(key, R))\"", Required = true };
        var files = new Option<string[]>("--program", "-p") { Description = "Program files (.pl) to consult first", AllowMultipleArgumentsPerToken = true };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var limit = new Option<int>("--limit") { Description = "Maximum number of solutions", DefaultValueFactory = _ => 100 };
        var timeout = new Option<int>("--timeout-ms") { Description = "Time limit in milliseconds", DefaultValueFactory = _ => 10_000 };
        var cmd = new Command("query", "Run a Prolog query on the belief store (SWI-Prolog syntax, AND/OR/NOT sugar)")
        {
            query, files, format, limit, timeout,
        };
        cmd.SetAction(r => Run(r.GetValue(query)!, r.GetValue(files) ?? [], r.GetValue(format)!, r.GetValue(limit), r.GetValue(timeout)));
        return cmd;
    }

    private static int Run(string query, string[] files, string format, int limit, int timeoutMs)
    {
        if (format is not ("text" or "json"))
        {
            Console.Error.WriteLine($"--format: expected text or json, got '{format}'");
            return Program.BadInput;
        }
        var engine = new PrologEngine();
        // as swipl: every problem of a program is reported and loading goes on; a directive that fails or raises an
        // error is a warning, a clause that cannot be loaded an error (the query still runs on the rest, and the exit
        // status says the program was bad)
        int loadErrors = 0;
        foreach (var f in files)
        {
            string text;
            try { text = File.ReadAllText(f); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"{f}: {e.Message}");
                return Program.BadInput;
            }
            var cr = engine.Consult(text, f);
            if (format == "text") Console.Write(cr.Output);
            foreach (var w in cr.Warnings) Console.Error.WriteLine($"{w.Source}:{w.Line}:{w.Column}: warning: {w.Message}");
            foreach (var err in cr.Errors) Console.Error.WriteLine(err);
            loadErrors += cr.Errors.Count;
        }
        QueryResult result;
        // text: what the query writes goes to the standard output as it runs (buffered), as in swipl, so it is kept
        // also when the query then raises an error
        using var stdout = format == "text" ? new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false } : null;
        try
        {
            var options = new QueryOptions { MaxSolutions = Math.Max(1, limit), Timeout = TimeSpan.FromMilliseconds(Math.Max(1, timeoutMs)), Output = stdout };
            var progress = ProgressLine.For(Console.Error, format == "json");
            result = progress.Run("query", () => engine.Query(query, options));
        }
        catch (SyntaxErrorException e)
        {
            Console.Error.WriteLine(e.Message);
            return Program.BadInput;
        }
        catch (PrologException e)
        {
            Console.Error.WriteLine(e.Message);
            return Program.BadInput;
        }
        finally
        {
            stdout?.Flush();
        }
        if (format == "json")
        {
            var arr = result.Solutions.Select(s => s.Bindings.ToDictionary(b => b.Key, b => b.Value.ToString())).ToList();
            Console.WriteLine(JsonSerializer.Serialize(arr, QueryJson.Default.ListDictionaryStringString));
        }
        else
        {
            Console.Write(result.Output);
            foreach (var s in result.Solutions) Console.WriteLine(s + ".");
            if (!result.Succeeded) Console.WriteLine("false.");
            if (result.Truncated) Console.Error.WriteLine($"(stopped after {result.Solutions.Count} solutions; --limit raises it)");
        }
        if (loadErrors > 0)
        {
            Console.Error.WriteLine($"pwmk: {loadErrors} error(s) while loading the program: the answers come from the clauses that loaded");
            return Program.BadInput;
        }
        return result.Succeeded ? Program.Ok : Program.NoResult;
    }
}
