namespace Pwmk.Logic.Solving;

/// <summary>
/// Process-wide interning of atoms and functors (name/arity pairs). Thread-safe: writers lock,
/// readers see published arrays.
/// </summary>
internal static class Symbols
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<string, int> s_atomIds = new(StringComparer.Ordinal);
    private static string[] s_atoms = new string[1024];
    private static int s_atomCount;
    private static readonly Dictionary<long, int> s_functorIds = new();
    private static int[] s_functorName = new int[1024];
    private static int[] s_functorArity = new int[1024];
    private static int s_functorCount;

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

    public static int Atom(string name)
    {
        lock (s_lock)
        {
            if (s_atomIds.TryGetValue(name, out int id)) return id;
            id = s_atomCount;
            if (id == s_atoms.Length)
            {
                var n = new string[id * 2];
                Array.Copy(s_atoms, n, id);
                s_atoms = n;
            }
            s_atoms[id] = name;
            s_atomCount = id + 1;
            s_atomIds[name] = id;
            return id;
        }
    }

    public static string AtomName(int id) => s_atoms[id];

    public static int Functor(int atom, int arity)
    {
        long key = ((long)atom << 32) | (uint)arity;
        lock (s_lock)
        {
            if (s_functorIds.TryGetValue(key, out int id)) return id;
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
            s_functorCount = id + 1;
            s_functorIds[key] = id;
            return id;
        }
    }

    public static int Functor(string name, int arity) => Functor(Atom(name), arity);
    public static int FunctorAtom(int f) => s_functorName[f];
    public static int FunctorArity(int f) => s_functorArity[f];
    public static string FunctorName(int f) => s_atoms[s_functorName[f]];
    public static string Indicator(int f) => FunctorName(f) + "/" + FunctorArity(f);
}
