namespace Pwmk.Logic.Solving;

internal enum Op : byte
{
    Proceed,        // end of a body without frame: continue at CP
    DeallocProceed, // end of a body with frame
    Call,           // O=Predicate, A=argStart, B=arity, C=blockEnd
    Exec,           // last call: same operands
    Builtin,        // O=DetBuiltin, A=argStart, B=arity, C=blockEnd
    Unify,          // A=argStart (2 args), C=blockEnd : X = Y inline
    Is,             // O=ArithProgram (result into arg A at argStart)
    Compare,        // O=ArithProgram pair, B=comparison kind
    Cut,            // cut to clause barrier
    CutTo,          // A=perm slot holding a choicepoint index
    Mark,           // A=perm slot: store current B
    TryElse,        // A=label: push alternative
    Jump,           // A=label
    Fail,
    True,
    SoftCut,        // A=perm slot (mark); disables the choicepoint just above the mark
    CatchExit,      // A=perm slot of catch mark: pop catch choicepoint when on top
    CatchPush,      // A=recovery label, B=catcher perm slot
    Halt,           // solution found (query continuation)
    Resume,         // internal: return to a C# continuation (sub-run)
}

internal struct Instr
{
    public Op Op;
    public int A, B, C;
    public object? O;
}

/// <summary>A compiled clause: a cell template (head arguments, body goal arguments, the body term) and a body program.</summary>
internal sealed class Clause
{
    public required Predicate Pred;
    public required long[] Cells;
    public required Instr[] Code;
    public int HeadEnd;          // cells [0, HeadEnd) hold the head arguments and their regions
    public int BodyRoot = -1;    // position of the body term's root cell (-1: body is 'true')
    public int NPerms;
    private int _tempsAndFrame;  // NTemps << 1 | HasFrame: one field, so a clause takes 80 bytes
    public long Key0;            // first-argument key (0: variable)
    public ulong Born;
    public ulong Died = ulong.MaxValue;

    public int Arity => Pred.Arity;

    public int NTemps
    {
        get => _tempsAndFrame >> 1;
        init => _tempsAndFrame = (value << 1) | (_tempsAndFrame & 1);
    }

    public bool HasFrame
    {
        get => (_tempsAndFrame & 1) != 0;
        init => _tempsAndFrame = (_tempsAndFrame & ~1) | (value ? 1 : 0);
    }

    public bool IsAliveAt(ulong gen) => Born <= gen && gen < Died;
}

/// <summary>A term copied out of the heap: cells with CVAR slots, root at index 0.</summary>
internal sealed class Record
{
    public required long[] Cells;
    public int NVars;
}
