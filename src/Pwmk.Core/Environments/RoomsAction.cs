namespace Pwmk.Core.Environments;

/// <summary>Kinds of <see cref="RoomsAction"/>.</summary>
public enum RoomsActionKind
{
    /// <summary>Do nothing.</summary>
    Noop,
    /// <summary>Enter a room (leaving the current one first).</summary>
    Enter,
    /// <summary>Leave the current room.</summary>
    Exit,
    /// <summary>Move an object to a container of the same room.</summary>
    Move,
    /// <summary>Look inside a container: only the peeker learns what it holds.</summary>
    Peek,
    /// <summary>Privately tell a listener in the same room that an object is in a container (true or not); only the listener hears it.</summary>
    Tell,
    /// <summary>Publicly claim that an object is in a container (true or not); everyone in the room hears it.</summary>
    Claim,
}

/// <summary>One action of a <see cref="RoomsWorld"/> agent; unused fields are null.</summary>
public sealed record RoomsAction(RoomsActionKind Kind, string? Room = null, string? Object = null, string? Container = null, string? Listener = null)
{
    public static readonly RoomsAction Noop = new(RoomsActionKind.Noop);
    public static RoomsAction Enter(string room) => new(RoomsActionKind.Enter, Room: room);
    public static readonly RoomsAction Exit = new(RoomsActionKind.Exit);
    public static RoomsAction Move(string obj, string container) => new(RoomsActionKind.Move, Object: obj, Container: container);
    public static RoomsAction Peek(string container) => new(RoomsActionKind.Peek, Container: container);
    public static RoomsAction Tell(string listener, string obj, string container) => new(RoomsActionKind.Tell, Object: obj, Container: container, Listener: listener);
    public static RoomsAction Claim(string obj, string container) => new(RoomsActionKind.Claim, Object: obj, Container: container);
}
