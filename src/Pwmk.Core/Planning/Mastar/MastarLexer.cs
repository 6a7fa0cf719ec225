namespace Pwmk.Core.Planning.Mastar;

/// <summary>Token kinds of the mA* language.</summary>
internal enum TokenKind
{
    Name,
    Punct,
    End,
}

/// <summary>One token with its 1-based position.</summary>
internal readonly record struct MastarToken(TokenKind Kind, string Text, int Line, int Column);

/// <summary>
/// Splits mA* text into names (<c>[a-zA-Z][a-zA-Z_0-9]*</c>, or <c>name(p1,p2)</c> kept as one name
/// unless the name is one of the operators B, C, E, D) and the punctuation <c>; , | ( ) [ ] -</c>;
/// <c>%</c> starts a comment to the end of the line.
/// </summary>
internal static class MastarLexer
{
    public const int MaxLength = 16 * 1024 * 1024;

    public static List<MastarToken> Tokenize(string text, string source)
    {
        if (text.Length > MaxLength)
        {
            throw new MastarSyntaxException(source, 1, 1, $"problem text longer than {MaxLength} characters");
        }
        var tokens = new List<MastarToken>();
        int i = 0, line = 1, col = 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                i++;
                line++;
                col = 1;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                i++;
                col++;
                continue;
            }
            if (c == '%')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
                continue;
            }
            if (";,|()[]-".Contains(c, StringComparison.Ordinal))
            {
                tokens.Add(new MastarToken(TokenKind.Punct, c.ToString(), line, col));
                i++;
                col++;
                continue;
            }
            if (char.IsAsciiLetter(c))
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }
                var name = text[start..i];
                var startCol = col;
                col += i - start;
                if (i < text.Length && text[i] == '(' && name is not ("B" or "C" or "E" or "D"))
                {
                    // name(p1, p2): one name; parameters are names separated by commas.
                    var close = text.IndexOf(')', i);
                    var nl = text.IndexOf('\n', i);
                    if (close < 0 || (nl >= 0 && nl < close))
                    {
                        throw new MastarSyntaxException(source, line, col, $"unclosed '(' after '{name}'");
                    }
                    var args = text[(i + 1)..close].Split(',').Select(a => a.Trim()).ToArray();
                    foreach (var a in args)
                    {
                        if (a.Length == 0 || !char.IsAsciiLetterOrDigit(a[0]) || !a.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
                        {
                            throw new MastarSyntaxException(source, line, col, $"bad parameter '{a}' in '{name}(...)'");
                        }
                    }
                    name = name + "(" + string.Join(",", args) + ")";
                    col += close + 1 - i;
                    i = close + 1;
                }
                tokens.Add(new MastarToken(TokenKind.Name, name, line, startCol));
                continue;
            }
            throw new MastarSyntaxException(source, line, col, $"unexpected character '{c}'");
        }
        tokens.Add(new MastarToken(TokenKind.End, "end of file", line, col));
        return tokens;
    }
}
