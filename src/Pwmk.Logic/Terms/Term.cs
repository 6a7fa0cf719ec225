using System.Numerics;
using Pwmk.Logic.Parsing;

namespace Pwmk.Logic.Terms;

/// <summary>
/// An immutable Prolog term as seen from outside the engine: atoms, numbers, strings,
/// variables and compound terms. Lists use the SWI-Prolog 7 list functor <c>'[|]'/2</c>
/// and the empty list <c>[]</c>. Equality is structural (variables compare by identity);
/// every walker is iterative, so terms of any depth are safe.
/// </summary>
public abstract class Term : IEquatable<Term>
{
    private protected Term() { }

    /// <summary>The list constructor's name, as in SWI-Prolog 7.</summary>
    public const string ListFunctor = "[|]";

    /// <summary>Parses one term (no final period needed) with the standard operator table.</summary>
    public static Term Parse(string text) => TermReader.ParseTerm(text, OperatorTable.CreateDefault());

    /// <summary>Builds a proper list from the given elements.</summary>
    public static Term List(IEnumerable<Term> items, Term? tail = null)
    {
        var arr = items as IList<Term> ?? items.ToList();
        Term result = tail ?? Atom.Nil;
        for (int i = arr.Count - 1; i >= 0; i--) result = new Compound(ListFunctor, arr[i], result);
        return result;
    }

    /// <summary>Builds a proper list from the given elements.</summary>
    public static Term List(params Term[] items) => List((IEnumerable<Term>)items);

    /// <summary>Writes the term as <c>writeq/1</c> would with the standard operator table.</summary>
    public override string ToString() => TermWriter.Format(this, OperatorTable.Default, quoted: true);

    /// <summary>True when the term contains no variables.</summary>
    public bool IsGround
    {
        get
        {
            var stack = new Stack<Term>();
            stack.Push(this);
            while (stack.Count > 0)
            {
                var t = stack.Pop();
                if (t is Variable) return false;
                if (t is Compound c) foreach (var a in c.Args) stack.Push(a);
            }
            return true;
        }
    }

    /// <summary>If this term is a proper list, its elements; otherwise null.</summary>
    public IReadOnlyList<Term>? AsList()
    {
        var items = new List<Term>();
        Term t = this;
        while (t is Compound { Functor: ListFunctor, Arity: 2 } c)
        {
            items.Add(c.Args[0]);
            t = c.Args[1];
        }
        return t is Atom { IsNil: true } ? items : null;
    }

    public bool Equals(Term? other)
    {
        if (other is null) return false;
        var stack = new Stack<(Term, Term)>();
        stack.Push((this, other));
        while (stack.Count > 0)
        {
            var (a, b) = stack.Pop();
            if (ReferenceEquals(a, b)) continue;
            switch (a)
            {
                case Atom x when b is Atom y: if (x.Name != y.Name) return false; break;
                case Integer x when b is Integer y: if (x.Value != y.Value) return false; break;
                case Float x when b is Float y: if (!x.Value.Equals(y.Value)) return false; break;
                case StringTerm x when b is StringTerm y: if (x.Value != y.Value) return false; break;
                case Compound x when b is Compound y:
                    if (x.Functor != y.Functor || x.Arity != y.Arity) return false;
                    for (int i = 0; i < x.Arity; i++) stack.Push((x.Args[i], y.Args[i]));
                    break;
                default: return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is Term t && Equals(t);

    public override int GetHashCode()
    {
        var hc = new HashCode();
        var stack = new Stack<Term>();
        stack.Push(this);
        int budget = 64;
        while (stack.Count > 0 && budget-- > 0)
        {
            var t = stack.Pop();
            switch (t)
            {
                case Atom a: hc.Add(a.Name); break;
                case Integer i: hc.Add(i.Value); break;
                case Float f: hc.Add(f.Value); break;
                case StringTerm s: hc.Add(s.Value); break;
                case Variable v: hc.Add(v.Id); break;
                case Compound c:
                    hc.Add(c.Functor); hc.Add(c.Arity);
                    for (int i = c.Arity - 1; i >= 0; i--) stack.Push(c.Args[i]);
                    break;
            }
        }
        return hc.ToHashCode();
    }
}

/// <summary>An atom (a constant name). <see cref="Nil"/> is the empty list <c>[]</c>.</summary>
public sealed class Atom : Term
{
    public Atom(string name) => Name = name ?? throw new ArgumentNullException(nameof(name));
    public string Name { get; }
    public bool IsNil => Name == "[]";
    public static readonly Atom Nil = new("[]");
    public static readonly Atom True = new("true");
    public static readonly Atom False = new("false");
    public static readonly Atom EmptyBlock = new("{}");
}

/// <summary>An integer of any size.</summary>
public sealed class Integer : Term
{
    public Integer(BigInteger value) => Value = value;
    public Integer(long value) => Value = value;
    public BigInteger Value { get; }
}

/// <summary>A 64-bit floating point number.</summary>
public sealed class Float : Term
{
    public Float(double value) => Value = value;
    public double Value { get; }
}

/// <summary>An SWI-Prolog string object (<c>"text"</c> in source).</summary>
public sealed class StringTerm : Term
{
    public StringTerm(string value) => Value = value ?? throw new ArgumentNullException(nameof(value));
    public string Value { get; }
}

/// <summary>A logic variable. Two variables are the same only when they are the same object.</summary>
public sealed class Variable : Term
{
    private const int IdBlock = 1024;
    private static long s_next;
    [ThreadStatic] private static long t_next, t_end;
    private readonly string? _name;

    public Variable(string? name = null)
    {
        // ids come from a block of this thread's (one shared atomic add per 1,024 variables, not one per variable:
        // queries on other cores make variables too); unique, and increasing on each thread
        if (t_next == t_end)
        {
            t_end = Interlocked.Add(ref s_next, IdBlock);
            t_next = t_end - IdBlock;
        }
        Id = ++t_next;
        _name = name;
    }

    /// <summary>The name given, or <c>_G</c> and a number (made when first asked for).</summary>
    public string Name => _name ?? "_G" + Id;
    internal long Id { get; }
}

/// <summary>A compound term <c>functor(arg1, ..., argN)</c> with N at least 1.</summary>
public sealed class Compound : Term
{
    private readonly Term[] _args;

    public Compound(string functor, params Term[] args)
    {
        ArgumentNullException.ThrowIfNull(functor);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0) throw new ArgumentException("a compound term needs at least one argument", nameof(args));
        Functor = functor;
        _args = args;
    }

    public string Functor { get; }
    public int Arity => _args.Length;
    public IReadOnlyList<Term> Args => _args;
    internal Term[] ArgArray => _args;
}
