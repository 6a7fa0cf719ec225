using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

/// <summary>
/// Interning of atoms and functors (name/arity pairs). The process-wide table is append-only: lookups take no lock,
/// additions do. <see cref="Atom"/> and <see cref="Functor(int, int)"/> always intern there (the engine's own names,
/// clauses of the database). Names a query makes from its data go through <see cref="QueryAtom"/> and
/// <see cref="QueryFunctor"/>: while a read-only session runs a query on a thread (<see cref="EnterLocal"/>), the names
/// the process-wide table does not hold yet get ids in that query's own <see cref="LocalSymbols"/> (from
/// <see cref="LocalBase"/> up) and die with the query, so no query can grow the shared table.
/// </summary>
internal static class Symbols
{
    /// <summary>Ids at or above this belong to the running query's local table.</summary>
    public const int LocalBase = 1 << 30;

    private static readonly object s_lock = new();
    private static readonly ConcurrentDictionary<string, int> s_atomIds = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> s_atomSpans = s_atomIds.GetAlternateLookup<ReadOnlySpan<char>>();
    private static string[] s_atoms = new string[1024];
    private static int s_atomCount;
    private static readonly ConcurrentDictionary<long, int> s_functorIds = new();
    private static int[] s_functorName = new int[1024];
    private static int[] s_functorArity = new int[1024];
    private static int s_functorCount;

    [ThreadStatic] private static LocalSymbols? t_local;

    // well-known atoms (ids fixed by registration order)
    public static readonly int Nil = Atom("[]");
    public static readonly int True = Atom("true");
    public static readonly int Fail = Atom("fail");
    public static readonly int False = Atom("false");
    public static readonly int EmptyBlock = Atom("{}");
    public static readonly int Minus = Atom("-");
    public static readonly int Plus = Atom("+");
    public static readonly int Comma = Atom(",");
    public static readonly int Semicolon = Atom(";");
    public static readonly int Bar = Atom("|");
    public static readonly int Arrow = Atom("->");
    public static readonly int SoftArrow = Atom("*->");
    public static readonly int Not = Atom("\\+");
    public static readonly int Neck = Atom(":-");
    public static readonly int Cut = Atom("!");
    public static readonly int Call = Atom("call");
    public static readonly int Error = Atom("error");
    public static readonly int Dot = Atom("[|]");
    public static readonly int Curly = Atom("{}");
    public static readonly int Caret = Atom("^");
    public static readonly int Colon = Atom(":");
    public static readonly int Slash = Atom("/");
    public static readonly int Eq = Atom("=");
    public static readonly int Lt = Atom("<");
    public static readonly int Gt = Atom(">");
    public static readonly int End = Atom("end_of_file");

    public static readonly int FList = Functor(Dot, 2);
    public static readonly int FComma = Functor(Comma, 2);
    public static readonly int FSemicolon = Functor(Semicolon, 2);
    public static readonly int FBar = Functor(Bar, 2);
    public static readonly int FArrow = Functor(Arrow, 2);
    public static readonly int FSoftArrow = Functor(SoftArrow, 2);
    public static readonly int FNot = Functor(Not, 1);
    public static readonly int FNeck = Functor(Neck, 2);
    public static readonly int FDirective = Functor(Neck, 1);
    public static readonly int FError = Functor(Error, 2);
    public static readonly int FCurly = Functor(Curly, 1);
    public static readonly int FCaret = Functor(Caret, 2);
    public static readonly int FColon = Functor(Colon, 2);
    public static readonly int FSlash = Functor(Slash, 2);
    public static readonly int FMinus2 = Functor(Minus, 2);
    public static readonly int FEq = Functor(Eq, 2);

    /// <summary>Atoms in the process-wide table.</summary>
    public static int SharedAtomCount => Volatile.Read(ref s_atomCount);

    /// <summary>Functors in the process-wide table.</summary>
    public static int SharedFunctorCount => Volatile.Read(ref s_functorCount);

    /// <summary>Makes new names on this thread local to <paramref name="local"/> until <see cref="LeaveLocal"/>; returns the previous scope.</summary>
    public static LocalSymbols? EnterLocal(LocalSymbols local)
    {
        var previous = t_local;
        t_local = local;
        return previous;
    }

    /// <summary>Ends the scope begun by <see cref="EnterLocal"/>.</summary>
    public static void LeaveLocal(LocalSymbols? previous) => t_local = previous;

    /// <summary>
    /// The name as a string: the process-wide table's own instance when it holds that name (no string made: a query's
    /// text names mostly known atoms), else a new string. Never adds the name to the table.
    /// </summary>
    public static string Name(ReadOnlySpan<char> text) => s_atomSpans.TryGetValue(text, out string? known, out _) ? known : new string(text);

    /// <summary>An atom made from a query's data: local to the running read-only query when the process has none of that name.</summary>
    public static int QueryAtom(string name)
    {
        if (s_atomIds.TryGetValue(name, out int id)) return id;
        return t_local is { } local ? local.Atom(name) : Atom(name);
    }

    /// <summary>A functor made from a query's data (see <see cref="QueryAtom"/>).</summary>
    public static int QueryFunctor(int atom, int arity)
    {
        long key = ((long)atom << 32) | (uint)arity;
        if (s_functorIds.TryGetValue(key, out int id)) return id;
        return t_local is { } local ? local.Functor(atom, arity, key) : Functor(atom, arity);
    }

    /// <summary>An atom of the process-wide table (made there when missing) unless the running query already made it local: one name, one id.</summary>
    public static int Atom(string name)
    {
        if (s_atomIds.TryGetValue(name, out int id)) return id;
        if (t_local is { } local && local.TryGetAtom(name, out id)) return id;
        lock (s_lock)
        {
            if (s_atomIds.TryGetValue(name, out id)) return id;
            id = s_atomCount;
            if (id == s_atoms.Length)
            {
                var n = new string[id * 2];
                Array.Copy(s_atoms, n, id);
                s_atoms = n;
            }
            s_atoms[id] = name;
            Volatile.Write(ref s_atomCount, id + 1);
            s_atomIds[name] = id;   // published last: a reader that finds the id finds its name
            return id;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static string AtomName(int id) => id < LocalBase ? s_atoms[id] : t_local!.AtomName(id);

    public static int Functor(int atom, int arity)
    {
        long key = ((long)atom << 32) | (uint)arity;
        if (s_functorIds.TryGetValue(key, out int id)) return id;
        if (atom >= LocalBase || (t_local is { } local && local.TryGetFunctor(key, out id)))
            return QueryFunctor(atom, arity);   // a query-local atom has only query-local functors; one functor, one id
        lock (s_lock)
        {
            if (s_functorIds.TryGetValue(key, out id)) return id;
            id = s_functorCount;
            if (id == s_functorName.Length)
            {
                var nn = new int[id * 2];
                var na = new int[id * 2];
                Array.Copy(s_functorName, nn, id);
                Array.Copy(s_functorArity, na, id);
                s_functorName = nn;
                s_functorArity = na;
            }
            s_functorName[id] = atom;
            s_functorArity[id] = arity;
            Volatile.Write(ref s_functorCount, id + 1);
            s_functorIds[key] = id;
            return id;
        }
    }

    public static int Functor(string name, int arity) => Functor(Atom(name), arity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FunctorAtom(int f) => f < LocalBase ? s_functorName[f] : t_local!.FunctorAtom(f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FunctorArity(int f) => f < LocalBase ? s_functorArity[f] : t_local!.FunctorArity(f);

    public static string FunctorName(int f) => AtomName(FunctorAtom(f));
    public static string Indicator(int f) => FunctorName(f) + "/" + FunctorArity(f);
}

/// <summary>
/// The atoms and functors a read-only query made that the process-wide table does not hold; they are dropped with the
/// query. Each one is charged to the query's memory (<see cref="Machine.Charge"/>).
/// </summary>
internal sealed class LocalSymbols(Machine owner)
{
    private readonly Dictionary<string, int> _atomIds = new(StringComparer.Ordinal);
    private readonly List<string> _atoms = [];
    private readonly Dictionary<long, int> _functorIds = new();
    private readonly List<(int Atom, int Arity)> _functors = [];

    /// <summary>Bytes charged per local name beside its characters (dictionary entry, list slot, string header).</summary>
    private const int Overhead = 64;

    public int Count => _atoms.Count + _functors.Count;

    public int Atom(string name)
    {
        if (_atomIds.TryGetValue(name, out int id)) return id;
        owner.Charge(Overhead + 2L * name.Length);
        id = Symbols.LocalBase + _atoms.Count;
        _atoms.Add(name);
        _atomIds[name] = id;
        return id;
    }

    public string AtomName(int id) => _atoms[id - Symbols.LocalBase];

    public bool TryGetAtom(string name, out int id) => _atomIds.TryGetValue(name, out id);

    public bool TryGetFunctor(long key, out int id) => _functorIds.TryGetValue(key, out id);

    public int Functor(int atom, int arity, long key)
    {
        if (_functorIds.TryGetValue(key, out int id)) return id;
        owner.Charge(Overhead);
        id = Symbols.LocalBase + _functors.Count;
        _functors.Add((atom, arity));
        _functorIds[key] = id;
        return id;
    }

    public int FunctorAtom(int f) => _functors[f - Symbols.LocalBase].Atom;

    public int FunctorArity(int f) => _functors[f - Symbols.LocalBase].Arity;

    public void Clear()
    {
        _atomIds.Clear();
        _atoms.Clear();
        _functorIds.Clear();
        _functors.Clear();
    }
}
