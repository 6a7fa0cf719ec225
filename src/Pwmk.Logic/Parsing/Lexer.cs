using System.Globalization;
using System.Numerics;
using System.Text;

namespace Pwmk.Logic.Parsing;

internal enum TokenKind { Atom, QuotedAtom, Var, Int, Float, Str, BackQuoted, Open, OpenCT, Close, OpenList, CloseList, OpenCurly, CloseCurly, Comma, Bar, End, EOF }

internal struct Token
{
    public TokenKind Kind;
    public string Text;          // atom name, var name, string contents
    public BigInteger Int;
    public double Float;
    public bool LayoutBefore;
    public int Line, Column, Offset;
}

/// <summary>A syntax error with its position in the source.</summary>
public sealed class SyntaxErrorException : Exception
{
    public SyntaxErrorException(string message, int line, int column, string? source = null)
        : base(source is null ? $"{line}:{column}: syntax error: {message}" : $"{source}:{line}:{column}: syntax error: {message}")
    {
        Reason = message;
        Line = line;
        Column = column;
        SourceName = source;
    }

    /// <summary>Short reason, such as <c>operator expected</c>.</summary>
    public string Reason { get; }
    public int Line { get; }
    public int Column { get; }
    public string? SourceName { get; }
}

/// <summary>Tokenizer for standard Prolog text, as SWI-Prolog reads it.</summary>
internal sealed class Lexer
{
    private readonly string _s;
    private int _pos;
    private int _line = 1;
    private int _lineStart;
    public string? SourceName { get; init; }

    public Lexer(string text, int start = 0)
    {
        _s = text;
        _pos = start;
    }

    public int Position => _pos;
    public bool AtEnd
    {
        get
        {
            SkipLayout(out _);
            return _pos >= _s.Length;
        }
    }

    public SyntaxErrorException Error(string msg, int line, int col) => new(msg, line, col, SourceName);
    public SyntaxErrorException ErrorHere(string msg) => new(msg, _line, _pos - _lineStart + 1, SourceName);

    internal static bool IsSymbolChar(char c) => c switch
    {
        '#' or '$' or '&' or '*' or '+' or '-' or '.' or '/' or ':' or '<' or '=' or '>' or '?' or '@' or '^' or '~' or '\\' => true,
        _ => false,
    };

    internal static bool IsAlnum(char c) => c == '_' || char.IsLetterOrDigit(c);

    public void SkipChar()
    {
        if (_pos < _s.Length) Advance();
    }

    /// <summary>True when the next character (no layout skipped) is an opening parenthesis.</summary>
    public bool AtOpenParen => _pos < _s.Length && _s[_pos] == '(';

    private char Peek(int k = 0) => _pos + k < _s.Length ? _s[_pos + k] : '\0';

    private void Advance()
    {
        if (_s[_pos] == '\n')
        {
            _line++;
            _lineStart = _pos + 1;
        }
        _pos++;
    }

    private void SkipLayout(out bool any)
    {
        any = false;
        while (_pos < _s.Length)
        {
            char c = _s[_pos];
            if (char.IsWhiteSpace(c)) { Advance(); any = true; }
            else if (c == '%')
            {
                while (_pos < _s.Length && _s[_pos] != '\n') _pos++;
                any = true;
            }
            else if (c == '/' && Peek(1) == '*')
            {
                int l = _line, col = _pos - _lineStart + 1;
                Advance(); Advance();
                while (true)
                {
                    if (_pos >= _s.Length) throw Error("unterminated block comment", l, col);
                    if (_s[_pos] == '*' && Peek(1) == '/') { Advance(); Advance(); break; }
                    Advance();
                }
                any = true;
            }
            else break;
        }
    }

    public Token Next()
    {
        SkipLayout(out bool layout);
        var t = new Token { LayoutBefore = layout, Line = _line, Column = _pos - _lineStart + 1, Offset = _pos };
        if (_pos >= _s.Length)
        {
            t.Kind = TokenKind.EOF;
            return t;
        }
        char c = _s[_pos];
        if (char.IsDigit(c))
        {
            ReadNumber(ref t);
            return t;
        }
        if (c == '_' || char.IsUpper(c))
        {
            int st = _pos;
            while (_pos < _s.Length && IsAlnum(_s[_pos])) _pos++;
            t.Kind = TokenKind.Var;
            t.Text = _s[st.._pos];
            return t;
        }
        if (char.IsLetter(c))
        {
            int st = _pos;
            while (_pos < _s.Length && IsAlnum(_s[_pos])) _pos++;
            t.Kind = TokenKind.Atom;
            t.Text = Solving.Symbols.Name(_s.AsSpan(st, _pos - st));
            return t;
        }
        switch (c)
        {
            case '(':
                _pos++;
                t.Kind = layout ? TokenKind.Open : TokenKind.OpenCT;
                return t;
            case ')': _pos++; t.Kind = TokenKind.Close; return t;
            case '[': _pos++; t.Kind = TokenKind.OpenList; return t;
            case ']': _pos++; t.Kind = TokenKind.CloseList; return t;
            case '{': _pos++; t.Kind = TokenKind.OpenCurly; return t;
            case '}': _pos++; t.Kind = TokenKind.CloseCurly; return t;
            case ',': _pos++; t.Kind = TokenKind.Comma; return t;
            case '|':
                _pos++;
                if (Peek() == '|') { _pos++; t.Kind = TokenKind.Atom; t.Text = "||"; return t; }
                t.Kind = TokenKind.Bar;
                return t;
            case '!': _pos++; t.Kind = TokenKind.Atom; t.Text = "!"; return t;
            case ';': _pos++; t.Kind = TokenKind.Atom; t.Text = ";"; return t;
            case '\'':
                t.Kind = TokenKind.QuotedAtom;
                t.Text = ReadQuoted('\'');
                return t;
            case '"':
                t.Kind = TokenKind.Str;
                t.Text = ReadQuoted('"');
                return t;
            case '`':
                t.Kind = TokenKind.BackQuoted;
                t.Text = ReadQuoted('`');
                return t;
        }
        if (c == '.' && (_pos + 1 >= _s.Length || char.IsWhiteSpace(_s[_pos + 1]) || _s[_pos + 1] == '%'))
        {
            _pos++;
            t.Kind = TokenKind.End;
            return t;
        }
        if (IsSymbolChar(c))
        {
            int st = _pos;
            while (_pos < _s.Length && IsSymbolChar(_s[_pos])) _pos++;
            t.Kind = TokenKind.Atom;
            t.Text = Solving.Symbols.Name(_s.AsSpan(st, _pos - st));
            return t;
        }
        throw ErrorHere(c < ' ' || c == '\uFFFD' ? $"illegal character (code {(int)c})" : $"illegal character '{c}'");
    }

    private void ReadNumber(ref Token t)
    {
        int st = _pos;
        if (_s[_pos] == '0' && _pos + 1 < _s.Length)
        {
            char k = _s[_pos + 1];
            if (k == '\'')
            {
                // 0'c character code
                _pos += 2;
                if (_pos >= _s.Length) throw ErrorHere("end of file in character code");
                int code;
                if (_s[_pos] == '\\')
                {
                    if (Peek(1) == '\n') throw ErrorHere("undefined character escape in character code");
                    code = ReadEscape();
                }
                else if (_s[_pos] == '\'' && Peek(1) == '\'') { _pos += 2; code = '\''; }
                else
                {
                    code = char.ConvertToUtf32(_s, _pos);
                    _pos += char.IsSurrogatePair(_s, _pos) ? 2 : 1;
                }
                t.Kind = TokenKind.Int;
                t.Int = code;
                return;
            }
            int radix = k switch { 'x' => 16, 'o' => 8, 'b' => 2, _ => 0 };
            if (radix != 0 && _pos + 2 < _s.Length && DigitValue(_s[_pos + 2]) is int dv && dv < radix)
            {
                _pos += 2;
                t.Kind = TokenKind.Int;
                t.Int = ReadDigits(radix);
                return;
            }
        }
        BigInteger whole = ReadDigits(10);
        // radix notation R'digits
        if (Peek() == '\'' && whole >= 2 && whole <= 36 && DigitValue(Peek(1)) is int d0 && d0 < (int)whole)
        {
            _pos++;
            t.Kind = TokenKind.Int;
            t.Int = ReadDigits((int)whole);
            return;
        }
        bool isFloat = false;
        if (Peek() == '.' && char.IsDigit(Peek(1)))
        {
            isFloat = true;
            _pos++;
            while (_pos < _s.Length && (char.IsDigit(_s[_pos]) || (_s[_pos] == '_' && char.IsDigit(Peek(1))))) _pos++;
        }
        if ((Peek() == 'e' || Peek() == 'E') && (char.IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && char.IsDigit(Peek(2)))))
        {
            isFloat = true;
            _pos += 2;
            while (_pos < _s.Length && char.IsDigit(_s[_pos])) _pos++;
        }
        if (isFloat)
        {
            string text = _s[st.._pos].Replace("_", "");
            double v = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (Peek() == 'I' && string.CompareOrdinal(_s, _pos, "Inf", 0, 3) == 0)
            {
                _pos += 3;
                v = double.PositiveInfinity;
            }
            else if (Peek() == 'N' && string.CompareOrdinal(_s, _pos, "NaN", 0, 3) == 0)
            {
                _pos += 3;
                v = double.NaN;
            }
            if (double.IsInfinity(v) && !text.Contains("Inf")) { /* overflow reads as inf in SWI? keep */ }
            t.Kind = TokenKind.Float;
            t.Float = v;
            return;
        }
        t.Kind = TokenKind.Int;
        t.Int = whole;
    }

    private static int? DigitValue(char c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'z') return c - 'a' + 10;
        if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
        return null;
    }

    private BigInteger ReadDigits(int radix)
    {
        int st = _pos;
        // fast path: up to 18 decimal digits fit a long
        long acc = 0;
        int n = 0;
        BigInteger big = BigInteger.Zero;
        bool useBig = false;
        while (_pos < _s.Length)
        {
            char c = _s[_pos];
            if (c == '_' && _pos + 1 < _s.Length && DigitValue(_s[_pos + 1]) is int nd && nd < radix && _pos > st) { _pos++; continue; }
            if (DigitValue(c) is not int d || d >= radix) break;
            if (!useBig && n < 15) acc = acc * radix + d;
            else
            {
                if (!useBig) { big = acc; useBig = true; }
                big = big * radix + d;
            }
            n++;
            _pos++;
        }
        return useBig ? big : acc;
    }

    private int ReadEscape()
    {
        // at backslash
        int l = _line, col = _pos - _lineStart + 1;
        _pos++;
        if (_pos >= _s.Length) throw Error("end of file in escape sequence", l, col);
        char c = _s[_pos++];
        switch (c)
        {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'a': return 7;
            case 'b': return 8;
            case 'f': return 12;
            case 'v': return 11;
            case '0' or '1' or '2' or '3' or '4' or '5' or '6' or '7':
                {
                    int v = c - '0';
                    while (_pos < _s.Length && _s[_pos] >= '0' && _s[_pos] <= '7') v = v * 8 + (_s[_pos++] - '0');
                    if (_pos < _s.Length && _s[_pos] == '\\') _pos++;
                    return v;
                }
            case 'x':
                {
                    int v = 0, n = 0;
                    while (_pos < _s.Length && DigitValue(_s[_pos]) is int d && d < 16) { v = v * 16 + d; _pos++; n++; if (v > 0x10FFFF) throw Error("illegal character code in escape", l, col); }
                    if (n == 0) throw Error("undefined escape sequence \\x", l, col);
                    if (_pos < _s.Length && _s[_pos] == '\\') _pos++;
                    return v;
                }
            case 'e': return 27;
            case 's': return ' ';
            case 'z': return -1;
            case '\\': return '\\';
            case '\'': return '\'';
            case '"': return '"';
            case '`': return '`';
            default: throw Error($"undefined escape sequence \\{c}", l, col);
        }
    }

    private string ReadQuoted(char q)
    {
        int l = _line, col = _pos - _lineStart + 1;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _s.Length) throw Error(q == '"' ? "end of file in quoted string" : "end of file in quoted atom", l, col);
            char c = _s[_pos];
            if (c == q)
            {
                if (Peek(1) == q) { sb.Append(q); _pos += 2; continue; }
                _pos++;
                return sb.ToString();
            }
            if (c == '\\')
            {
                if (Peek(1) == '\n') { _pos += 2; _line++; _lineStart = _pos; continue; }
                int code = ReadEscape();
                if (code >= 0) sb.Append(char.ConvertFromUtf32(code));
                continue;
            }
            if (c == '\n')
            {
                // SWI allows newlines in quoted text only with a warning; ISO forbids. Accept like SWI.
                Advance();
                sb.Append('\n');
                continue;
            }
            sb.Append(c);
            _pos++;
        }
    }
}
