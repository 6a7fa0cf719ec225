namespace Pwmk.Core.ToMi;

/// <summary>Reads ToMi <c>.trace</c> files: one line per question, comma-separated story actions, then question type, then story type.</summary>
public static class TomiTrace
{
    /// <summary>The question type of every line, in order.</summary>
    public static List<string> ReadQuestionTypes(TextReader reader, string source = "<trace>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var types = new List<string>();
        string? line;
        int n = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            n++;
            if (line.Length == 0) continue;
            var parts = line.Split(',');
            if (parts.Length < 2) throw new TomiFormatException(source, n, 1, "expected 'actions...,question_type,story_type'");
            string t = parts[^2];
            if (t.Length == 0 || !t.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new TomiFormatException(source, n, line.Length - parts[^1].Length - t.Length, $"bad question type '{t}'");
            types.Add(t);
        }
        return types;
    }

    public static List<string> ReadQuestionTypesFile(string path)
    {
        using var r = new StreamReader(path);
        return ReadQuestionTypes(r, path);
    }
}
