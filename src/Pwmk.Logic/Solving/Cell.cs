using System.Runtime.CompilerServices;

namespace Pwmk.Logic.Solving;

/// <summary>
/// Tagged 64-bit cells of the engine's heap and clause templates. The low 3 bits are the tag,
/// the rest the value. REF cells point at heap cells (an unbound variable points at itself),
/// STR at a functor cell followed by the arguments, LST at a head cell followed by the tail,
/// BOX at a header cell followed by raw data (floats, big integers, strings). CVAR appears only
/// in clause templates and names a clause variable slot.
/// </summary>
internal static class Cell
{
    public const int REF = 0, ATM = 1, INT = 2, STR = 3, LST = 4, FUN = 5, BOX = 6, CVAR = 7;

    public const long MaxSmall = (1L << 60) - 1;
    public const long MinSmall = -(1L << 60);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Tag(long c) => (int)(c & 7);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Val(long c) => c >> 3;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Addr(long c) => (int)(c >> 3);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Ref(int addr) => (long)addr << 3;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Atom(int id) => ((long)id << 3) | ATM;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Int(long v) => (v << 3) | INT;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Str(int addr) => ((long)addr << 3) | STR;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Lst(int addr) => ((long)addr << 3) | LST;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Fun(int functor) => ((long)functor << 3) | FUN;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long Box(int addr) => ((long)addr << 3) | BOX;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool IsSmall(long v) => v >= MinSmall && v <= MaxSmall;

    // Box header: FUN tag, kind in bits 3..10, payload cell count in bits 11..42, marker bit 62
    public const int BoxFloat = 1, BoxBig = 2, BoxString = 3;
    public const long BoxMarker = 1L << 62;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long BoxHeader(int kind, int ncells) => BoxMarker | ((long)ncells << 11) | ((long)kind << 3) | FUN;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int BoxKind(long header) => (int)((header >> 3) & 0xFF);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int BoxCells(long header) => (int)((header >> 11) & 0xFFFFFFFF);

    // Template variable slots: value = slot << 2 | perm << 1 | first
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static long CVar(int slot, bool perm, bool first) => ((long)((slot << 2) | (perm ? 2 : 0) | (first ? 1 : 0)) << 3) | CVAR;

    public const long Nil = (0L << 3) | ATM;   // atom 0 is []
}
