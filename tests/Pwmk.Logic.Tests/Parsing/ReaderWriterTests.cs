using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Parsing;

public class ReaderWriterTests
{
    [Theory]
    [InlineData("f(a:-b)", "f((a:-b))")]
    [InlineData("- 1", "- 1")]
    [InlineData("-1", "-1")]
    [InlineData("-(-(1))", "- - 1")]
    [InlineData("a- -1", "a- -1")]
    [InlineData("(a:-b,c)", "a:-b,c")]
    [InlineData("[a|b]", "[a|b]")]
    [InlineData("{x,y}", "{x,y}")]
    [InlineData("'hello world'", "'hello world'")]
    [InlineData("\"str\"", "\"str\"")]
    [InlineData("'it''s'", "'it\\'s'")]
    [InlineData("-(a)", "-a")]
    [InlineData("\\+ (a,b)", "\\+ (a,b)")]
    [InlineData("2*(3+4)", "2*(3+4)")]
    [InlineData("1-(2-3)", "1-(2-3)")]
    [InlineData("1-2-3", "1-2-3")]
    [InlineData("f(;,'|',!,{},'{}'(a))", "f(;,'|',!,{},{a})")]
    [InlineData("- (-)", "- (-)")]
    [InlineData("a = \\+", "a=(\\+)")]
    [InlineData("1 is 2", "1 is 2")]
    [InlineData("f(a mod b)", "f(a mod b)")]
    [InlineData("dynamic foo/1", "dynamic foo/1")]
    [InlineData("0'a", "97")]
    [InlineData("1.0e15", "1.0e+15")]
    [InlineData("1.5e-5", "1.5e-5")]
    [InlineData("123456789012345.0", "123456789012345.0")]
    [InlineData("0.1", "0.1")]
    [InlineData("a AND b OR NOT c", "a,b;\\+c")]
    public void WritesAsSwiPrologWriteq(string text, string expected)
    {
        Assert.Equal(expected, Term.Parse(text).ToString());
    }

    [Theory]
    [InlineData("f(a", 1, 4)]
    [InlineData("a b", 1, 3)]
    [InlineData("f(,)", 1, 3)]
    [InlineData("'abc", 1, 1)]
    [InlineData("a = b = c", 1, 7)]
    public void SyntaxErrorsNamePosition(string text, int line, int col)
    {
        var ex = Assert.Throws<SyntaxErrorException>(() => Term.Parse(text));
        Assert.Equal(line, ex.Line);
        Assert.Equal(col, ex.Column);
    }

    [Fact]
    public void DeeplyNestedTermsParseAndWriteWithoutStackOverflow()
    {
        const int depth = 1_000_000;
        var text = new string('[', depth) + new string(']', depth);
        var t = Term.Parse(text);
        var s = t.ToString();
        Assert.Equal(text, s);
        var deepOps = string.Concat(Enumerable.Repeat("- ", depth)) + "a";
        Assert.StartsWith("- - -", Term.Parse(deepOps).ToString());
    }
}
